package com.graphpolicygateway.identity;

import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * One issuer's signing keys, fetched over HTTP and kept in memory. A token naming an
 * unknown {@code kid} triggers a re-fetch at most once per refresh interval, so forged
 * tokens cannot make the gateway hammer the identity provider; concurrent misses share
 * one fetch; when a fetch fails the keys already known keep working.
 */
final class RefreshLimitedJwkSource implements Function<SignedJWT, Flux<JWK>> {

	private static final Log logger = LogFactory.getLog(RefreshLimitedJwkSource.class);

	/**
	 * Keys older than this are re-fetched on the next request even without an unknown
	 * kid.
	 */
	private static final Duration MAX_AGE = Duration.ofHours(24);

	/**
	 * How long a fetch may take: a keys endpoint that accepts and never answers must not
	 * hold every token check (and, through the shared fetch, every later one) forever.
	 */
	static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);

	/** Pause between fetches while no key of the issuer is known at all. */
	private static final Duration UNAVAILABLE_RETRY = Duration.ofSeconds(10);

	private final WebClient webClient;

	private final URI jwkSetUri;

	private final Duration refreshInterval;

	private final Clock clock;

	private final AtomicReference<@Nullable Keys> keys = new AtomicReference<>();

	private final AtomicReference<@Nullable Mono<Keys>> fetching = new AtomicReference<>();

	/** When a fetch last failed while no keys were known; retried after a short pause. */
	private final AtomicReference<@Nullable Instant> unavailableSince = new AtomicReference<>();

	private final Duration unavailableRetry;

	private final Duration fetchTimeout;

	RefreshLimitedJwkSource(WebClient webClient, URI jwkSetUri, Duration refreshInterval, Clock clock) {
		this(webClient, jwkSetUri, refreshInterval, clock, FETCH_TIMEOUT);
	}

	RefreshLimitedJwkSource(WebClient webClient, URI jwkSetUri, Duration refreshInterval, Clock clock,
			Duration fetchTimeout) {
		Assert.notNull(webClient, "webClient cannot be null");
		Assert.notNull(jwkSetUri, "jwkSetUri cannot be null");
		Assert.notNull(refreshInterval, "refreshInterval cannot be null");
		Assert.notNull(clock, "clock cannot be null");
		this.webClient = webClient;
		this.jwkSetUri = jwkSetUri;
		this.refreshInterval = refreshInterval;
		this.clock = clock;
		this.unavailableRetry = (refreshInterval.compareTo(UNAVAILABLE_RETRY) < 0) ? refreshInterval
				: UNAVAILABLE_RETRY;
		this.fetchTimeout = fetchTimeout;
	}

	@Override
	public Flux<JWK> apply(SignedJWT jwt) {
		JWKSelector selector = new JWKSelector(JWKMatcher.forJWSHeader(jwt.getHeader()));
		Keys known = this.keys.get();
		Instant unavailable = this.unavailableSince.get();
		if (known == null && unavailable != null
				&& unavailable.plus(this.unavailableRetry).isAfter(this.clock.instant())) {
			return Flux.error(new IllegalStateException("The signing keys at " + this.jwkSetUri + " are unavailable"));
		}
		if (known != null) {
			List<JWK> matching = selector.select(known.set());
			boolean stale = known.fetchedAt().plus(MAX_AGE).isBefore(this.clock.instant());
			if ((!matching.isEmpty() && !stale) || !mayRefresh(known)) {
				return Flux.fromIterable(matching);
			}
		}
		return fetch().flatMapIterable((fresh) -> selector.select(fresh.set()));
	}

	private boolean mayRefresh(Keys known) {
		return known.attemptedAt().plus(this.refreshInterval).isBefore(this.clock.instant());
	}

	private Mono<Keys> fetch() {
		Mono<Keys> inFlight = this.fetching.get();
		if (inFlight != null) {
			return inFlight;
		}
		Mono<Keys> created = this.webClient.get()
			.uri(this.jwkSetUri)
			.retrieve()
			.bodyToMono(String.class)
			.timeout(this.fetchTimeout)
			.map(this::parse)
			.map((set) -> new Keys(set, this.clock.instant(), this.clock.instant()))
			.onErrorResume((ex) -> keepKnownKeys(ex))
			.doOnNext((fetched) -> {
				this.keys.set(fetched);
				this.unavailableSince.set(null);
			})
			.doFinally((signal) -> this.fetching.set(null))
			.cache();
		return this.fetching.compareAndSet(null, created) ? created : fetch();
	}

	private Mono<Keys> keepKnownKeys(Throwable ex) {
		Keys known = this.keys.get();
		if (known == null) {
			logger.warn("Signing keys could not be fetched from " + this.jwkSetUri + ": " + ex.getMessage());
			this.unavailableSince.set(this.clock.instant());
			return Mono.error(ex);
		}
		logger.warn("Signing keys could not be re-fetched from " + this.jwkSetUri + "; keeping the "
				+ known.set().getKeys().size() + " known keys: " + ex.getMessage());
		return Mono.just(new Keys(known.set(), known.fetchedAt(), this.clock.instant()));
	}

	private JWKSet parse(String body) {
		try {
			return JWKSet.parse(body);
		}
		catch (ParseException ex) {
			throw new IllegalStateException("The key set at " + this.jwkSetUri + " is not a valid JWK set", ex);
		}
	}

	/** A key set, when it was fetched, and when a fetch was last attempted. */
	private record Keys(JWKSet set, Instant fetchedAt, Instant attemptedAt) {
	}

}
