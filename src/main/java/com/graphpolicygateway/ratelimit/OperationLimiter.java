package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;

import com.graphpolicygateway.system.GraphGatewayProperties.RateLimit.RedisUnavailable;

/**
 * Decides whether one more call of an operation fits its tenant's sliding window: in
 * memory, or in Redis when the rate-limit store is Redis. Unlike the token buckets it
 * never fails open: while Redis is unreachable it counts in this replica's own windows
 * when the fallback is {@code local}, and otherwise answers that it cannot decide (the
 * call is then refused). It says so in the log, once per outage, and in metrics.
 */
final class OperationLimiter {

	private static final Log logger = LogFactory.getLog(OperationLimiter.class);

	private final LocalOperationWindows local;

	private final @Nullable RedisOperationWindows redis;

	private final boolean fallBackToLocal;

	private final AtomicBoolean redisDown = new AtomicBoolean();

	private final Counter fallbacks;

	OperationLimiter(LocalOperationWindows local, @Nullable RedisOperationWindows redis,
			RedisUnavailable whenRedisUnavailable, MeterRegistry meters) {
		Assert.notNull(local, "local cannot be null");
		Assert.notNull(whenRedisUnavailable, "whenRedisUnavailable cannot be null");
		this.local = local;
		this.redis = redis;
		this.fallBackToLocal = whenRedisUnavailable == RedisUnavailable.LOCAL;
		this.fallbacks = Counter.builder("graph_gateway.ratelimit.operation.redis.fallbacks")
			.description("Operation-limit decisions taken without Redis because it was unreachable")
			.tag("fallback", this.fallBackToLocal ? "local" : "refuse")
			.register(meters);
	}

	/**
	 * Counts the call in the window of {@code key} when fewer than {@code max} calls are
	 * in its last {@code per}; a refused call is not counted.
	 */
	Mono<OperationWindowResult> take(String key, int max, Duration per) {
		RedisOperationWindows shared = this.redis;
		if (shared == null) {
			return Mono.fromSupplier(() -> this.local.take(key, max, per));
		}
		return shared.take(key, max, per).doOnNext((result) -> {
			if (this.redisDown.compareAndSet(true, false)) {
				logger.warn("Redis answers again: operation limits are counted across replicas again");
			}
		}).onErrorResume((ex) -> {
			if (this.redisDown.compareAndSet(false, true)) {
				logger.error("Redis unreachable, operation limits "
						+ (this.fallBackToLocal ? "are counted by each replica alone" : "refuse every limited call")
						+ ": " + ex.getMessage());
			}
			this.fallbacks.increment();
			return Mono.fromSupplier(
					() -> this.fallBackToLocal ? this.local.take(key, max, per) : OperationWindowResult.UNAVAILABLE);
		});
	}

	/** Whether Redis is configured but was unreachable at the last decision. */
	boolean isRedisDown() {
		return this.redisDown.get();
	}

}
