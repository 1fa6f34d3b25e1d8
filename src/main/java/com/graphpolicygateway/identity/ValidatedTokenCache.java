package com.graphpolicygateway.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

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
 * often. Keyed by the token's SHA-256; the remembered authentication holds the token (the
 * On-Behalf-Of exchange needs it) in memory only. Refusals are never remembered. Bounded:
 * when full, expired entries are dropped and new tokens are verified without being
 * remembered until there is room.
 */
final class ValidatedTokenCache implements ReactiveAuthenticationManagerResolver<ServerWebExchange> {

	private final ReactiveAuthenticationManagerResolver<ServerWebExchange> delegate;

	private final int maxEntries;

	private final Duration maxAge;

	private final Duration clockSkew;

	private final Clock clock;

	private final Map<String, Remembered> entries = new ConcurrentHashMap<>();

	/**
	 * Epoch millis before which no entry stops being usable (the earliest
	 * {@code usableUntil}; a scan racing with a new entry may set it later, which only
	 * delays dropping that entry): until then a full cache has nothing to drop and is not
	 * scanned.
	 */
	private final AtomicLong earliestUsableUntil = new AtomicLong(Long.MAX_VALUE);

	ValidatedTokenCache(ReactiveAuthenticationManagerResolver<ServerWebExchange> delegate, int maxEntries,
			Duration maxAge, Duration clockSkew, Clock clock) {
		Assert.notNull(delegate, "delegate cannot be null");
		Assert.isTrue(maxEntries > 0, "maxEntries must be positive");
		Assert.isTrue(!maxAge.isNegative() && !maxAge.isZero(), "maxAge must be positive");
		Assert.notNull(clock, "clock cannot be null");
		this.delegate = delegate;
		this.maxEntries = maxEntries;
		this.maxAge = maxAge;
		this.clockSkew = clockSkew;
		this.clock = clock;
	}

	@Override
	public Mono<ReactiveAuthenticationManager> resolve(ServerWebExchange exchange) {
		return Mono.just((authentication) -> authenticate(exchange, authentication));
	}

	private Mono<Authentication> authenticate(ServerWebExchange exchange, Authentication authentication) {
		if (!(authentication instanceof BearerTokenAuthenticationToken bearer)) {
			return verify(exchange, authentication);
		}
		String key = Ids.sha256Hex(bearer.getToken());
		Instant now = this.clock.instant();
		Remembered remembered = this.entries.get(key);
		if (remembered != null) {
			if (now.isBefore(remembered.usableUntil())) {
				return Mono.just(remembered.authentication());
			}
			this.entries.remove(key, remembered);
		}
		return verify(exchange, authentication).doOnNext((result) -> remember(key, result, now));
	}

	private Mono<Authentication> verify(ServerWebExchange exchange, Authentication authentication) {
		return this.delegate.resolve(exchange).flatMap((manager) -> manager.authenticate(authentication));
	}

	int size() {
		return this.entries.size();
	}

	private void remember(String key, Authentication result, Instant validatedAt) {
		Instant usableUntil = usableUntil(result, validatedAt);
		if (usableUntil == null || !validatedAt.isBefore(usableUntil)) {
			return;
		}
		if (this.entries.size() >= this.maxEntries && !dropUnusable()) {
			return;
		}
		this.entries.put(key, new Remembered(result, usableUntil));
		this.earliestUsableUntil.accumulateAndGet(usableUntil.toEpochMilli(), Math::min);
	}

	/**
	 * Drops the entries no longer usable, scanning the cache only when one may be;
	 * answers whether there is room now.
	 */
	private boolean dropUnusable() {
		Instant now = this.clock.instant();
		if (now.toEpochMilli() < this.earliestUsableUntil.get()) {
			return false;
		}
		this.entries.values().removeIf((entry) -> !now.isBefore(entry.usableUntil()));
		this.earliestUsableUntil.set(this.entries.values()
			.stream()
			.mapToLong((entry) -> entry.usableUntil().toEpochMilli())
			.min()
			.orElse(Long.MAX_VALUE));
		return this.entries.size() < this.maxEntries;
	}

	private @Nullable Instant usableUntil(Authentication result, Instant validatedAt) {
		if (!(result instanceof JwtAuthenticationToken jwt) || jwt.getToken().getExpiresAt() == null) {
			return null;
		}
		Instant expiry = jwt.getToken().getExpiresAt().plus(this.clockSkew);
		Instant keysRefreshed = validatedAt.plus(this.maxAge);
		return expiry.isBefore(keysRefreshed) ? expiry : keysRefreshed;
	}

	private record Remembered(Authentication authentication, Instant usableUntil) {
	}

}
