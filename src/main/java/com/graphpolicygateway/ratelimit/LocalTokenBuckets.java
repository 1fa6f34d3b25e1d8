package com.graphpolicygateway.ratelimit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import com.graphpolicygateway.policy.Bucket;

/**
 * Token buckets in this process's memory: exact for one replica, per replica when several
 * run (and the fallback while Redis is unreachable).
 */
final class LocalTokenBuckets {

	private static final int MAX_BUCKETS = 100_000;

	private final Map<String, State> buckets = new ConcurrentHashMap<>();

	private final LongSupplier nanoTime;

	LocalTokenBuckets(LongSupplier nanoTime) {
		this.nanoTime = nanoTime;
	}

	/** Takes one token from both buckets, or from neither. */
	RateLimitResult take(String tenantKey, Bucket tenant, String callerKey, Bucket caller) {
		if (this.buckets.size() > MAX_BUCKETS) {
			this.buckets.clear();
		}
		State tenantState = this.buckets.computeIfAbsent(tenantKey, (key) -> new State(tenant.capacity()));
		State callerState = this.buckets.computeIfAbsent(callerKey, (key) -> new State(caller.capacity()));
		// Lock in a fixed order (tenant before caller) so that two calls never deadlock.
		synchronized (tenantState) {
			synchronized (callerState) {
				// Read the clock under the locks: an earlier reading applied later would
				// credit time twice.
				long now = this.nanoTime.getAsLong();
				double tenantTokens = tenantState.fill(tenant, now);
				double callerTokens = callerState.fill(caller, now);
				if (tenantTokens < 1) {
					return RateLimitResult.refused("tenant", tenant, tenantTokens);
				}
				if (callerTokens < 1) {
					return RateLimitResult.refused("caller", caller, callerTokens);
				}
				tenantState.tokens = tenantTokens - 1;
				callerState.tokens = callerTokens - 1;
				return RateLimitResult.ALLOWED;
			}
		}
	}

	private static final class State {

		private double tokens;

		private long refreshedAt;

		private boolean started;

		State(long capacity) {
			this.tokens = capacity;
		}

		double fill(Bucket bucket, long now) {
			if (!this.started) {
				this.started = true;
				this.refreshedAt = now;
			}
			double elapsed = Math.max(0, now - this.refreshedAt) / 1e9;
			this.tokens = Math.min(bucket.capacity(), this.tokens + elapsed * bucket.refillPerSecond());
			this.refreshedAt = now;
			return this.tokens;
		}

	}

}
