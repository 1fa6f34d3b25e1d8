package com.graphpolicygateway.audit.write;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Scheduler;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.graph.GatewayRefusal;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.system.ConnectionEventLoops;

/**
 * The write-ahead audit of an allowed call: commits a pending event before anything
 * leaves the gateway, refuses the call (503) when that is not possible in time, and
 * writes the outcome when the answer is committed to the caller.
 */
public class AuditGatewayFilterFactory extends AbstractGatewayFilterFactory<AuditGatewayFilterFactory.Config> {

	private static final Log logger = LogFactory.getLog(AuditGatewayFilterFactory.class);

	private final AuditWriter writer;

	private final AuditEventFactory events;

	private final GraphErrorResponder errors;

	public AuditGatewayFilterFactory(AuditWriter writer, AuditEventFactory events, GraphErrorResponder errors) {
		super(Config.class);
		Assert.notNull(writer, "writer cannot be null");
		Assert.notNull(events, "events cannot be null");
		Assert.notNull(errors, "errors cannot be null");
		this.writer = writer;
		this.events = events;
		this.errors = errors;
	}

	@Override
	public GatewayFilter apply(Config config) {
		Assert.notNull(config.writeTimeout, "writeTimeout cannot be null");
		return new WriteAheadAudit(config.writeTimeout, config.failOpen);
	}

	/** How long a pending event may take, and what happens when it cannot be written. */
	public static class Config {

		private Duration writeTimeout = Duration.ofSeconds(2);

		private boolean failOpen;

		public Config writeTimeout(Duration writeTimeout) {
			this.writeTimeout = writeTimeout;
			return this;
		}

		public Config failOpen(boolean failOpen) {
			this.failOpen = failOpen;
			return this;
		}

	}

	private final class WriteAheadAudit implements GatewayFilter {

		private final Duration writeTimeout;

		private final boolean failOpen;

		WriteAheadAudit(Duration writeTimeout, boolean failOpen) {
			this.writeTimeout = writeTimeout;
			this.failOpen = failOpen;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			Instant arrived = AuditWebFilter.arrivedAt(exchange, AuditGatewayFilterFactory.this.events.now());
			return exchange.getPrincipal()
				.map(Caller::of)
				.defaultIfEmpty(Optional.empty())
				.flatMap((caller) -> audit(exchange, chain,
						AuditGatewayFilterFactory.this.events.pending(exchange, caller.orElse(null), arrived)));
		}

		private Mono<Void> audit(ServerWebExchange exchange, GatewayFilterChain chain, AuditEvent pending) {
			// From here on this filter writes the event's outcome, exactly once.
			AuditWebFilter.markHandled(exchange);
			AtomicBoolean closed = new AtomicBoolean();
			AtomicBoolean forwarding = new AtomicBoolean();
			// Never go on on the writer's thread: the connection's own loop is cheapest.
			Scheduler connectionLoop = ConnectionEventLoops.schedulerOf(exchange);
			return Mono.fromFuture(() -> AuditGatewayFilterFactory.this.writer.open(pending))
				.timeout(this.writeTimeout, connectionLoop)
				.publishOn(connectionLoop)
				.thenReturn(true)
				.onErrorResume((ex) -> Mono.just(false))
				.doOnCancel(() -> {
					// The caller left while the pending event was being committed:
					// nothing
					// was forwarded, so the outcome is known.
					if (!forwarding.get() && closed.compareAndSet(false, true)) {
						AuditGatewayFilterFactory.this.writer.complete(pending.completed("failure", pending.decision(),
								"client_disconnected", null, null, latency(pending)));
					}
				})
				.flatMap((committed) -> {
					if (!committed && !this.failOpen) {
						return refuse(exchange, pending, closed);
					}
					if (!committed) {
						RequestCorrelation.of(exchange)
							.log(() -> logger.error("AUDIT FAIL-OPEN: forwarding " + pending.id()
									+ " although its pending audit event could not be committed"));
					}
					forwarding.set(true);
					return forward(exchange, chain, pending, closed, committed);
				});
		}

		private Mono<Void> refuse(ServerWebExchange exchange, AuditEvent pending, AtomicBoolean closed) {
			if (closed.compareAndSet(false, true)) {
				AuditGatewayFilterFactory.this.writer.openFailed(
						pending.completed("refused", "refuse", "audit_unavailable", null, null, latency(pending)));
			}
			return AuditGatewayFilterFactory.this.errors.respond(exchange, HttpStatus.SERVICE_UNAVAILABLE,
					GraphErrorCodes.SERVICE_NOT_AVAILABLE, "audit_unavailable",
					"The gateway cannot write the audit record of this call, so it was not forwarded.",
					(headers) -> headers.set("Retry-After", "5"));
		}

		/**
		 * Forwards the call; its outcome is recorded once, as the outcome of its pending
		 * event when that was {@code opened}, else (failing open) as the outcome of an
		 * event whose open failed.
		 */
		private Mono<Void> forward(ServerWebExchange exchange, GatewayFilterChain chain, AuditEvent pending,
				AtomicBoolean closed, boolean opened) {
			exchange.getResponse().beforeCommit(() -> {
				close(exchange, pending, closed, opened);
				return Mono.empty();
			});
			return chain.filter(exchange).doFinally((signal) -> {
				if (signal == SignalType.CANCEL && closed.compareAndSet(false, true)) {
					record(withBeforeImage(exchange, pending.completed(AuditEvent.UNKNOWN, pending.decision(),
							"client_disconnected", null, null, latency(pending))), opened);
				}
			});
		}

		private void record(AuditEvent outcome, boolean opened) {
			if (opened) {
				AuditGatewayFilterFactory.this.writer.complete(outcome);
			}
			else {
				AuditGatewayFilterFactory.this.writer.openFailed(outcome);
			}
		}

		private void close(ServerWebExchange exchange, AuditEvent pending, AtomicBoolean closed, boolean opened) {
			if (!closed.compareAndSet(false, true)) {
				return;
			}
			HttpStatusCode status = exchange.getResponse().getStatusCode();
			boolean fromGraph = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR) != null;
			GatewayRefusal refusal = GatewayRefusal.from(exchange);
			String result = (fromGraph && status != null && status.is2xxSuccessful()) ? "success" : "failure";
			String reason = (!fromGraph && refusal != null) ? refusal.reason() : pending.reason();
			String decision = pending.decision();
			if (!fromGraph && refusal != null && BeforeImageGatewayFilterFactory.REFUSAL_REASON.equals(reason)) {
				// The gateway's own decision not to forward, as a policy refusal is.
				result = "refused";
				decision = "refuse";
			}
			Integer upstreamStatus = (fromGraph && status != null) ? status.value() : null;
			String graphRequestId = fromGraph
					? exchange.getResponse().getHeaders().getFirst(RequestCorrelation.REQUEST_ID) : null;
			if (graphRequestId != null) {
				graphRequestId = AuditEventFactory.wellFormed(AuditEventFactory.cut(graphRequestId, 100));
			}
			record(withBeforeImage(exchange,
					pending.completed(result, decision, reason, upstreamStatus, graphRequestId, latency(pending))),
					opened);
		}

		/** The outcome with the before-image the call's read left, if one was read. */
		private AuditEvent withBeforeImage(ServerWebExchange exchange, AuditEvent outcome) {
			BeforeImageRead read = BeforeImageRead.from(exchange);
			return (read != null) ? AuditGatewayFilterFactory.this.events.withBeforeImage(outcome, read) : outcome;
		}

		private @Nullable Long latency(AuditEvent pending) {
			return Math.max(0, AuditGatewayFilterFactory.this.events.now().toEpochMilli()
					- pending.activityDateTime().toEpochMilli());
		}

	}

}
