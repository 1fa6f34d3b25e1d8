package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.util.Assert;

/**
 * Sliding windows of operation calls in Redis, shared by every replica: one sorted set
 * per tenant and operation, trimmed, counted and added to in one Lua script, atomically,
 * on Redis's own clock.
 */
final class RedisOperationWindows {

	@SuppressWarnings({ "rawtypes", "unchecked" })
	private static final RedisScript<List<Long>> SCRIPT = (RedisScript) RedisScript
		.of(new ClassPathResource("ratelimit/operation_window.lua"), List.class);

	private final ReactiveStringRedisTemplate redis;

	private final String prefix;

	private final Duration timeout;

	RedisOperationWindows(ReactiveStringRedisTemplate redis, String prefix, Duration timeout) {
		Assert.notNull(redis, "redis cannot be null");
		this.redis = redis;
		this.prefix = prefix;
		this.timeout = timeout;
	}

	/**
	 * Counts the call in the window of {@code key} when fewer than {@code max} calls are
	 * in its last {@code per}; a refused call is not counted.
	 */
	Mono<OperationWindowResult> take(String key, int max, Duration per) {
		List<String> keys = List.of(key(key));
		// Each call its own member: two calls in the same microsecond are two calls.
		List<String> args = List.of(Integer.toString(max), Long.toString(Math.max(1, per.toMillis())),
				UUID.randomUUID().toString());
		return this.redis.execute(SCRIPT, keys, args).next().timeout(this.timeout).map((result) -> {
			if (result.get(0) == 1) {
				return OperationWindowResult.ALLOWED;
			}
			return OperationWindowResult.full(Duration.ofNanos(result.get(2) * 1000));
		});
	}

	/** The Redis key of a window. */
	String key(String window) {
		// {braces}: the key's Redis Cluster slot, as the token buckets' keys
		return this.prefix + "{" + window + "}.calls";
	}

}
