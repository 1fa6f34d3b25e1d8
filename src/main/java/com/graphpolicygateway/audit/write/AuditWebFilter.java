package com.graphpolicygateway.audit.write;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.core.Ordered;
import org.springframework.http.server.PathContainer;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.graph.GatewayRefusal;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.GatewayStages;

/**
 * Records the refusals that happen before the route's own audit filter runs (token,
 * permission, firewall, request guard), so that every request aimed at an operation of
 * the catalogue (its method, under its path) leaves exactly one event. The event is
 * written when the answer is committed, when its status and reason are known.
 */
public final class AuditWebFilter implements WebFilter, Ordered {

	/** First of all filters, so that even a refused client-request-id is audited. */
	public static final int ORDER = GatewayStages.AUDIT_REFUSALS;

	private static final String ARRIVED = AuditWebFilter.class.getName() + ".arrived";

	private static final String HANDLED = AuditWebFilter.class.getName() + ".handled";

	private final AuditWriter writer;

	private final AuditEventFactory events;

	private final OperationCatalogue catalogue;

	public AuditWebFilter(AuditWriter writer, AuditEventFactory events, OperationCatalogue catalogue) {
		Assert.notNull(writer, "writer cannot be null");
		Assert.notNull(events, "events cannot be null");
		Assert.notNull(catalogue, "catalogue cannot be null");
		this.writer = writer;
		this.events = events;
		this.catalogue = catalogue;
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
		// Empty segments (//users/x) aim at the route too, even though the firewall
		// refuses them.
		PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
		PathContainer normalized = path.value().contains("//")
				? PathContainer.parsePath(path.value().replaceAll("/{2,}", "/")) : path;
		if (this.catalogue.aimedAt(exchange.getRequest().getMethod(), normalized).isEmpty()) {
			return false;
		}
		// The operation, when the path names one exactly: the event of a refusal names
		// it.
		this.catalogue.matchOn(exchange);
		return true;
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
