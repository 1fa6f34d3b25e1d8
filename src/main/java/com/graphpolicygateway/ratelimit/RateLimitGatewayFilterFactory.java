package com.graphpolicygateway.ratelimit;

import java.util.Optional;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpStatus;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.policy.PolicyDecision;
import com.graphpolicygateway.policy.RateLimits;
import com.graphpolicygateway.graph.GraphErrorResponder;

/**
 * Applies the tenant's token buckets (from the policy decision) to each call: one bucket
 * for the tenant, one for the caller. Over the limit: 429 {@code activityLimitReached} in
 * Graph's shape with {@code Retry-After}, audited as {@code rate_limited}.
 */
public class RateLimitGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

	/** Graph's own code for throttled requests. */
	static final String ACTIVITY_LIMIT_REACHED = "activityLimitReached";

	private final RateLimiter limiter;

	private final GraphErrorResponder errors;

	RateLimitGatewayFilterFactory(RateLimiter limiter, GraphErrorResponder errors) {
		Assert.notNull(limiter, "limiter cannot be null");
		Assert.notNull(errors, "errors cannot be null");
		this.limiter = limiter;
		this.errors = errors;
	}

	@Override
	public GatewayFilter apply(Object config) {
		return (exchange, chain) -> {
			PolicyDecision decision = PolicyDecision.from(exchange);
			if (decision == null) {
				return Mono.error(new IllegalStateException("The rate limit runs after the tenant policy"));
			}
			return exchange.getPrincipal()
				.map(Caller::of)
				.defaultIfEmpty(Optional.empty())
				.flatMap((caller) -> take(caller.orElse(null), decision.rateLimits()))
				.flatMap((result) -> result.allowed() ? chain.filter(exchange) : refuse(exchange, result));
		};
	}

	private Mono<RateLimitResult> take(Caller caller, RateLimits limits) {
		String tenant = (caller != null && caller.tenantId() != null) ? caller.tenantId() : "unknown";
		String who = (caller == null) ? "unknown" : (caller.userId() != null) ? caller.userId()
				: (caller.applicationId() != null) ? caller.applicationId() : "unknown";
		return this.limiter.take("tenant:" + tenant, limits.tenant(), "caller:" + tenant + ":" + who, limits.caller());
	}

	private Mono<Void> refuse(ServerWebExchange exchange, RateLimitResult result) {
		long seconds = Math.max(1, (result.retryAfter().toMillis() + 999) / 1000);
		return this.errors.respond(exchange, HttpStatus.TOO_MANY_REQUESTS, ACTIVITY_LIMIT_REACHED, "rate_limited",
				"Too many requests for this " + result.limitedBy() + "; retry after " + seconds + " s.",
				(headers) -> headers.set("Retry-After", Long.toString(seconds)));
	}

}
