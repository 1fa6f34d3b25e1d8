package com.graphpolicygateway.policy;

import java.time.Clock;
import java.util.Optional;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.policy.PolicyDecision.Violation;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.OperationRequest;

/**
 * Enforces the tenant policy on the route: decides the call (tenant, caller, operation,
 * target, properties, freeze, license), keeps the decision on the exchange for the audit
 * trail and the rate limiter, and answers a refusal in Graph's shape with the rule's own
 * code.
 */
public class TenantPolicyGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

	private final PolicyEvaluator evaluator;

	private final GraphErrorResponder errors;

	private final Clock clock;

	TenantPolicyGatewayFilterFactory(PolicyEvaluator evaluator, GraphErrorResponder errors, Clock clock) {
		Assert.notNull(evaluator, "evaluator cannot be null");
		Assert.notNull(errors, "errors cannot be null");
		Assert.notNull(clock, "clock cannot be null");
		this.evaluator = evaluator;
		this.errors = errors;
		this.clock = clock;
	}

	@Override
	public GatewayFilter apply(Object config) {
		return (exchange, chain) -> exchange.getPrincipal()
			.map(Caller::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((caller) -> this.evaluator.decide(request(exchange, caller.orElse(null))))
			.flatMap((decision) -> {
				decision.storeOn(exchange);
				Violation refusal = decision.refusal();
				if (refusal == null) {
					return chain.filter(exchange);
				}
				return this.errors.respond(exchange, refusal.status(), refusal.errorCode(), refusal.reason(),
						refusal.message(), (headers) -> {
							if (refusal.status().value() == 503) {
								headers.set("Retry-After", "30");
							}
						});
			});
	}

	private PolicyRequest request(ServerWebExchange exchange, Caller caller) {
		OperationRequest call = OperationRequest.from(exchange);
		if (call == null) {
			throw new IllegalStateException("The tenant policy runs after the request guard, which did not run");
		}
		return new PolicyRequest((caller != null) ? caller.tenantId() : null,
				(caller != null) ? caller.applicationId() : null, call.operation(), call.target(), call.propertyNames(),
				this.clock.instant());
	}

}
