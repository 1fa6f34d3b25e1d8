package com.graphpolicygateway.ratelimit;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.util.Assert;

/**
 * Says where rate limits are kept and whether Redis currently answers. A Redis outage
 * does not take the gateway down (it falls back as configured) but is shown here.
 */
final class RateLimitHealthIndicator extends AbstractHealthIndicator {

	private final RateLimiter limiter;

	RateLimitHealthIndicator(RateLimiter limiter) {
		Assert.notNull(limiter, "limiter cannot be null");
		this.limiter = limiter;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		builder.up().withDetail("store", this.limiter.usesRedis() ? "redis" : "local");
		if (this.limiter.usesRedis()) {
			builder.withDetail("redis", this.limiter.isRedisDown() ? "unreachable" : "reachable");
			if (this.limiter.isRedisDown()) {
				builder.withDetail("fallback", this.limiter.whenRedisUnavailable().name().toLowerCase());
			}
		}
	}

}
