package com.graphpolicygateway.upstream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The Graph token cache: one exchange for concurrent callers, kept until shortly before
 * the token expires, failures never kept.
 */
class UpstreamTokenCacheTests {

	static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

	final UpstreamTokenCache cache = new UpstreamTokenCache(Clock.fixed(NOW, ZoneOffset.UTC),
			new SimpleMeterRegistry());

	final AtomicInteger exchanges = new AtomicInteger();

	@Test
	void getWhenCalledConcurrentlyThenOneExchangeServesEveryCaller() {
		Sinks.One<UpstreamToken> answer = Sinks.one();

		Mono<UpstreamToken> first = this.cache.get("tenant:user", () -> count(answer.asMono()));
		Mono<UpstreamToken> second = this.cache.get("tenant:user", () -> count(answer.asMono()));
		UpstreamToken token = new UpstreamToken("t1", NOW.plus(Duration.ofHours(1)));
		Mono<UpstreamToken> both = Mono.zip(first, second, (a, b) -> {
			assertThat(a).isSameAs(b);
			return a;
		});
		answer.tryEmitValue(token);

		assertThat(both.block(Duration.ofSeconds(5))).isEqualTo(token);
		assertThat(this.exchanges).hasValue(1);
	}

	@Test
	void getWhenTokenHeldThenNoNewExchange() {
		UpstreamToken token = new UpstreamToken("t1", NOW.plus(Duration.ofHours(1)));

		this.cache.get("tenant:user", () -> count(Mono.just(token))).block(Duration.ofSeconds(5));
		UpstreamToken again = this.cache.get("tenant:user", () -> count(Mono.just(token))).block(Duration.ofSeconds(5));

		assertThat(again).isEqualTo(token);
		assertThat(this.exchanges).hasValue(1);
	}

	@Test
	void getWhenTokenExpiresWithinTheRenewalMarginThenFetchedAgain() {
		UpstreamToken expiring = new UpstreamToken("t1",
				NOW.plus(UpstreamTokenCache.RENEW_BEFORE_EXPIRY).minusSeconds(1));
		UpstreamToken fresh = new UpstreamToken("t2", NOW.plus(Duration.ofHours(1)));

		this.cache.get("tenant:user", () -> count(Mono.just(expiring))).block(Duration.ofSeconds(5));
		UpstreamToken next = this.cache.get("tenant:user", () -> count(Mono.just(fresh))).block(Duration.ofSeconds(5));

		assertThat(next).isEqualTo(fresh);
		assertThat(this.exchanges).hasValue(2);
	}

	@Test
	void getWhenExchangeFailsThenTheFailureIsNotKept() {
		UpstreamToken token = new UpstreamToken("t1", NOW.plus(Duration.ofHours(1)));

		assertThatException().isThrownBy(
				() -> this.cache.get("tenant:user", () -> count(Mono.error(new IllegalStateException("refused"))))
					.block(Duration.ofSeconds(5)));
		UpstreamToken next = this.cache.get("tenant:user", () -> count(Mono.just(token))).block(Duration.ofSeconds(5));

		assertThat(next).isEqualTo(token);
		assertThat(this.exchanges).hasValue(2);
	}

	@Test
	void getWhenKeysDifferThenEachHasItsOwnToken() {
		UpstreamToken alice = new UpstreamToken("a", NOW.plus(Duration.ofHours(1)));
		UpstreamToken bob = new UpstreamToken("b", NOW.plus(Duration.ofHours(1)));

		this.cache.get("tenant:alice", () -> count(Mono.just(alice))).block(Duration.ofSeconds(5));

		assertThat(this.cache.get("tenant:bob", () -> count(Mono.just(bob))).block(Duration.ofSeconds(5)))
			.isEqualTo(bob);
		assertThat(this.cache.get("tenant:alice", () -> count(Mono.just(bob))).block(Duration.ofSeconds(5)))
			.isEqualTo(alice);
	}

	private <T> Mono<T> count(Mono<T> exchange) {
		this.exchanges.incrementAndGet();
		return exchange;
	}

}
