package com.graphpolicygateway.audit.write;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditUnavailableException;

/**
 * An event on its way to the audit trail, as the audit writer queues it:
 * {@code committed} is set for pending events awaiting acknowledgement, {@code whole} for
 * refusals that never were pending, {@code holdsRoom} for events that took room in the
 * writer's bounded queue (pending events, refusals), and {@code queuedAt} is
 * {@link System#nanoTime()} when the event was queued.
 */
record QueuedEvent(AuditEvent event, @Nullable CompletableFuture<Void> committed, boolean whole, boolean holdsRoom,
		long queuedAt) {

	static QueuedEvent pending(AuditEvent event, CompletableFuture<Void> committed) {
		return new QueuedEvent(event, committed, false, true, System.nanoTime());
	}

	static QueuedEvent completed(AuditEvent event, boolean whole, boolean holdsRoom) {
		return new QueuedEvent(event, null, whole, holdsRoom, System.nanoTime());
	}

	boolean isPending() {
		return this.committed != null;
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
