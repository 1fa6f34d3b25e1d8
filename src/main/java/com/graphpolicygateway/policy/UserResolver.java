package com.graphpolicygateway.policy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriUtils;

import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.upstream.AppOnlyTokens;

/**
 * Resolves a user's object id or principal name to the user's object id and current
 * principal name with Graph ({@code GET /v1.0/users/{id}?$select=id,userPrincipalName},
 * the gateway's app-only token for the tenant), and keeps the answers in a bounded cache
 * keyed by tenant and identifier, ignoring case. A found user is kept for the TTL and,
 * while it is asked for, looked up again in the background once older than the refresh
 * age, its last answer served meanwhile (also when that lookup fails, until the TTL); "no
 * such user" is kept for a shorter TTL; a failure is not kept, but callers waiting for
 * the same lookup share it. Never blocks: lookups are WebClient calls.
 */
final class UserResolver {

	private static final Log logger = LogFactory.getLog(UserResolver.class);

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	/** The only properties asked of Graph: enough to compare users, nothing personal. */
	static final String SELECT = "id,userPrincipalName";

	private final WebClient webClient;

	private final String usersUri;

	private final AppOnlyTokens tokens;

	private final Duration ttl;

	private final Duration notFoundTtl;

	private final Duration timeout;

	private final Ticker ticker;

	private final AsyncLoadingCache<Key, Lookup> cache;

	private final Counter found;

	private final Counter notFound;

	private final Counter failed;

	UserResolver(WebClient webClient, URI graphBaseUri, AppOnlyTokens tokens,
			GraphGatewayProperties.ProtectedUsers settings, Ticker ticker, MeterRegistry meters) {
		Assert.notNull(webClient, "webClient cannot be null");
		Assert.notNull(graphBaseUri, "graphBaseUri cannot be null");
		Assert.notNull(tokens, "tokens cannot be null");
		Assert.notNull(settings, "settings cannot be null");
		Assert.notNull(ticker, "ticker cannot be null");
		this.webClient = webClient;
		this.usersUri = graphBaseUri.toString().replaceAll("/$", "") + "/v1.0/users";
		this.tokens = tokens;
		this.ttl = settings.ttl();
		this.notFoundTtl = settings.notFoundTtl();
		this.timeout = settings.lookupTimeout();
		this.ticker = ticker;
		// Never cleared whole: a full cache evicts its least useful entries one by one,
		// so a flood of unknown names cannot push the protected users' resolutions out
		// at once.
		this.cache = CaffeineCacheMetrics.monitor(meters,
				Caffeine.newBuilder()
					.maximumSize(settings.cacheSize())
					.refreshAfterWrite(settings.refreshAfter())
					.expireAfter(new Deadlines())
					.ticker(ticker)
					.recordStats()
					.buildAsync(new Loader()),
				"protected-users");
		this.found = lookups(meters, "found");
		this.notFound = lookups(meters, "not_found");
		this.failed = lookups(meters, "failed");
	}

	private static Counter lookups(MeterRegistry meters, String result) {
		return Counter.builder("graph_gateway.policy.user_lookups")
			.description("Users looked up in Graph to match protected users")
			.tag("result", result)
			.register(meters);
	}

	/**
	 * The user {@code identifier} (object id or principal name) names in the tenant;
	 * empty when Graph has no such user; a {@link LookupFailedException} when Graph could
	 * not be asked or did not answer in time.
	 */
	Mono<ResolvedUser> resolve(String tenantId, String identifier) {
		Key key = new Key(UserIdentifiers.normalize(tenantId), UserIdentifiers.normalize(identifier));
		return Mono.defer(() -> {
			CompletableFuture<Lookup> answer = this.cache.get(key);
			// Cancelling one caller must not cancel the lookup others wait for.
			return Mono.fromFuture(answer, true).flatMap((lookup) -> {
				if (lookup.problem() != null) {
					// Gone before anyone hears of it: the next call asks Graph again.
					this.cache.asMap().remove(key, answer);
					return Mono.error(new LookupFailedException(lookup.problem()));
				}
				return Mono.justOrEmpty(lookup.user());
			});
		});
	}

	private Mono<Lookup> lookUp(Key key) {
		return this.tokens.forTenant(key.tenantId())
			.flatMap((token) -> this.webClient.get()
				.uri(uri(key.identifier()))
				.headers((headers) -> headers.setBearerAuth(token))
				.accept(MediaType.APPLICATION_JSON)
				.exchangeToMono(this::read))
			.timeout(this.timeout)
			.onErrorResume((ex) -> Mono.just(failure(describe(ex))))
			.doOnNext((lookup) -> count(key, lookup));
	}

	/**
	 * {@code /v1.0/users/{id}}, or {@code /v1.0/users('{id}')} for a principal name that
	 * starts with {@code $}, which Graph would read as a system segment otherwise.
	 */
	private URI uri(String identifier) {
		String encoded = UriUtils.encodePathSegment(identifier, StandardCharsets.UTF_8);
		String path = identifier.startsWith("$") ? "('" + encoded.replace("'", "''") + "')" : "/" + encoded;
		return URI.create(this.usersUri + path + "?$select=" + SELECT);
	}

	private Mono<Lookup> read(ClientResponse response) {
		int status = response.statusCode().value();
		if (status == 404) {
			// Only Graph's own "no such user" counts: a 404 from anything else in the way
			// (a wrong base URI, a proxy) would otherwise turn every protection off.
			return response.bodyToMono(JSON)
				.map((body) -> (body.get("error") instanceof Map<?, ?>) ? absent()
						: failure("Graph answered 404 without its error shape"))
				.onErrorResume((ex) -> Mono.just(failure("Graph answered 404 without its error shape")))
				.defaultIfEmpty(failure("Graph answered 404 without its error shape"));
		}
		if (status != 200) {
			String hint = (status == 401 || status == 403)
					? " (the gateway's app registration needs the User.Read.All application permission)" : "";
			return response.releaseBody().then(Mono.fromSupplier(() -> failure("Graph answered " + status + hint)));
		}
		return response.bodyToMono(JSON).map(this::user).defaultIfEmpty(failure("Graph answered 200 without a body"));
	}

	private Lookup user(Map<String, Object> body) {
		if (!(body.get("id") instanceof String id) || !UserIdentifiers.isObjectId(id)) {
			return failure("Graph's answer holds no object id");
		}
		String name = (body.get("userPrincipalName") instanceof String upn) ? UserIdentifiers.normalize(upn) : "";
		return new Lookup(new ResolvedUser(UserIdentifiers.normalize(id), name), null, deadline(this.ttl));
	}

	private Lookup absent() {
		return new Lookup(null, null, deadline(this.notFoundTtl));
	}

	private Lookup failure(String problem) {
		return new Lookup(null, problem, this.ticker.read());
	}

	private long deadline(Duration ttl) {
		return this.ticker.read() + ttl.toNanos();
	}

	private static String describe(Throwable ex) {
		if (ex instanceof TimeoutException) {
			return "no answer in time";
		}
		return ex.getClass().getSimpleName() + ": " + ex.getMessage();
	}

	private void count(Key key, Lookup lookup) {
		if (lookup.problem() != null) {
			this.failed.increment();
			logger.warn("User '" + key.identifier() + "' could not be looked up in Graph for tenant " + key.tenantId()
					+ ": " + lookup.problem());
		}
		else if (lookup.user() != null) {
			this.found.increment();
		}
		else {
			this.notFound.increment();
		}
	}

	/** Loads, and reloads ahead; a failed reload keeps the last answer until its TTL. */
	private final class Loader implements AsyncCacheLoader<Key, Lookup> {

		@Override
		public CompletableFuture<? extends Lookup> asyncLoad(Key key, Executor executor) {
			return lookUp(key).toFuture();
		}

		@Override
		public CompletableFuture<? extends Lookup> asyncReload(Key key, Lookup previous, Executor executor) {
			// A copy, not the same instance: the cache then counts the reload as a write
			// and waits the whole refresh age before the next attempt while Graph is
			// down.
			return lookUp(key).map((fresh) -> (fresh.problem() != null) ? previous.copy() : fresh).toFuture();
		}

	}

	/** Each answer expires at the deadline it carries: a copy keeps the original's. */
	private final class Deadlines implements Expiry<Key, Lookup> {

		@Override
		public long expireAfterCreate(Key key, Lookup lookup, long currentTime) {
			return Math.max(0, lookup.expiresAt() - currentTime);
		}

		@Override
		public long expireAfterUpdate(Key key, Lookup lookup, long currentTime, long currentDuration) {
			return Math.max(0, lookup.expiresAt() - currentTime);
		}

		@Override
		public long expireAfterRead(Key key, Lookup lookup, long currentTime, long currentDuration) {
			return currentDuration;
		}

	}

	/**
	 * A user as Graph knows them, both identifiers in lower case.
	 *
	 * @param objectId the object id
	 * @param userPrincipalName the current principal name (empty if Graph gave none)
	 */
	record ResolvedUser(String objectId, String userPrincipalName) {
	}

	/** The tenant and the identifier, both in lower case. */
	private record Key(String tenantId, String identifier) {
	}

	/**
	 * One answer: a user, no such user (neither user nor problem), or a failure.
	 *
	 * @param user the user found
	 * @param problem why Graph could not tell
	 * @param expiresAt when the answer stops being used, on the cache's ticker
	 */
	private record Lookup(@Nullable ResolvedUser user, @Nullable String problem, long expiresAt) {

		Lookup copy() {
			return new Lookup(this.user, this.problem, this.expiresAt);
		}

	}

	/** Graph could not tell who a user is. */
	static final class LookupFailedException extends RuntimeException {

		LookupFailedException(String message) {
			super(message, null, false, false);
		}

	}

}
