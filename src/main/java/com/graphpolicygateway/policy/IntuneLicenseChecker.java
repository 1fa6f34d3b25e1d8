package com.graphpolicygateway.policy;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.graph.StageTracing;
import com.graphpolicygateway.graph.TracedStage;
import com.graphpolicygateway.graph.TracedStage.Attribute;
import com.graphpolicygateway.upstream.AppOnlyTokens;

/**
 * Asks Graph whether a tenant holds an active Intune license
 * ({@code GET /v1.0/subscribedSkus} with the gateway's app-only token for that tenant)
 * and remembers the answer: licensed answers for the positive TTL, unlicensed ones for
 * the negative TTL. A Caffeine loading cache does the remembering: concurrent requests
 * for one tenant share its one load, an expired answer is served while Caffeine refreshes
 * it (one refresh at a time, the old answer kept if it fails) for up to one more TTL, and
 * past {@value #MAX_TENANTS} tenants the least used answers are dropped one by one (and
 * asked again when needed), never all at once. The refresh is asked for on the read that
 * finds the answer expired rather than by {@code refreshAfterWrite}, which takes one
 * duration for every entry while licensed and unlicensed answers have TTLs of their own
 * (per-entry refresh is Caffeine's open issue 504).
 */
final class IntuneLicenseChecker {

	/**
	 * Service plans that are Intune: INTUNE_A and INTUNE_EDU (INTUNE_O365 is Office MDM,
	 * not Intune).
	 */
	static final Set<String> INTUNE_PLAN_IDS = Set.of("c1ec4a95-1f05-45b3-a911-aa3fa01094f5",
			"da24caf9-af8e-485c-b7c8-e73336da2693");

	static final Set<String> INTUNE_PLAN_NAMES = Set.of("INTUNE_A", "INTUNE_EDU");

	static final int MAX_TENANTS = 10_000;

	private static final Log logger = LogFactory.getLog(IntuneLicenseChecker.class);

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	private final WebClient webClient;

	private final URI subscribedSkus;

	private final AppOnlyTokens tokens;

	private final Duration positiveTtl;

	private final Duration negativeTtl;

	private final Duration timeout;

	private final Clock clock;

	private final AsyncLoadingCache<String, Answer> answers;

	private final Counter hits;

	private final Counter misses;

	private final StageTracing tracing;

	IntuneLicenseChecker(WebClient webClient, URI graphBaseUri, AppOnlyTokens tokens, Duration positiveTtl,
			Duration negativeTtl, Duration timeout, Clock clock, MeterRegistry meters) {
		this(webClient, graphBaseUri, tokens, positiveTtl, negativeTtl, timeout, clock, meters, StageTracing.OFF);
	}

	IntuneLicenseChecker(WebClient webClient, URI graphBaseUri, AppOnlyTokens tokens, Duration positiveTtl,
			Duration negativeTtl, Duration timeout, Clock clock, MeterRegistry meters, StageTracing tracing) {
		Assert.notNull(webClient, "webClient cannot be null");
		Assert.notNull(tokens, "tokens cannot be null");
		Assert.notNull(tracing, "tracing cannot be null");
		this.tracing = tracing;
		this.webClient = webClient;
		this.subscribedSkus = URI.create(graphBaseUri.toString().replaceAll("/$", "") + "/v1.0/subscribedSkus");
		this.tokens = tokens;
		this.positiveTtl = positiveTtl;
		this.negativeTtl = negativeTtl;
		this.timeout = timeout;
		this.clock = clock;
		long startMillis = clock.millis();
		this.answers = CaffeineCacheMetrics.monitor(meters, Caffeine.newBuilder()
			.maximumSize(MAX_TENANTS)
			// The answers' deadlines are the clock's, so the cache reads time from it
			// too.
			.ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis() - startMillis))
			.expireAfter(Expiry.writing((String tenantId, Answer answer) -> answer.keptFor(clock.instant())))
			.recordStats()
			.buildAsync((String tenantId, Executor executor) -> lookup(tenantId).toFuture()), "intune-licenses");
		this.hits = Counter.builder("graph_gateway.license.cache").tag("result", "hit").register(meters);
		this.misses = Counter.builder("graph_gateway.license.cache").tag("result", "miss").register(meters);
	}

	/**
	 * Whether the tenant is licensed; fails when Graph could not be asked and nothing is
	 * known.
	 */
	Mono<Boolean> isLicensed(String tenantId) {
		if (!this.tracing.isOn()) {
			return answer(tenantId, (source) -> {
			});
		}
		// A span of its own (TracedStage.LICENSE_LOOKUP), child of the policy decision.
		return Mono.deferContextual((context) -> {
			Observation span = this.tracing.start(TracedStage.LICENSE_LOOKUP, context)
				.highCardinalityKeyValue(Attribute.TENANT.withValue(tenantId));
			return answer(tenantId, (source) -> span.lowCardinalityKeyValue(Attribute.LICENSE_SOURCE.withValue(source)))
				.doOnNext((licensed) -> span
					.lowCardinalityKeyValue(Attribute.LICENSED.withValue(String.valueOf(licensed))))
				.doOnError((ex) -> span.lowCardinalityKeyValue(Attribute.ERROR_TYPE.withValue(ex.getClass().getName())))
				.doFinally((signal) -> span.stop());
		});
	}

	/**
	 * The answer for {@code tenantId}, telling {@code source} where it comes from: the
	 * cache, a stale answer (refreshed behind), or Graph.
	 */
	private Mono<Boolean> answer(String tenantId, Consumer<String> source) {
		CompletableFuture<Answer> pending = this.answers.getIfPresent(tenantId);
		Answer known = (pending != null && pending.isDone() && !pending.isCompletedExceptionally()) ? pending.join()
				: null;
		if (known == null) {
			if (pending != null && pending.isCompletedExceptionally()) {
				// A failed lookup that Caffeine has not dropped yet: nothing is known.
				this.answers.asMap().remove(tenantId, pending);
			}
			this.misses.increment();
			source.accept("graph");
			return Mono.fromFuture(this.answers.get(tenantId), true).map(Answer::licensed);
		}
		this.hits.increment();
		if (this.clock.instant().isBefore(known.expiresAt())) {
			source.accept("cache");
		}
		else {
			source.accept("stale");
			refresh(tenantId);
		}
		return Mono.just(known.licensed());
	}

	/**
	 * Asks Caffeine to refresh the answer unless a refresh of it is still on record. A
	 * refresh stays on record from its start until its answer is in the cache, and a
	 * {@code refresh} call that comes in the moment between the answer arriving and its
	 * storing starts another one and discards the first: on a busy tenant every read of
	 * an expired answer would, and the refreshed answer might never be stored.
	 */
	private void refresh(String tenantId) {
		LoadingCache<String, Answer> cache = this.answers.synchronous();
		if (cache.policy().refreshes().containsKey(tenantId)) {
			return;
		}
		cache.refresh(tenantId).whenComplete((fresh, ex) -> {
			if (ex != null) {
				logger.warn("License refresh for tenant " + tenantId + " failed: " + ex.getMessage());
			}
		});
	}

	private Mono<Answer> lookup(String tenantId) {
		return this.tokens.forTenant(tenantId)
			.flatMap((token) -> this.webClient.get()
				.uri(this.subscribedSkus)
				.headers((headers) -> headers.setBearerAuth(token))
				.accept(MediaType.APPLICATION_JSON)
				.retrieve()
				.bodyToMono(JSON))
			.timeout(this.timeout)
			.map((skus) -> answer(holdsIntune(skus)));
	}

	private Answer answer(boolean licensed) {
		Duration ttl = licensed ? this.positiveTtl : this.negativeTtl;
		Instant expires = this.clock.instant().plus(ttl);
		return new Answer(licensed, expires, expires.plus(ttl));
	}

	/**
	 * Licensed when an enabled SKU holds INTUNE_A or INTUNE_EDU provisioned successfully.
	 */
	static boolean holdsIntune(Map<String, Object> subscribedSkus) {
		for (Object sku : list(subscribedSkus.get("value"))) {
			if (!(sku instanceof Map<?, ?> skuMap) || !"Enabled".equals(skuMap.get("capabilityStatus"))) {
				continue;
			}
			for (Object plan : list(skuMap.get("servicePlans"))) {
				if (plan instanceof Map<?, ?> planMap && isIntune(planMap)
						&& "Success".equals(planMap.get("provisioningStatus"))) {
					return true;
				}
			}
		}
		return false;
	}

	private static boolean isIntune(Map<?, ?> plan) {
		Object id = plan.get("servicePlanId");
		Object name = plan.get("servicePlanName");
		return (id instanceof String planId && INTUNE_PLAN_IDS.contains(planId.toLowerCase()))
				|| (name instanceof String planName && INTUNE_PLAN_NAMES.contains(planName));
	}

	private static List<?> list(@Nullable Object value) {
		return (value instanceof List<?> list) ? list : List.of();
	}

	private record Answer(boolean licensed, Instant expiresAt, Instant staleUntil) {

		/** How long the answer is worth keeping: until it may no longer be served. */
		Duration keptFor(Instant now) {
			Duration left = Duration.between(now, this.staleUntil);
			return left.isNegative() ? Duration.ZERO : left;
		}

	}

}
