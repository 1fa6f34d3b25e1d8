package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import com.graphpolicygateway.policy.Bucket;

/**
 * Token buckets in this process's memory: exact for one replica, per replica when several
 * run (and the fallback while Redis is unreachable).
 * <p>
 * Bounded, and never cleared whole: a bucket is dropped once it has been left alone for
 * as long as it takes to refill whole (it would be full again, as a new one starts), and
 * when more buckets than the bound are live the least used ones are evicted one by one,
 * so that a tenant's emptied bucket does not refill because other tenants are busy.
 */
final class LocalTokenBuckets {

	static final int MAX_BUCKETS = 100_000;

	/** The least a bucket is kept after its last use, however fast it refills. */
	static final Duration KEEP_AT_LEAST = Duration.ofMinutes(10);

	private final Cache<String, State> buckets;

	private final LongSupplier nanoTime;

	LocalTokenBuckets(LongSupplier nanoTime) {
		this(nanoTime, MAX_BUCKETS);
	}

	LocalTokenBuckets(LongSupplier nanoTime, long maxBuckets) {
		this.nanoTime = nanoTime;
		this.buckets = Caffeine.newBuilder().maximumSize(maxBuckets).expireAfter(new UntilFullAgain()).build();
	}

	/** Takes one token from both buckets, or from neither. */
	RateLimitResult take(String tenantKey, Bucket tenant, String callerKey, Bucket caller) {
		State tenantState = this.buckets.get(tenantKey, (key) -> new State(tenant));
		State callerState = this.buckets.get(callerKey, (key) -> new State(caller));
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

	/** The number of buckets held, once expired and evicted ones are gone. */
	long size() {
		this.buckets.cleanUp();
		return this.buckets.estimatedSize();
	}

	private static final class State {

		private double tokens;

		private long refreshedAt;

		private boolean started;

		/** How long the bucket is kept after a use: see {@link UntilFullAgain}. */
		private volatile long keepNanos;

		State(Bucket bucket) {
			this.tokens = bucket.capacity();
			this.keepNanos = keepNanos(bucket);
		}

		double fill(Bucket bucket, long now) {
			if (!this.started) {
				this.started = true;
				this.refreshedAt = now;
			}
			double elapsed = Math.max(0, now - this.refreshedAt) / 1e9;
			this.tokens = Math.min(bucket.capacity(), this.tokens + elapsed * bucket.refillPerSecond());
			this.refreshedAt = now;
			this.keepNanos = keepNanos(bucket);
			return this.tokens;
		}

		/** The time an empty bucket takes to refill whole, and at least the floor. */
		private static long keepNanos(Bucket bucket) {
			double refillSeconds = bucket.capacity() / bucket.refillPerSecond();
			long refillNanos = (refillSeconds >= Long.MAX_VALUE / 1e9) ? Long.MAX_VALUE
					: (long) Math.ceil(refillSeconds * 1e9);
			return Math.max(refillNanos, KEEP_AT_LEAST.toNanos());
		}

	}

	/**
	 * A bucket is kept until it would have refilled whole since its last use: dropping it
	 * then loses nothing, since a new bucket starts full.
	 */
	private static final class UntilFullAgain implements Expiry<String, State> {

		@Override
		public long expireAfterCreate(String key, State state, long currentTime) {
			return state.keepNanos;
		}

		@Override
		public long expireAfterUpdate(String key, State state, long currentTime, long currentDuration) {
			return state.keepNanos;
		}

		@Override
		public long expireAfterRead(String key, State state, long currentTime, long currentDuration) {
			return state.keepNanos;
		}

	}

}
