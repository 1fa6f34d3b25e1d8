package com.graphpolicygateway.audit.sinks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sink that keeps what it acknowledged, and fails the next {@link #failNext} batches
 * when told to.
 */
final class RecordingSink implements AuditSink {

	private final List<SinkRecord> records = new ArrayList<>();

	private final AtomicInteger failures = new AtomicInteger();

	private final AtomicInteger batches = new AtomicInteger();

	@Override
	public void deliver(List<SinkRecord> batch) throws IOException {
		this.batches.incrementAndGet();
		if (this.failures.getAndUpdate((left) -> Math.max(0, left - 1)) > 0) {
			throw new IOException("refused (test)");
		}
		synchronized (this.records) {
			this.records.addAll(batch);
		}
	}

	/** The next {@code count} batches fail. */
	void failNext(int count) {
		this.failures.set(count);
	}

	List<SinkRecord> records() {
		synchronized (this.records) {
			return List.copyOf(this.records);
		}
	}

	/** The ids of the event records, in the order acknowledged. */
	List<String> eventIds() {
		return records().stream()
			.filter((record) -> record.event() != null)
			.map((record) -> record.event().id())
			.toList();
	}

	int batches() {
		return this.batches.get();
	}

	@Override
	public void close() {
	}

}
