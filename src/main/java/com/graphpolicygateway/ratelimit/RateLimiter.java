package com.graphpolicygateway.ratelimit;

import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;

import com.graphpolicygateway.system.GraphGatewayProperties.RateLimit.RedisUnavailable;
import com.graphpolicygateway.policy.Bucket;

/**
 * Decides whether a call fits its tenant's and its caller's buckets: in memory, or in
 * Redis when configured. While Redis is unreachable it falls back to this replica's own
 * buckets (or refuses or allows, as configured), says so in health and metrics, and
 * returns to Redis once it answers.
 */
public final class RateLimiter {

	private static final Log logger = LogFactory.getLog(RateLimiter.class);

	private final LocalTokenBuckets local;

	private final @Nullable RedisTokenBuckets redis;

	private final RedisUnavailable whenRedisUnavailable;

	private final AtomicBoolean redisDown = new AtomicBoolean();

	private final Counter fallbacks;

	RateLimiter(LocalTokenBuckets local, @Nullable RedisTokenBuckets redis, RedisUnavailable whenRedisUnavailable,
			MeterRegistry meters) {
		Assert.notNull(local, "local cannot be null");
		this.local = local;
		this.redis = redis;
		this.whenRedisUnavailable = whenRedisUnavailable;
		this.fallbacks = Counter.builder("graph_gateway.ratelimit.redis.fallbacks")
			.description("Rate-limit decisions taken without Redis because it was unreachable")
			.register(meters);
		meters.gauge("graph_gateway.ratelimit.redis.down", this.redisDown, (down) -> down.get() ? 1 : 0);
	}

	Mono<RateLimitResult> take(String tenantKey, Bucket tenant, String callerKey, Bucket caller) {
		RedisTokenBuckets shared = this.redis;
		if (shared == null) {
			return Mono.just(this.local.take(tenantKey, tenant, callerKey, caller));
		}
		return shared.take(tenantKey, tenant, callerKey, caller).doOnNext((result) -> {
			if (this.redisDown.compareAndSet(true, false)) {
				logger.warn("Redis answers again: rate limits are shared across replicas again");
			}
		}).onErrorResume((ex) -> {
			if (this.redisDown.compareAndSet(false, true)) {
				logger.error("Redis unreachable, rate limits fall back to " + this.whenRedisUnavailable + ": "
						+ ex.getMessage());
			}
			this.fallbacks.increment();
			return Mono.just(switch (this.whenRedisUnavailable) {
				case LOCAL -> this.local.take(tenantKey, tenant, callerKey, caller);
				case DENY -> RateLimitResult.refused("tenant", tenant, 0);
				case ALLOW -> RateLimitResult.ALLOWED;
			});
		});
	}

	/**
	 * Whether limits are shared through Redis (false when in memory by configuration).
	 */
	boolean usesRedis() {
		return this.redis != null;
	}

	/** Whether Redis is configured but unreachable at the last decision. */
	boolean isRedisDown() {
		return this.redisDown.get();
	}

	RedisUnavailable whenRedisUnavailable() {
		return this.whenRedisUnavailable;
	}

}
