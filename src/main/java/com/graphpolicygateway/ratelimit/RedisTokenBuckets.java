package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.util.Assert;
import com.graphpolicygateway.policy.Bucket;

/**
 * Token buckets in Redis, shared by every replica: both buckets of a call are checked and
 * taken from in one Lua script, atomically, on Redis's own clock.
 */
final class RedisTokenBuckets {

	@SuppressWarnings({ "rawtypes", "unchecked" })
	private static final RedisScript<List<Long>> SCRIPT = (RedisScript) RedisScript
		.of(new ClassPathResource("ratelimit/token_buckets.lua"), List.class);

	private final ReactiveStringRedisTemplate redis;

	private final String prefix;

	private final Duration timeout;

	RedisTokenBuckets(ReactiveStringRedisTemplate redis, String prefix, Duration timeout) {
		Assert.notNull(redis, "redis cannot be null");
		this.redis = redis;
		this.prefix = prefix;
		this.timeout = timeout;
	}

	Mono<RateLimitResult> take(String tenantKey, Bucket tenant, String callerKey, Bucket caller) {
		List<String> keys = List.of(key(tenantKey, "tokens"), key(tenantKey, "ts"), key(callerKey, "tokens"),
				key(callerKey, "ts"));
		List<String> args = List.of(Long.toString(tenant.capacity()), Double.toString(tenant.refillPerSecond()),
				Long.toString(caller.capacity()), Double.toString(caller.refillPerSecond()));
		return this.redis.execute(SCRIPT, keys, args).next().timeout(this.timeout).map((result) -> {
			long refused = result.get(3);
			if (refused == 0) {
				return RateLimitResult.ALLOWED;
			}
			return (refused == 1) ? RateLimitResult.refused("tenant", tenant, result.get(1) / 1000.0)
					: RateLimitResult.refused("caller", caller, result.get(2) / 1000.0);
		});
	}

	private String key(String bucket, String part) {
		// {braces} keep both keys of a bucket in one Redis Cluster slot
		return this.prefix + "{" + bucket + "}." + part;
	}

}
