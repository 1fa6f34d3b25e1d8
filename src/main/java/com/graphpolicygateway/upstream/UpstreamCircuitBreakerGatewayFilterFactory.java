package com.graphpolicygateway.upstream;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpStatus;
import org.springframework.util.Assert;

import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;

/**
 * Stops calling an upstream that keeps failing: connection failures and timeouts are
 * counted (Graph's own answers, 429 and 5xx included, are relayed and not counted); while
 * the circuit is open, calls are answered 503 with {@code Retry-After} without reaching
 * Graph, and after the open duration a few trial calls decide whether it closes again.
 */
public class UpstreamCircuitBreakerGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

	private final CircuitBreaker breaker;

	private final GraphErrorResponder errors;

	UpstreamCircuitBreakerGatewayFilterFactory(CircuitBreaker breaker, GraphErrorResponder errors) {
		Assert.notNull(breaker, "breaker cannot be null");
		Assert.notNull(errors, "errors cannot be null");
		this.breaker = breaker;
		this.errors = errors;
	}

	@Override
	public GatewayFilter apply(Object config) {
		long openMillis = this.breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
		// Rounded up: a retry before the open duration has passed would be refused again.
		long retryAfter = Math.max(1, (openMillis + 999) / 1000);
		return (exchange, chain) -> chain.filter(exchange)
			.transformDeferred(CircuitBreakerOperator.of(this.breaker))
			.onErrorResume(CallNotPermittedException.class,
					(ex) -> this.errors.respond(exchange, HttpStatus.SERVICE_UNAVAILABLE,
							GraphErrorCodes.SERVICE_NOT_AVAILABLE, "circuit_open",
							"Microsoft Graph is failing; the gateway pauses calls to it. Retry later.",
							(headers) -> headers.set("Retry-After", Long.toString(retryAfter))));
	}

	CircuitBreaker breaker() {
		return this.breaker;
	}

}
