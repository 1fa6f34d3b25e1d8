package com.graphpolicygateway.graph;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.TracingObservationHandler;
import org.jspecify.annotations.Nullable;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * Makes the {@link TracedStage}s spans: each a child of the observation current in the
 * Reactor context (the request's, which Spring WebFlux puts there, or an enclosing
 * stage's). Spans only: the stages are observed through a registry of their own that
 * holds the tracing handler alone, so that they add no timers to the metrics. Off
 * ({@link #OFF}) while tracing is off: then every stage runs as if it were not observed,
 * and its callers skip the work of observing it ({@link #isOn()}).
 */
public final class StageTracing {

	private static final String INVALID_TRACE_ID = "0".repeat(32);

	/** No tracing: nothing is observed. */
	public static final StageTracing OFF = new StageTracing(ObservationRegistry.NOOP);

	private final ObservationRegistry registry;

	private StageTracing(ObservationRegistry registry) {
		this.registry = registry;
	}

	/** Stage spans made by {@code tracer}. */
	public static StageTracing of(Tracer tracer) {
		Assert.notNull(tracer, "tracer cannot be null");
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
		return new StageTracing(registry);
	}

	/** Whether stages are traced. */
	public boolean isOn() {
		return !this.registry.isNoop();
	}

	/**
	 * Starts the span of {@code stage} as a child of the observation current in
	 * {@code context}; the caller stops it.
	 */
	public Observation start(TracedStage stage, ContextView context) {
		return stage.observation(this.registry).parentObservation(current(context)).start();
	}

	/** The observation current in {@code context}: the request's, or a stage's. */
	public static @Nullable Observation current(ContextView context) {
		return context.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
	}

	/** {@code context} with {@code observation} current: the parent of spans within. */
	public static Context within(Context context, Observation observation) {
		return context.put(ObservationThreadLocalAccessor.KEY, observation);
	}

	/**
	 * Gives the request's own span (Spring's {@code http.server.requests}) an attribute
	 * an operator searches by; a span attribute only, never a metric tag.
	 */
	public void tagRequest(ServerWebExchange exchange, KeyName key, String value) {
		if (!isOn()) {
			return;
		}
		ServerRequestObservationContext.findCurrent(exchange.getAttributes())
			.ifPresent((request) -> request.addHighCardinalityKeyValue(key.withValue(value)));
	}

	/**
	 * The id of the trace the request belongs to (the caller's when its
	 * {@code traceparent} was continued), or null while tracing is off.
	 */
	public static @Nullable String traceId(ServerWebExchange exchange) {
		ServerRequestObservationContext request = ServerRequestObservationContext.findCurrent(exchange.getAttributes())
			.orElse(null);
		if (request == null) {
			return null;
		}
		TracingObservationHandler.TracingContext tracing = request.get(TracingObservationHandler.TracingContext.class);
		Span span = (tracing != null) ? tracing.getSpan() : null;
		// An unsampled trace has an id too: the one the traceparent sent to Graph names.
		String traceId = (span != null) ? span.context().traceId() : null;
		return (traceId != null && !traceId.isEmpty() && !traceId.equals(INVALID_TRACE_ID)) ? traceId : null;
	}

}
