package com.graphpolicygateway.audit;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.graph.GatewayRefusal;
import com.graphpolicygateway.graph.GraphRoutes;
import com.graphpolicygateway.graph.GatewayStages;

/**
 * Records the refusals that happen before the route's own audit filter runs (token,
 * permission, firewall, request guard), so that every PATCH aimed at the route leaves
 * exactly one event. The event is written when the answer is committed, when its status
 * and reason are known.
 */
public final class AuditWebFilter implements WebFilter, Ordered {

	/** First of all filters, so that even a refused client-request-id is audited. */
	public static final int ORDER = GatewayStages.AUDIT_REFUSALS;

	private static final String ARRIVED = AuditWebFilter.class.getName() + ".arrived";

	private static final String HANDLED = AuditWebFilter.class.getName() + ".handled";

	private final AuditWriter writer;

	private final AuditEventFactory events;

	private final List<PathPattern> routePaths = Arrays.stream(GraphRoutes.PROTECTED_PATTERNS)
		.map(PathPatternParser.defaultInstance::parse)
		.toList();

	AuditWebFilter(AuditWriter writer, AuditEventFactory events) {
		Assert.notNull(writer, "writer cannot be null");
		Assert.notNull(events, "events cannot be null");
		this.writer = writer;
		this.events = events;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!aimsAtRoute(exchange)) {
			return chain.filter(exchange);
		}
		Instant arrived = this.events.now();
		exchange.getAttributes().put(ARRIVED, arrived);
		AtomicBoolean recorded = new AtomicBoolean();
		exchange.getResponse().beforeCommit(() -> {
			recordRefusal(exchange, arrived, recorded);
			return Mono.empty();
		});
		return chain.filter(exchange).doFinally((signal) -> {
			if (signal == SignalType.CANCEL) {
				recordRefusal(exchange, arrived, recorded);
			}
		});
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	/** Tells this filter that the route's audit filter writes the request's event. */
	static void markHandled(ServerWebExchange exchange) {
		exchange.getAttributes().put(HANDLED, Boolean.TRUE);
	}

	/** When the request reached the gateway, or {@code fallback} outside this filter. */
	static Instant arrivedAt(ServerWebExchange exchange, Instant fallback) {
		Instant arrived = exchange.getAttribute(ARRIVED);
		return (arrived != null) ? arrived : fallback;
	}

	private boolean aimsAtRoute(ServerWebExchange exchange) {
		if (exchange.getRequest().getMethod() != HttpMethod.PATCH) {
			return false;
		}
		// Empty segments (//users/x) aim at the route too, even though the firewall
		// refuses them.
		PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
		PathContainer normalized = path.value().contains("//")
				? PathContainer.parsePath(path.value().replaceAll("/{2,}", "/")) : path;
		return this.routePaths.stream().anyMatch((pattern) -> pattern.matches(normalized));
	}

	private void recordRefusal(ServerWebExchange exchange, Instant arrived, AtomicBoolean recorded) {
		if (exchange.getAttribute(HANDLED) != null || !recorded.compareAndSet(false, true)) {
			return;
		}
		GatewayRefusal refusal = GatewayRefusal.from(exchange);
		String reason = (refusal != null) ? refusal.reason() : "client_disconnected";
		this.writer.refused(this.events.refused(exchange, Caller.rememberedOn(exchange).orElse(null), arrived, reason));
	}

}
