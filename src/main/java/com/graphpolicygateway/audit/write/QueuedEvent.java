package com.graphpolicygateway.audit.write;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditUnavailableException;

/**
 * An event on its way to the audit trail, as the journal stage and the audit writer queue
 * it: {@code committed} is set for pending events awaiting acknowledgement, {@code whole}
 * for refusals that never were pending, {@code holdsRoom} for events that took room in
 * the writer's bounded queue (pending events without a journal, refusals),
 * {@code queuedAt} is {@link System#nanoTime()} when the event was queued, and
 * {@code segment} the journal segment of a pending event acknowledged from the journal (0
 * for any other).
 */
record QueuedEvent(AuditEvent event, @Nullable CompletableFuture<Void> committed, boolean whole, boolean holdsRoom,
		long queuedAt, long segment) {

	static QueuedEvent pending(AuditEvent event, CompletableFuture<Void> committed, boolean holdsRoom) {
		return new QueuedEvent(event, committed, false, holdsRoom, System.nanoTime(), 0);
	}

	static QueuedEvent completed(AuditEvent event, boolean whole, boolean holdsRoom) {
		return new QueuedEvent(event, null, whole, holdsRoom, System.nanoTime(), 0);
	}

	/**
	 * This pending event, acknowledged from journal {@code segment}; the journal's
	 * backlog bounds these.
	 */
	QueuedEvent journaled(long segment) {
		return new QueuedEvent(this.event, null, false, false, this.queuedAt, segment);
	}

	boolean journaled() {
		return this.segment > 0;
	}

	boolean isPending() {
		return this.committed != null || journaled();
	}

	/** Tells the caller of a pending event that it is not durable. */
	void fail(AuditUnavailableException ex) {
		CompletableFuture<Void> committed = this.committed;
		if (committed != null) {
			committed.completeExceptionally(ex);
		}
	}

	/** Acknowledges a durable pending event, counting how long its caller waited. */
	void acknowledge(Timer pendingWait, long durableAt) {
		CompletableFuture<Void> committed = this.committed;
		if (committed != null) {
			pendingWait.record(durableAt - this.queuedAt, TimeUnit.NANOSECONDS);
			committed.complete(null);
		}
	}

}
