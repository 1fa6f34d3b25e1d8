package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import com.graphpolicygateway.policy.Bucket;

/**
 * Whether a call may pass its tenant's and its caller's buckets.
 *
 * @param allowed whether the call may pass
 * @param limitedBy {@code tenant} or {@code caller} when refused
 * @param retryAfter when a token will be available again
 */
public record RateLimitResult(boolean allowed, String limitedBy, Duration retryAfter) {

	static final RateLimitResult ALLOWED = new RateLimitResult(true, "", Duration.ZERO);

	static RateLimitResult refused(String limitedBy, Bucket bucket, double tokensLeft) {
		double missing = Math.max(0, 1 - tokensLeft);
		long millis = (long) Math.ceil(missing / bucket.refillPerSecond() * 1000);
		return new RateLimitResult(false, limitedBy, Duration.ofMillis(Math.max(millis, 1)));
	}

}
