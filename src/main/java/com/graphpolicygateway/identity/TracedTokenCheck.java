package com.graphpolicygateway.identity;

import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.observation.Observation;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.ReactiveAuthenticationManagerResolver;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.graph.StageTracing;
import com.graphpolicygateway.graph.TracedStage;
import com.graphpolicygateway.graph.TracedStage.Attribute;

/**
 * The bearer token's check as a span of its own ({@link TracedStage#TOKEN_CHECK}): valid
 * or invalid, and the caller's tenant, which the request's span gets too. The token and
 * the reason it was refused (which may quote its claims) stay out of the span.
 */
final class TracedTokenCheck implements ReactiveAuthenticationManagerResolver<ServerWebExchange> {

	private final ReactiveAuthenticationManagerResolver<ServerWebExchange> delegate;

	private final StageTracing tracing;

	private TracedTokenCheck(ReactiveAuthenticationManagerResolver<ServerWebExchange> delegate, StageTracing tracing) {
		this.delegate = delegate;
		this.tracing = tracing;
	}

	/** {@code delegate} traced, or as it is while tracing is off. */
	static ReactiveAuthenticationManagerResolver<ServerWebExchange> of(
			ReactiveAuthenticationManagerResolver<ServerWebExchange> delegate, StageTracing tracing) {
		Assert.notNull(delegate, "delegate cannot be null");
		Assert.notNull(tracing, "tracing cannot be null");
		return tracing.isOn() ? new TracedTokenCheck(delegate, tracing) : delegate;
	}

	@Override
	public Mono<ReactiveAuthenticationManager> resolve(ServerWebExchange exchange) {
		return this.delegate.resolve(exchange)
			.map((manager) -> (authentication) -> check(exchange, manager, authentication));
	}

	private Mono<Authentication> check(ServerWebExchange exchange, ReactiveAuthenticationManager manager,
			Authentication authentication) {
		return Mono.deferContextual((context) -> {
			Observation span = this.tracing.start(TracedStage.TOKEN_CHECK, context);
			AtomicReference<String> outcome = new AtomicReference<>("invalid");
			return manager.authenticate(authentication).doOnNext((result) -> {
				outcome.set("valid");
				String tenant = Caller.of(result).map(Caller::tenantId).orElse(null);
				if (tenant != null) {
					span.highCardinalityKeyValue(Attribute.TENANT.withValue(tenant));
					this.tracing.tagRequest(exchange, Attribute.TENANT, tenant);
				}
			}).doOnError((ex) -> {
				if (!(ex instanceof AuthenticationException)) {
					outcome.set("error");
					span.lowCardinalityKeyValue(Attribute.ERROR_TYPE.withValue(ex.getClass().getName()));
				}
			}).doFinally((signal) -> {
				if (signal == SignalType.CANCEL && outcome.get().equals("invalid")) {
					outcome.set("cancelled");
				}
				span.lowCardinalityKeyValue(Attribute.OUTCOME.withValue(outcome.get()));
				span.stop();
			});
		});
	}

}
