package com.graphpolicygateway.audit.sinks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.query.AuditEventView;
import com.graphpolicygateway.audit.query.AuditFeed;
import com.graphpolicygateway.system.AuditSinkProperties;

/**
 * Delivers one sink, on a thread of its own: while this replica holds the sink's lease,
 * reads the chains' events and checkpoints past the sink's cursors, sends them as one
 * batch, and moves the cursors only once the sink has acknowledged the batch. A failed
 * batch is sent again after a backoff that doubles up to the sink's {@code max-backoff}.
 * The events of a chain go out in chain order; a checkpoint goes out once the events it
 * covers have. Lag and failures are measured for metrics and health, on every replica.
 */
final class AuditSinkDelivery {

	private static final Log logger = LogFactory.getLog(AuditSinkDelivery.class);

	/**
	 * Lag (age of the oldest undelivered event) past which the sink is reported
	 * {@code DEGRADED}.
	 */
	static final Duration DEGRADED_LAG = Duration.ofMinutes(5);

	private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

	private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

	private final String name;

	private final AuditSinkProperties properties;

	private final AuditSink sink;

	private final AuditFeed feed;

	private final SinkCursors cursors;

	private final SinkLease lease;

	private final JsonMapper json;

	private final Clock clock;

	private final Counter delivered;

	private final Counter failures;

	private final Counter skipped;

	private final Object signal = new Object();

	private boolean signalled;

	private volatile boolean running;

	private @Nullable Thread thread;

	private volatile long lagEvents;

	private volatile Duration lag = Duration.ZERO;

	private volatile int consecutiveFailures;

	private volatile @Nullable String lastError;

	private int round;

	AuditSinkDelivery(String name, AuditSinkProperties properties, AuditSink sink, AuditFeed feed, SinkCursors cursors,
			SinkLease lease, JsonMapper json, Clock clock, MeterRegistry meters) {
		Assert.hasText(name, "name cannot be empty");
		Assert.notNull(properties, "properties cannot be null");
		Assert.notNull(sink, "sink cannot be null");
		Assert.notNull(feed, "feed cannot be null");
		Assert.notNull(cursors, "cursors cannot be null");
		Assert.notNull(lease, "lease cannot be null");
		Assert.notNull(json, "json cannot be null");
		Assert.notNull(clock, "clock cannot be null");
		this.name = name;
		this.properties = properties;
		this.sink = sink;
		this.feed = feed;
		this.cursors = cursors;
		this.lease = lease;
		this.json = json;
		this.clock = clock;
		this.delivered = Counter.builder("graph_gateway.audit.sink.delivered")
			.description("Records (events and checkpoints) the sink acknowledged")
			.tag("sink", name)
			.register(meters);
		this.failures = Counter.builder("graph_gateway.audit.sink.failures")
			.description("Failed deliveries of a batch to the sink")
			.tag("sink", name)
			.register(meters);
		this.skipped = Counter.builder("graph_gateway.audit.sink.skipped")
			.description("Events purged or deleted before the sink received them")
			.tag("sink", name)
			.register(meters);
		Gauge.builder("graph_gateway.audit.sink.lag.events", this, (delivery) -> delivery.lagEvents)
			.description("Chained events the sink has not acknowledged yet")
			.tag("sink", name)
			.register(meters);
		TimeGauge
			.builder("graph_gateway.audit.sink.lag", this, TimeUnit.MILLISECONDS, (delivery) -> delivery.lag.toMillis())
			.description("Age of the oldest event the sink has not acknowledged yet")
			.tag("sink", name)
			.register(meters);
	}

	String name() {
		return this.name;
	}

	SinkLease lease() {
		return this.lease;
	}

	synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		Thread delivery = new Thread(this::run, "audit-sink-" + this.name);
		delivery.setDaemon(false);
		this.thread = delivery;
		delivery.start();
	}

	/**
	 * Stops the thread after its current batch (or aborts the batch when it takes too
	 * long), closes the sink and, when {@code release}, gives the lease up.
	 */
	void stop(boolean release) {
		Thread delivery;
		synchronized (this) {
			this.running = false;
			delivery = this.thread;
			this.thread = null;
		}
		wakeup();
		if (delivery != null && !join(delivery, STOP_TIMEOUT)) {
			// Closing the sink makes a send that still waits fail.
			this.sink.close();
			join(delivery, STOP_TIMEOUT);
		}
		this.sink.close();
		if (release) {
			try {
				this.lease.release();
			}
			catch (RuntimeException ex) {
				logger.warn("Audit sink '" + this.name + "' could not release its lease; another gateway takes over "
						+ "once it expires: " + ex.getClass().getName());
			}
		}
	}

	boolean isRunning() {
		return this.running;
	}

	/** Ends a wait early: there may be work (the lease was just taken). */
	void wakeup() {
		synchronized (this.signal) {
			this.signalled = true;
			this.signal.notifyAll();
		}
	}

	/** What the health endpoint shows of this sink. */
	State state() {
		return new State(this.properties.type().name().toLowerCase(java.util.Locale.ROOT), this.lagEvents, this.lag,
				this.consecutiveFailures, this.lastError, this.lease.holder());
	}

	private void run() {
		Duration backoff = Duration.ZERO;
		while (this.running) {
			Duration wait;
			if (!this.lease.held()) {
				measureOnly();
				wait = this.properties.pollInterval();
			}
			else {
				try {
					int sent = deliverOnce();
					if (this.consecutiveFailures > 0) {
						logger.info("Audit sink '" + this.name + "' delivers again after " + this.consecutiveFailures
								+ " failed attempts");
					}
					this.consecutiveFailures = 0;
					this.lastError = null;
					backoff = Duration.ZERO;
					wait = (sent > 0) ? Duration.ZERO : this.properties.pollInterval();
				}
				catch (Exception ex) {
					backoff = nextBackoff(backoff);
					failed(ex, backoff);
					wait = backoff;
				}
			}
			await(wait);
		}
	}

	/**
	 * Sends the next batch and moves the cursors.
	 * @return the number of records delivered
	 */
	int deliverOnce() throws Exception {
		List<AuditFeed.Chain> chains = this.feed.chains();
		Map<String, Long> positions = this.cursors.read(this.name);
		measure(chains, positions);
		Batch batch = collect(chains, positions);
		if (!batch.records().isEmpty()) {
			if (!this.lease.held()) {
				return 0; // lost meanwhile: the new holder delivers
			}
			this.sink.deliver(batch.records());
			this.delivered.increment(batch.records().size());
		}
		this.cursors.advance(this.name, batch.positions());
		return batch.records().size();
	}

	private void measureOnly() {
		try {
			measure(this.feed.chains(), this.cursors.read(this.name));
		}
		catch (RuntimeException ex) {
			// Another replica delivers; the audit database's own health says it is down.
			logger.debug("Audit sink '" + this.name + "': lag not measured", ex);
		}
	}

	private void measure(List<AuditFeed.Chain> chains, Map<String, Long> positions) {
		long events = 0;
		Instant oldest = null;
		for (AuditFeed.Chain chain : chains) {
			long start = start(chain, positions);
			if (chain.lastSeq() > start) {
				events += chain.lastSeq() - start;
				Instant next = this.feed.nextEventTime(chain.chainId(), start).orElse(null);
				if (next != null && (oldest == null || next.isBefore(oldest))) {
					oldest = next;
				}
			}
		}
		this.lagEvents = events;
		Duration age = (oldest != null) ? Duration.between(oldest, this.clock.instant()) : Duration.ZERO;
		this.lag = age.isNegative() ? Duration.ZERO : age;
	}

	/** The position after which a chain's events are still to be delivered. */
	private static long start(AuditFeed.Chain chain, Map<String, Long> positions) {
		long cursor = positions.getOrDefault(SinkCursors.eventStream(chain.chainId()), 0L);
		// Events before first_seq were purged by retention: a new sink starts there.
		return Math.max(cursor, chain.firstSeq() - 1);
	}

	private Batch collect(List<AuditFeed.Chain> chains, Map<String, Long> positions) {
		List<SinkRecord> records = new ArrayList<>();
		Map<String, Long> reached = new LinkedHashMap<>();
		int size = chains.size();
		// Each round starts at another chain, so that one chain's backlog never holds
		// the others back for long.
		int first = (size > 0) ? Math.floorMod(this.round++, size) : 0;
		for (int i = 0; i < size && records.size() < this.properties.batchSize(); i++) {
			AuditFeed.Chain chain = chains.get((first + i) % size);
			String eventStream = SinkCursors.eventStream(chain.chainId());
			Long cursor = positions.get(eventStream);
			long start = start(chain, positions);
			if (cursor != null && cursor < start) {
				skip(chain, start - cursor);
				reached.put(eventStream, start);
			}
			long position = start;
			if (chain.lastSeq() > start) {
				for (AuditEventView event : this.feed.events(chain.chainId(), start,
						this.properties.batchSize() - records.size())) {
					long seq = (event.chainSeq() != null) ? event.chainSeq() : position + 1;
					if (seq > position + 1) {
						skip(chain, seq - position - 1);
					}
					records.add(SinkRecord.of(event, this.json));
					position = seq;
				}
				if (position > start) {
					reached.put(eventStream, position);
				}
			}
			String checkpointStream = SinkCursors.checkpointStream(chain.chainId());
			long checkpointCursor = positions.getOrDefault(checkpointStream, 0L);
			int room = this.properties.batchSize() - records.size();
			if (room > 0 && chain.lastCheckpointSeq() > checkpointCursor) {
				for (AuditCheckpoint checkpoint : this.feed.checkpoints(chain.chainId(), checkpointCursor, room)) {
					if (checkpoint.chainPosition() > position) {
						break; // after the events it covers
					}
					records.add(SinkRecord.of(checkpoint, this.json));
					reached.put(checkpointStream, checkpoint.checkpointSeq());
				}
			}
		}
		return new Batch(records, reached);
	}

	private void skip(AuditFeed.Chain chain, long count) {
		this.skipped.increment(count);
		logger.warn("Audit sink '" + this.name + "': " + count + " events of chain " + chain.chainId()
				+ " were purged or deleted before it received them");
	}

	private void failed(Exception ex, Duration backoff) {
		this.failures.increment();
		this.consecutiveFailures++;
		this.lastError = ex.getClass().getName();
		Throwable cause = NestedExceptionUtils.getMostSpecificCause(ex);
		// Classes and messages only: a sink's messages name no secret, and the records'
		// content (request bodies) never reaches a log line.
		String reason = ex.getClass().getName() + ": " + ex.getMessage()
				+ ((cause != ex) ? ", caused by " + cause.getClass().getName() + ": " + cause.getMessage() : "");
		logger.warn("Audit sink '" + this.name + "' failed (" + reason + "); the batch is sent again in "
				+ backoff.toMillis() + " ms");
	}

	private Duration nextBackoff(Duration backoff) {
		Duration next = backoff.isZero() ? FIRST_BACKOFF : backoff.multipliedBy(2);
		return (next.compareTo(this.properties.maxBackoff()) > 0) ? this.properties.maxBackoff() : next;
	}

	private void await(Duration wait) {
		long deadline = System.nanoTime() + wait.toNanos();
		synchronized (this.signal) {
			try {
				while (this.running && !this.signalled) {
					long left = deadline - System.nanoTime();
					if (left <= 0) {
						break;
					}
					TimeUnit.NANOSECONDS.timedWait(this.signal, left);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				this.running = false;
			}
			this.signalled = false;
		}
	}

	private static boolean join(Thread thread, Duration timeout) {
		try {
			thread.join(timeout.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return !thread.isAlive();
	}

	/**
	 * The records of one batch and where each stream's cursor goes once they are sent.
	 */
	private record Batch(List<SinkRecord> records, Map<String, Long> positions) {
	}

	/**
	 * A sink's state for the health endpoint.
	 *
	 * @param type the sink's type
	 * @param lagEvents chained events not acknowledged yet
	 * @param lag age of the oldest of them
	 * @param consecutiveFailures failed attempts since the last success
	 * @param lastError the class of the last failure, while failing
	 * @param holder who delivers the sink
	 */
	record State(String type, long lagEvents, Duration lag, int consecutiveFailures, @Nullable String lastError,
			SinkLease.Holder holder) {

		boolean degraded() {
			return this.consecutiveFailures > 0 || this.lag.compareTo(DEGRADED_LAG) > 0;
		}

	}

}
