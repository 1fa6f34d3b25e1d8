package com.graphpolicygateway.routing;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.graph.GatewayRefusal;
import com.graphpolicygateway.graph.StageTracing;
import com.graphpolicygateway.graph.TracedStage;
import com.graphpolicygateway.graph.TracedStage.Attribute;

/**
 * One filter of the route as a span of its own ({@link TracedStage}): from the moment the
 * stage gets the call until it hands it on, or answers it, and not the rest of the chain
 * it calls. Its attributes: the operation (the request's span gets it too), how the stage
 * ended, a refusal's reason and what the stage adds of its own. Spans within the stage
 * (the license lookup of the policy decision) are its children; the stages after it are
 * the request's.
 */
final class TracedStageFilter implements GatewayFilter {

	private final GatewayFilter stage;

	private final TracedStage name;

	private final String operationId;

	private final StageTracing tracing;

	private final BiConsumer<Observation, ServerWebExchange> tagger;

	private TracedStageFilter(GatewayFilter stage, TracedStage name, String operationId, StageTracing tracing,
			BiConsumer<Observation, ServerWebExchange> tagger) {
		this.stage = stage;
		this.name = name;
		this.operationId = operationId;
		this.tracing = tracing;
		this.tagger = tagger;
	}

	/** {@code stage} traced as {@code name}, or as it is while tracing is off. */
	static GatewayFilter of(GatewayFilter stage, TracedStage name, String operationId, StageTracing tracing) {
		return of(stage, name, operationId, tracing, (span, exchange) -> {
		});
	}

	/**
	 * {@code stage} traced as {@code name}, {@code tagger} adding the stage's own
	 * attributes once it ended; or as it is while tracing is off.
	 */
	static GatewayFilter of(GatewayFilter stage, TracedStage name, String operationId, StageTracing tracing,
			BiConsumer<Observation, ServerWebExchange> tagger) {
		return tracing.isOn() ? new TracedStageFilter(stage, name, operationId, tracing, tagger) : stage;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		return Mono.deferContextual((context) -> {
			Observation request = StageTracing.current(context);
			Observation span = this.tracing.start(this.name, context)
				.lowCardinalityKeyValue(Attribute.OPERATION.withValue(this.operationId));
			this.tracing.tagRequest(exchange, Attribute.OPERATION, this.operationId);
			AtomicBoolean ended = new AtomicBoolean();
			GatewayFilterChain handOn = (handed) -> {
				end(span, ended, handed, "passed");
				Mono<Void> rest = chain.filter(handed);
				// The stages after this one are children of the request, not of this
				// stage.
				return (request != null) ? rest.contextWrite((inner) -> StageTracing.within(inner, request)) : rest;
			};
			// Ended before the signal goes on: the request's span may end with it.
			return this.stage.filter(exchange, handOn)
				.doOnSuccess((done) -> end(span, ended, exchange, unhandedOutcome(exchange)))
				.doOnError((ex) -> {
					if (!ended.get()) {
						span.lowCardinalityKeyValue(Attribute.ERROR_TYPE.withValue(ex.getClass().getName()));
					}
					end(span, ended, exchange, "error");
				})
				.doOnCancel(() -> end(span, ended, exchange, "cancelled"))
				.contextWrite((inner) -> StageTracing.within(inner, span));
		});
	}

	/** How a stage that completed without handing the call on ended. */
	private static String unhandedOutcome(ServerWebExchange exchange) {
		return (GatewayRefusal.from(exchange) != null) ? "refused" : "answered";
	}

	private void end(Observation span, AtomicBoolean ended, ServerWebExchange exchange, String outcome) {
		if (!ended.compareAndSet(false, true)) {
			return;
		}
		span.lowCardinalityKeyValue(Attribute.OUTCOME.withValue(outcome));
		GatewayRefusal refusal = refusalIfAny(exchange, outcome);
		if (refusal != null) {
			span.lowCardinalityKeyValue(Attribute.REASON.withValue(refusal.reason()));
		}
		this.tagger.accept(span, exchange);
		span.stop();
	}

	private static @Nullable GatewayRefusal refusalIfAny(ServerWebExchange exchange, String outcome) {
		return outcome.equals("passed") ? null : GatewayRefusal.from(exchange);
	}

}
