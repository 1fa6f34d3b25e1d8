package com.graphpolicygateway.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.ReactiveAuthenticationManagerResolver;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.system.Ids;

/**
 * Remembers the authentication of bearer tokens that passed every check, so that a caller
 * re-using its access token (as Graph clients do for its lifetime) is not re-verified on
 * each call. A remembered token is used only while its {@code exp} (with the allowed
 * clock skew) has not passed, and for no longer than the key refresh interval, so that a
 * token is checked again against the signing keys the gateway then knows at least that
 * often. Keyed by the token's SHA-256, computed once per call and handed to the
 * authentication ({@link CallerAuthenticationToken#tokenFingerprint()}) so that the
 * On-Behalf-Of cache does not hash the token again; the remembered authentication holds
 * the token (the On-Behalf-Of exchange needs it) in memory only. Refusals are never
 * remembered. Bounded (Caffeine, metrics under {@code cache="validated-tokens"}): past
 * its size the least useful tokens are dropped one by one, never all at once, so a flood
 * of one-off tokens does not make the busy callers' tokens verified again.
 */
final class ValidatedTokenCache implements ReactiveAuthenticationManagerResolver<ServerWebExchange> {

	private final ReactiveAuthenticationManagerResolver<ServerWebExchange> delegate;

	private final Duration maxAge;

	private final Duration clockSkew;

	private final Clock clock;

	private final Cache<String, Remembered> entries;

	ValidatedTokenCache(ReactiveAuthenticationManagerResolver<ServerWebExchange> delegate, int maxEntries,
			Duration maxAge, Duration clockSkew, Clock clock, MeterRegistry meters) {
		Assert.notNull(delegate, "delegate cannot be null");
		Assert.isTrue(maxEntries > 0, "maxEntries must be positive");
		Assert.isTrue(!maxAge.isNegative() && !maxAge.isZero(), "maxAge must be positive");
		Assert.notNull(clock, "clock cannot be null");
		this.delegate = delegate;
		this.maxAge = maxAge;
		this.clockSkew = clockSkew;
		this.clock = clock;
		this.entries = CaffeineCacheMetrics.monitor(meters,
				Caffeine.newBuilder()
					.maximumSize(maxEntries)
					.expireAfter(Expiry.creating((String key, Remembered remembered) -> remembered.timeToKeep()))
					.ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
					.recordStats()
					.build(),
				"validated-tokens");
	}

	@Override
	public Mono<ReactiveAuthenticationManager> resolve(ServerWebExchange exchange) {
		return Mono.just((authentication) -> authenticate(exchange, authentication));
	}

	private Mono<Authentication> authenticate(ServerWebExchange exchange, Authentication authentication) {
		if (!(authentication instanceof BearerTokenAuthenticationToken bearer)) {
			return verify(exchange, authentication);
		}
		String fingerprint = Ids.sha256Hex(bearer.getToken());
		Instant now = this.clock.instant();
		Remembered remembered = this.entries.getIfPresent(fingerprint);
		if (remembered != null && now.isBefore(remembered.usableUntil())) {
			return Mono.just(remembered.authentication());
		}
		return verify(exchange, authentication).doOnNext((result) -> remember(fingerprint, result, now));
	}

	private Mono<Authentication> verify(ServerWebExchange exchange, Authentication authentication) {
		return this.delegate.resolve(exchange).flatMap((manager) -> manager.authenticate(authentication));
	}

	/** How many tokens are remembered, once pending evictions are done. */
	long size() {
		this.entries.cleanUp();
		return this.entries.estimatedSize();
	}

	private void remember(String fingerprint, Authentication result, Instant validatedAt) {
		if (result instanceof CallerAuthenticationToken caller) {
			caller.rememberTokenFingerprint(fingerprint);
		}
		Instant usableUntil = usableUntil(result, validatedAt);
		if (usableUntil == null || !validatedAt.isBefore(usableUntil)) {
			return;
		}
		this.entries.put(fingerprint, new Remembered(result, usableUntil, Duration.between(validatedAt, usableUntil)));
	}

	private @Nullable Instant usableUntil(Authentication result, Instant validatedAt) {
		if (!(result instanceof JwtAuthenticationToken jwt) || jwt.getToken().getExpiresAt() == null) {
			return null;
		}
		Instant expiry = jwt.getToken().getExpiresAt().plus(this.clockSkew);
		Instant keysRefreshed = validatedAt.plus(this.maxAge);
		return expiry.isBefore(keysRefreshed) ? expiry : keysRefreshed;
	}

	private record Remembered(Authentication authentication, Instant usableUntil, Duration timeToKeep) {
	}

}
