package com.graphpolicygateway.upstream;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;

/**
 * Keeps Graph tokens until shortly before they expire. Concurrent requests for a missing
 * or expired token share one exchange; failures are not cached. Bounded (Caffeine): past
 * its size the least used tokens are dropped one by one, never all at once.
 */
final class UpstreamTokenCache {

	/** Tokens are renewed this long before the identity provider's expiry. */
	static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(2);

	private static final int MAX_ENTRIES = 10_000;

	private final AsyncCache<String, UpstreamToken> tokens;

	private final Clock clock;

	private final Counter requests;

	private final Counter exchanges;

	UpstreamTokenCache(Clock clock, MeterRegistry meters) {
		Assert.notNull(clock, "clock cannot be null");
		this.clock = clock;
		this.tokens = CaffeineCacheMetrics.monitor(meters,
				Caffeine.newBuilder()
					.maximumSize(MAX_ENTRIES)
					.expireAfter(Expiry.creating((String key, UpstreamToken token) -> timeToKeep(token)))
					.recordStats()
					.buildAsync(),
				"upstream-tokens");
		this.requests = Counter.builder("graph_gateway.upstream.token.requests")
			.description("Graph tokens asked of the cache")
			.register(meters);
		this.exchanges = Counter.builder("graph_gateway.upstream.token.exchanges")
			.description("Graph tokens fetched from the identity provider (cache misses)")
			.register(meters);
	}

	/**
	 * The cached token for {@code key}, fetched with {@code exchange} when missing or
	 * expiring. A caller that goes away does not cancel the exchange the others wait for.
	 */
	Mono<UpstreamToken> get(String key, Supplier<Mono<UpstreamToken>> exchange) {
		this.requests.increment();
		return Mono.fromFuture(() -> this.tokens.get(key, (ignored, executor) -> {
			this.exchanges.increment();
			return exchange.get().toFuture();
		}), true);
	}

	private Duration timeToKeep(UpstreamToken token) {
		Duration left = Duration.between(this.clock.instant(), token.expiresAt()).minus(RENEW_BEFORE_EXPIRY);
		return left.isNegative() ? Duration.ZERO : left;
	}

}
