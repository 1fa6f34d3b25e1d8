package com.graphpolicygateway.identity;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

import com.graphpolicygateway.system.Ids;

import com.graphpolicygateway.test.TestClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ValidatedTokenCacheTests {

	static final Instant NOW = Instant.parse("2026-11-27T09:00:00Z");

	static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

	static final Duration KEY_REFRESH = Duration.ofMinutes(5);

	final TestClock clock = new TestClock(NOW);

	final AtomicInteger verifications = new AtomicInteger();

	final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	/** What the issuer's decoder says of the next token it verifies. */
	boolean tokenIsValid = true;

	Instant expiresAt = NOW.plus(Duration.ofHours(1));

	@Test
	void authenticateWhenTokenIsUsedAgainThenItIsVerifiedOnceAndTheSameCallerIsReturned() {
		ValidatedTokenCache cache = cache(100);

		Authentication first = authenticate(cache, "token-a");
		Authentication second = authenticate(cache, "token-a");

		assertThat(second).isSameAs(first);
		assertThat(this.verifications).hasValue(1);
	}

	@Test
	void authenticateWhenTokensDifferThenEachIsVerified() {
		ValidatedTokenCache cache = cache(100);

		authenticate(cache, "token-a");
		authenticate(cache, "token-b");

		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void authenticateWhenTokenHasExpiredSinceItWasRememberedThenItIsVerifiedAgainAndRefused() {
		this.expiresAt = NOW.plus(Duration.ofMinutes(2));
		ValidatedTokenCache cache = cache(100);
		authenticate(cache, "token-a");
		this.tokenIsValid = false;

		this.clock.advance(Duration.ofMinutes(2).plus(CLOCK_SKEW));

		assertThatExceptionOfType(InvalidBearerTokenException.class).isThrownBy(() -> authenticate(cache, "token-a"));
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void authenticateWhenTokenIsWithinItsClockSkewThenItIsStillRemembered() {
		this.expiresAt = NOW.plus(Duration.ofMinutes(2));
		ValidatedTokenCache cache = cache(100);
		authenticate(cache, "token-a");

		this.clock.advance(Duration.ofMinutes(2).plus(CLOCK_SKEW).minusSeconds(1));
		authenticate(cache, "token-a");

		assertThat(this.verifications).hasValue(1);
	}

	@Test
	void authenticateWhenKeyRefreshIntervalHasPassedThenTheTokenIsVerifiedAgain() {
		ValidatedTokenCache cache = cache(100);
		authenticate(cache, "token-a");
		this.tokenIsValid = false;

		this.clock.advance(KEY_REFRESH);

		assertThatExceptionOfType(InvalidBearerTokenException.class).isThrownBy(() -> authenticate(cache, "token-a"));
	}

	@Test
	void authenticateWhenTokenIsRefusedThenTheRefusalIsNotRemembered() {
		ValidatedTokenCache cache = cache(100);
		this.tokenIsValid = false;
		assertThatExceptionOfType(InvalidBearerTokenException.class).isThrownBy(() -> authenticate(cache, "token-a"));

		this.tokenIsValid = true;
		authenticate(cache, "token-a");

		assertThat(this.verifications).hasValue(2);
		assertThat(cache.size()).isOne();
	}

	@Test
	void authenticateWhenCacheIsFullThenItStaysWithinItsBoundAndIsNeverClearedWhole() {
		ValidatedTokenCache cache = cache(100);
		for (int i = 0; i <= 100; i++) {
			authenticate(cache, "token-" + i);
		}

		assertThat(cache.size()).isEqualTo(100);
		assertThat(this.verifications).hasValue(101);
	}

	@Test
	void authenticateWhenRememberedTokensExpireThenTheyAreDropped() {
		ValidatedTokenCache cache = cache(2);
		authenticate(cache, "token-a");
		authenticate(cache, "token-b");
		this.clock.advance(KEY_REFRESH);

		authenticate(cache, "token-c");
		authenticate(cache, "token-c");

		assertThat(this.verifications).hasValue(3);
		assertThat(cache.size()).isOne();
	}

	@Test
	void authenticateWhenTokenIsVerifiedThenTheAuthenticationCarriesTheFingerprintItWasRememberedBy() {
		ValidatedTokenCache cache = cache(100);

		Authentication authentication = authenticate(cache, "token-a");

		assertThat(TokenFingerprints.of((JwtAuthenticationToken) authentication)).isEqualTo(Ids.sha256Hex("token-a"));
	}

	@Test
	void authenticateWhenTokensAreRememberedThenTheCacheReportsItsMetrics() {
		ValidatedTokenCache cache = cache(100);

		authenticate(cache, "token-a");
		authenticate(cache, "token-a");

		assertThat(this.meters.get("cache.gets")
			.tag("cache", "validated-tokens")
			.tag("result", "hit")
			.functionCounter()
			.count()).isEqualTo(1);
		assertThat(this.meters.get("cache.size").tag("cache", "validated-tokens").gauge().value()).isEqualTo(1);
	}

	@Test
	void authenticateWhenNotABearerTokenThenItIsPassedOnAndNotRemembered() {
		ValidatedTokenCache cache = cache(100);
		TestingAuthenticationToken other = new TestingAuthenticationToken("user", "password");

		resolveAndAuthenticate(cache, other);
		resolveAndAuthenticate(cache, other);

		assertThat(this.verifications).hasValue(2);
		assertThat(cache.size()).isZero();
	}

	private ValidatedTokenCache cache(int maxEntries) {
		return new ValidatedTokenCache((exchange) -> Mono.just(this::verify), maxEntries, KEY_REFRESH, CLOCK_SKEW,
				this.clock, this.meters);
	}

	private Mono<Authentication> verify(Authentication authentication) {
		this.verifications.incrementAndGet();
		if (!this.tokenIsValid) {
			return Mono.error(new InvalidBearerTokenException("An error occurred while attempting to decode the Jwt"));
		}
		if (!(authentication instanceof BearerTokenAuthenticationToken)) {
			return Mono.just(authentication);
		}
		return Mono.just(new CallerAuthenticationToken(
				TestJwts.authentication(TestJwts.jwt().issuedAt(NOW).expiresAt(this.expiresAt).build())));
	}

	private Authentication authenticate(ValidatedTokenCache cache, String token) {
		return resolveAndAuthenticate(cache, new BearerTokenAuthenticationToken(token));
	}

	private Authentication resolveAndAuthenticate(ValidatedTokenCache cache, Authentication authentication) {
		return cache.resolve(null).flatMap((manager) -> manager.authenticate(authentication)).block();
	}

}
