package com.graphpolicygateway.identity;

import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests for {@link RefreshLimitedJwkSource}, against a stub identity provider of their
 * own.
 */
class RefreshLimitedJwkSourceTests {

	private static final Duration REFRESH_INTERVAL = Duration.ofMinutes(5);

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private StubIdentityProvider identityProvider;

	private MutableClock clock;

	private RefreshLimitedJwkSource keys;

	@BeforeEach
	void startIdentityProvider() {
		this.identityProvider = StubIdentityProvider.start();
		this.clock = new MutableClock(Instant.parse("2025-06-01T10:00:00Z"));
		this.keys = new RefreshLimitedJwkSource(WebClient.create(), URI.create(this.identityProvider.jwkSetUri()),
				REFRESH_INTERVAL, this.clock);
	}

	@AfterEach
	void stopIdentityProvider() {
		this.identityProvider.close();
	}

	@Test
	void applyWhenKidKnownThenServedFromCacheWithoutRefetch() {
		SignedJWT token = signedBy(this.identityProvider.signingKey());

		assertThat(keyIds(token)).containsExactly(this.identityProvider.signingKey().getKeyID());
		later(REFRESH_INTERVAL.multipliedBy(10));
		assertThat(keyIds(token)).containsExactly(this.identityProvider.signingKey().getKeyID());
		assertThat(keyIds(token)).containsExactly(this.identityProvider.signingKey().getKeyID());

		assertThat(this.identityProvider.keyFetches()).isEqualTo(1);
	}

	@Test
	void applyWhenKidUnknownThenAtMostOneRefetchPerRefreshInterval() {
		keyIds(signedBy(this.identityProvider.signingKey()));
		SignedJWT forged = signedBy(StubIdentityProvider.newKey());

		assertThat(keyIds(forged)).isEmpty();
		assertThat(keyIds(forged)).isEmpty();
		assertThat(this.identityProvider.keyFetches()).isEqualTo(1);

		later(REFRESH_INTERVAL.plusSeconds(1));
		assertThat(keyIds(forged)).isEmpty();
		assertThat(keyIds(forged)).isEmpty();
		assertThat(keyIds(signedBy(StubIdentityProvider.newKey()))).isEmpty();
		assertThat(this.identityProvider.keyFetches()).isEqualTo(2);

		later(REFRESH_INTERVAL.minusSeconds(1));
		assertThat(keyIds(forged)).isEmpty();
		assertThat(this.identityProvider.keyFetches()).isEqualTo(2);

		later(Duration.ofSeconds(2));
		assertThat(keyIds(forged)).isEmpty();
		assertThat(this.identityProvider.keyFetches()).isEqualTo(3);
	}

	@Test
	void applyWhenNewKeyPublishedThenFoundOnceRefreshIntervalHasPassed() {
		keyIds(signedBy(this.identityProvider.signingKey()));
		RSAKey rotated = StubIdentityProvider.newKey();
		this.identityProvider.publish(rotated);
		SignedJWT token = signedBy(rotated);

		assertThat(keyIds(token)).isEmpty();

		later(REFRESH_INTERVAL.plusSeconds(1));
		assertThat(keyIds(token)).containsExactly(rotated.getKeyID());
		assertThat(keyIds(signedBy(this.identityProvider.signingKey())))
			.containsExactly(this.identityProvider.signingKey().getKeyID());
		assertThat(this.identityProvider.keyFetches()).isEqualTo(2);
	}

	@Test
	void applyWhenKeysEndpointDownThenKnownKeysKeepWorking() {
		SignedJWT token = signedBy(this.identityProvider.signingKey());
		keyIds(token);
		this.identityProvider.keysDown(true);

		later(REFRESH_INTERVAL.plusSeconds(1));
		assertThat(keyIds(signedBy(StubIdentityProvider.newKey()))).isEmpty();
		assertThat(keyIds(token)).containsExactly(this.identityProvider.signingKey().getKeyID());

		// Keys older than a day are re-fetched; a failing re-fetch keeps them.
		later(Duration.ofHours(25));
		assertThat(keyIds(token)).containsExactly(this.identityProvider.signingKey().getKeyID());
		assertThat(keyIds(token)).containsExactly(this.identityProvider.signingKey().getKeyID());
		assertThat(this.identityProvider.keyFetches()).isEqualTo(3);
	}

	@Test
	void applyWhenKeysEndpointNeverAnswersThenFetchGivesUpAndKnownKeysKeepWorking() {
		this.keys = new RefreshLimitedJwkSource(WebClient.create(), URI.create(this.identityProvider.jwkSetUri()),
				REFRESH_INTERVAL, this.clock, Duration.ofMillis(500));
		SignedJWT token = signedBy(this.identityProvider.signingKey());
		keyIds(token);
		this.identityProvider.keysSilent(true);
		try {
			later(REFRESH_INTERVAL.plusSeconds(1));
			assertThat(keyIds(signedBy(StubIdentityProvider.newKey()))).isEmpty();
			assertThat(keyIds(token)).containsExactly(this.identityProvider.signingKey().getKeyID());
		}
		finally {
			this.identityProvider.keysSilent(false);
		}
	}

	@Test
	void applyWhenKeysEndpointNeverAnswersAndNothingKnownThenErrorNotHang() {
		this.keys = new RefreshLimitedJwkSource(WebClient.create(), URI.create(this.identityProvider.jwkSetUri()),
				REFRESH_INTERVAL, this.clock, Duration.ofMillis(500));
		this.identityProvider.keysSilent(true);
		try {
			assertThatException().isThrownBy(() -> keyIds(signedBy(this.identityProvider.signingKey())))
				.satisfies((ex) -> assertThat(ex).hasMessageNotContaining("Timeout on blocking read"));
		}
		finally {
			this.identityProvider.keysSilent(false);
		}
	}

	@Test
	void applyWhenKeysEndpointDownAndNothingKnownThenError() {
		this.identityProvider.keysDown(true);

		assertThatException().isThrownBy(() -> keyIds(signedBy(this.identityProvider.signingKey())));
	}

	@Test
	void applyWhenKeysEndpointDownAndNothingKnownThenFailedFetchNotRepeatedForEachToken() {
		this.identityProvider.keysDown(true);
		SignedJWT token = signedBy(this.identityProvider.signingKey());

		for (int i = 0; i < 5; i++) {
			assertThatException().isThrownBy(() -> keyIds(token));
			later(Duration.ofSeconds(1));
		}

		// Tokens naming any kid must not make the gateway call the identity provider each
		// time.
		assertThat(this.identityProvider.keyFetches()).isEqualTo(1);
	}

	@Test
	void applyWhenMissesShareAnInFlightFetchThenOneFetch() {
		SignedJWT token = signedBy(this.identityProvider.signingKey());
		List<Flux<JWK>> misses = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			misses.add(this.keys.apply(token));
		}

		List<JWK> found = Flux.merge(misses).collectList().block(TIMEOUT);

		assertThat(found).hasSize(8);
		assertThat(this.identityProvider.keyFetches()).isEqualTo(1);
	}

	@Test
	void applyWhenConcurrentMissesOnManyThreadsThenOneFetch() throws Exception {
		SignedJWT token = signedBy(this.identityProvider.signingKey());
		int callers = 8;
		ExecutorService executor = Executors.newFixedThreadPool(callers);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<List<String>>> results = new ArrayList<>();
			for (int i = 0; i < callers; i++) {
				results.add(executor.submit(() -> {
					start.await();
					return keyIds(token);
				}));
			}
			start.countDown();
			for (Future<List<String>> result : results) {
				assertThat(result.get(10, TimeUnit.SECONDS))
					.containsExactly(this.identityProvider.signingKey().getKeyID());
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(this.identityProvider.keyFetches()).isEqualTo(1);
	}

	/**
	 * Lets time pass. The source forgets a finished fetch just after its callers have
	 * heard of it, so the test waits a moment of real time too before the clock jumps
	 * ahead.
	 */
	private void later(Duration duration) {
		try {
			Thread.sleep(100);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.clock.advance(duration);
	}

	private List<String> keyIds(SignedJWT token) {
		return this.keys.apply(token).map(JWK::getKeyID).collectList().block(TIMEOUT);
	}

	private SignedJWT signedBy(RSAKey key) {
		try {
			return SignedJWT.parse(this.identityProvider.token().signedWith(key).build());
		}
		catch (ParseException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A clock the test moves forward by hand. */
	static final class MutableClock extends Clock {

		private volatile Instant now;

		MutableClock(Instant now) {
			this.now = now;
		}

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
