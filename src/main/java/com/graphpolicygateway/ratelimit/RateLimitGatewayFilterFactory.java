package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpStatus;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.policy.PolicyDecision;
import com.graphpolicygateway.policy.PolicyDecision.OperationLimit;
import com.graphpolicygateway.policy.RateLimits;
import com.graphpolicygateway.policy.Rule;

/**
 * Applies the tenant's limits (from the policy decision) to each call. First the token
 * buckets, one for the tenant and one for the caller: over them, 429
 * {@code activityLimitReached} in Graph's shape with {@code Retry-After}, audited as
 * {@code rate_limited}. Then the blast-radius limit of the operation called, when the
 * tenant sets one: with its sliding window full, 403 {@code OperationLimitExceeded} with
 * {@code Retry-After}, audited as {@code operation_limit} (or, report-only, the call goes
 * on and is audited as what the limit would have done). A window that cannot be read is
 * never taken for an empty one: 503 {@code serviceNotAvailable}, audited as
 * {@code operation_limit_unavailable}.
 */
public class RateLimitGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

	/** Graph's own code for throttled requests. */
	static final String ACTIVITY_LIMIT_REACHED = "activityLimitReached";

	/**
	 * Audit reason of a call refused because its operation's window could not be read.
	 */
	static final String OPERATION_LIMIT_UNAVAILABLE = "operation_limit_unavailable";

	/** When a caller refused for an unreadable window may try again. */
	static final Duration UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(5);

	private final RateLimiter limiter;

	private final OperationLimiter operations;

	private final GraphErrorResponder errors;

	private final MeterRegistry meters;

	RateLimitGatewayFilterFactory(RateLimiter limiter, OperationLimiter operations, GraphErrorResponder errors,
			MeterRegistry meters) {
		Assert.notNull(limiter, "limiter cannot be null");
		Assert.notNull(operations, "operations cannot be null");
		Assert.notNull(errors, "errors cannot be null");
		Assert.notNull(meters, "meters cannot be null");
		this.limiter = limiter;
		this.operations = operations;
		this.errors = errors;
		this.meters = meters;
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
				.flatMap((caller) -> take(caller.orElse(null), decision.rateLimits()).flatMap((result) -> {
					if (!result.allowed()) {
						return refuse(exchange, result);
					}
					OperationLimit limit = decision.operationLimit();
					return (limit != null) ? limitOperation(exchange, chain, tenantOf(caller.orElse(null)), limit)
							: chain.filter(exchange);
				}));
		};
	}

	private Mono<RateLimitResult> take(@Nullable Caller caller, RateLimits limits) {
		String tenant = tenantOf(caller);
		String who = (caller == null) ? "unknown" : (caller.userId() != null) ? caller.userId()
				: (caller.applicationId() != null) ? caller.applicationId() : "unknown";
		return this.limiter.take("tenant:" + tenant, limits.tenant(), "caller:" + tenant + ":" + who, limits.caller());
	}

	/** The tenant's key, in lower case as the policy compares tenants. */
	private static String tenantOf(@Nullable Caller caller) {
		return (caller != null && caller.tenantId() != null) ? caller.tenantId().toLowerCase(Locale.ROOT) : "unknown";
	}

	private Mono<Void> refuse(ServerWebExchange exchange, RateLimitResult result) {
		long seconds = seconds(result.retryAfter());
		return this.errors.respond(exchange, HttpStatus.TOO_MANY_REQUESTS, ACTIVITY_LIMIT_REACHED, "rate_limited",
				"Too many requests for this " + result.limitedBy() + "; retry after " + seconds + " s.",
				(headers) -> headers.set("Retry-After", Long.toString(seconds)));
	}

	private Mono<Void> limitOperation(ServerWebExchange exchange, GatewayFilterChain chain, String tenant,
			OperationLimit limit) {
		return this.operations.take("operation:" + tenant + ":" + limit.operationId(), limit.max(), limit.per())
			.flatMap((result) -> switch (result.outcome()) {
				case ALLOWED -> chain.filter(exchange);
				case FULL -> limited(exchange, chain, limit, Rule.OPERATION_LIMIT.reason(),
						() -> refuseOperation(exchange, limit, result.retryAfter()));
				case UNAVAILABLE -> limited(exchange, chain, limit, OPERATION_LIMIT_UNAVAILABLE,
						() -> refuseUnavailable(exchange, limit));
			});
	}

	/**
	 * A call its operation's limit stops: refused, or, report-only, passed on with the
	 * report the audit reads.
	 */
	private Mono<Void> limited(ServerWebExchange exchange, GatewayFilterChain chain, OperationLimit limit,
			String reason, Supplier<Mono<Void>> refusal) {
		Counter.builder("graph_gateway.ratelimit.operation.limited")
			.description("Calls an operation limit refused, or would have refused when report-only")
			.tag("operation", limit.operationId())
			.tag("reason", reason)
			.tag("mode", limit.reportOnly() ? "report-only" : "enforce")
			.register(this.meters)
			.increment();
		if (limit.reportOnly()) {
			new OperationLimitReport(reason).storeOn(exchange);
			return chain.filter(exchange);
		}
		return refusal.get();
	}

	private Mono<Void> refuseOperation(ServerWebExchange exchange, OperationLimit limit, Duration retryAfter) {
		long seconds = seconds(retryAfter);
		Rule rule = Rule.OPERATION_LIMIT;
		return this.errors.respond(exchange, rule.status(), rule.errorCode(), rule.reason(),
				"The tenant may call operation " + limit.operationId() + " at most " + limit.max() + " times per "
						+ describe(limit.per()) + "; retry after " + seconds + " s.",
				(headers) -> headers.set("Retry-After", Long.toString(seconds)));
	}

	private Mono<Void> refuseUnavailable(ServerWebExchange exchange, OperationLimit limit) {
		long seconds = seconds(UNAVAILABLE_RETRY_AFTER);
		return this.errors.respond(exchange, HttpStatus.SERVICE_UNAVAILABLE, GraphErrorCodes.SERVICE_NOT_AVAILABLE,
				OPERATION_LIMIT_UNAVAILABLE,
				"The limit of operation " + limit.operationId()
						+ " cannot be checked: its count is unavailable; retry after " + seconds + " s.",
				(headers) -> headers.set("Retry-After", Long.toString(seconds)));
	}

	/** Whole seconds, rounded up, at least one: what {@code Retry-After} holds. */
	private static long seconds(Duration duration) {
		return Math.max(1, (duration.toMillis() + 999) / 1000);
	}

	/** A window's length as people say it: {@code 1 h}, {@code 30 min}, {@code 2 s}. */
	static String describe(Duration per) {
		if (per.toDaysPart() > 0 && per.equals(Duration.ofDays(per.toDays()))) {
			return per.toDays() + " d";
		}
		if (per.equals(Duration.ofHours(per.toHours()))) {
			return per.toHours() + " h";
		}
		if (per.equals(Duration.ofMinutes(per.toMinutes()))) {
			return per.toMinutes() + " min";
		}
		if (per.equals(Duration.ofSeconds(per.toSeconds()))) {
			return per.toSeconds() + " s";
		}
		return per.toMillis() + " ms";
	}

}
