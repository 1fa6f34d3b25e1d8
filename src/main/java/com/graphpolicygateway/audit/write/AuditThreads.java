package com.graphpolicygateway.audit.write;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * What the audit writer's thread needs beside its loop: how long it waits for work when
 * idle, how it waits on its queue and is waited for, and how it logs a failure without
 * its values.
 */
final class AuditThreads {

	/** How long an idle thread waits for the next event before it looks around. */
	static final Duration IDLE_WAIT = Duration.ofMillis(100);

	private AuditThreads() {
	}

	/** The next event of {@code from}, or null after the timeout or an interrupt. */
	static @Nullable QueuedEvent poll(BlockingQueue<QueuedEvent> from, long timeoutNanos) {
		try {
			return from.poll(timeoutNanos, TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
	}

	/** Waits for a thread to end; whether it has (or never started). */
	static boolean join(@Nullable Thread thread) {
		if (thread == null) {
			return true;
		}
		try {
			thread.join(Duration.ofSeconds(30).toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return !thread.isAlive();
	}

	/**
	 * What went wrong, without the database's message: it may quote the values of the
	 * event, and those come from request bodies, which are never logged.
	 */
	static String describe(RuntimeException ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String state = (root instanceof java.sql.SQLException sql && sql.getSQLState() != null)
				? " SQLState " + sql.getSQLState() : "";
		return ex.getClass().getSimpleName() + " (" + root.getClass().getSimpleName() + state + ")";
	}

}
