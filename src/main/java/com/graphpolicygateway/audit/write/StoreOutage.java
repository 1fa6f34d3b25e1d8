package com.graphpolicygateway.audit.write;

import java.time.Duration;

import org.apache.commons.logging.Log;

/**
 * What the audit writer says while the database is unreachable: the first failed commit
 * as an error, then, while the writer keeps retrying, one error per {@code interval} with
 * the count of failed commits, and a line when a commit succeeds again. A writer retries
 * every few milliseconds; an outage of a minute must not write thousands of identical
 * lines. Used by the writer's one thread only.
 */
final class StoreOutage {

	private final Log logger;

	private final long intervalNanos;

	private long failedCommits;

	private long startedAt;

	private long toldAt;

	StoreOutage(Log logger, Duration interval) {
		this.logger = logger;
		this.intervalNanos = interval.toNanos();
	}

	/** A commit failed for {@code reason} (no event value in it: it may be logged). */
	void failed(String reason) {
		long now = System.nanoTime();
		this.failedCommits++;
		if (this.failedCommits == 1) {
			this.startedAt = now;
			this.toldAt = now;
			this.logger.error(reason + "; retrying until the database is back");
		}
		else if (now - this.toldAt >= this.intervalNanos) {
			this.toldAt = now;
			this.logger.error("The audit database is still unreachable: " + this.failedCommits + " commits failed in "
					+ seconds(now - this.startedAt) + " s; last: " + reason);
		}
		else if (this.logger.isDebugEnabled()) {
			this.logger.debug(reason);
		}
	}

	/** A commit succeeded: an outage, if there was one, is over. */
	void ended() {
		if (this.failedCommits == 0) {
			return;
		}
		this.logger.warn("The audit database is back after " + this.failedCommits + " failed commits in "
				+ seconds(System.nanoTime() - this.startedAt) + " s; the events held meanwhile are written");
		this.failedCommits = 0;
	}

	private static long seconds(long nanos) {
		return Duration.ofNanos(nanos).toSeconds();
	}

}
