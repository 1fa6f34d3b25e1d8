package com.graphpolicygateway.policy;

/**
 * A token bucket's size and refill rate, as the tenant policy sets them (the rate limiter
 * keeps the buckets).
 *
 * @param capacity the most calls that may be made at once (burst)
 * @param refillPerSecond the calls per second sustained
 */
public record Bucket(long capacity, double refillPerSecond) {

	public Bucket {
		if (capacity < 1 || refillPerSecond <= 0) {
			throw new IllegalArgumentException("a rate limit needs capacity >= 1 and refill-per-second > 0, but was "
					+ capacity + "/" + refillPerSecond);
		}
	}

}
