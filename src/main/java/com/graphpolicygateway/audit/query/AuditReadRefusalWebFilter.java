package com.graphpolicygateway.audit.query;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.graphpolicygateway.audit.query.AuditAccessLog.Kind;
import com.graphpolicygateway.audit.query.AuditAccessLog.Read;
import com.graphpolicygateway.graph.AuditPagePaths;
import com.graphpolicygateway.graph.GatewayRefusal;
import com.graphpolicygateway.graph.GatewayStages;
import com.graphpolicygateway.identity.Caller;

/**
 * Records, as refused entries of the access log, the reads of the auditors' API that the
 * gateway's security refuses before they reach an endpoint: no valid token (401), no
 * auditor permission (403); and the audit page's views that it refuses to a signed-in
 * user without the auditor permission (sent to the page's forbidden notice). The
 * endpoints record every other read themselves.
 */
public final class AuditReadRefusalWebFilter implements WebFilter, Ordered {

	/** Before Spring Security, whose refusals it records. */
	public static final int ORDER = GatewayStages.AUDIT_READ_REFUSALS;

	private static final String EVENTS_PREFIX = AuditEventsHandler.PATH + "/";

	/** The reads of the auditors' API, by path. */
	private static final Map<String, Kind> READS = Map.of(AuditEventsHandler.PATH, Kind.EVENTS,
			AuditEventsHandler.PATH + "/export", Kind.EXPORT, AuditAccessLogHandler.PATH, Kind.ACCESS_LOG,
			AuditAccessLogHandler.EXPORT_PATH, Kind.ACCESS_LOG_EXPORT, "/audit/verify", Kind.VERIFY,
			"/audit/checkpoints", Kind.CHECKPOINTS);

	private static final String PAGE_EVENTS_PREFIX = AuditPagePaths.PREFIX + "/events/";

	/** The audit page's views, by path. */
	private static final Map<String, Kind> PAGE_VIEWS = Map.of(AuditPagePaths.PAGE, Kind.PAGE, AuditPagePaths.ACCESS,
			Kind.PAGE_ACCESS_LOG, AuditPagePaths.EXPORT, Kind.PAGE_EXPORT);

	private final AuditAccessLog log;

	public AuditReadRefusalWebFilter(AuditAccessLog log) {
		Assert.notNull(log, "log cannot be null");
		this.log = log;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (exchange.getRequest().getMethod() != HttpMethod.GET) {
			return chain.filter(exchange);
		}
		Kind kind = readAt(exchange);
		if (kind != null) {
			AtomicBoolean recorded = new AtomicBoolean();
			exchange.getResponse().beforeCommit(() -> {
				recordRefusal(exchange, kind, recorded);
				return Mono.empty();
			});
			return chain.filter(exchange);
		}
		Kind view = pageViewAt(exchange);
		if (view != null) {
			AtomicBoolean recorded = new AtomicBoolean();
			exchange.getResponse().beforeCommit(() -> {
				recordPageRefusal(exchange, view, recorded);
				return Mono.empty();
			});
		}
		return chain.filter(exchange);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	private static @Nullable Kind readAt(ServerWebExchange exchange) {
		String path = exchange.getRequest().getPath().pathWithinApplication().value();
		Kind kind = READS.get(path);
		if (kind == null && path.startsWith(EVENTS_PREFIX) && path.indexOf('/', EVENTS_PREFIX.length()) < 0
				&& path.length() > EVENTS_PREFIX.length()) {
			return Kind.EVENT;
		}
		return kind;
	}

	private static @Nullable Kind pageViewAt(ServerWebExchange exchange) {
		String path = exchange.getRequest().getPath().pathWithinApplication().value();
		Kind kind = PAGE_VIEWS.get(path);
		if (kind == null && path.startsWith(PAGE_EVENTS_PREFIX) && path.length() > PAGE_EVENTS_PREFIX.length()
				&& path.indexOf('/', PAGE_EVENTS_PREFIX.length()) < 0) {
			return Kind.PAGE_EVENT;
		}
		return kind;
	}

	/**
	 * A page view Spring Security refused a signed-in user: it answers with a redirect to
	 * the forbidden notice (a user not signed in is sent to sign in instead, which is not
	 * a refusal).
	 */
	private void recordPageRefusal(ServerWebExchange exchange, Kind kind, AtomicBoolean recorded) {
		HttpStatusCode status = exchange.getResponse().getStatusCode();
		URI location = exchange.getResponse().getHeaders().getLocation();
		boolean refused = status != null && status.is3xxRedirection() && location != null
				&& AuditPagePaths.FORBIDDEN.equals(location.getPath());
		if (!refused || AuditAccessLog.isRecordedOn(exchange) || !recorded.compareAndSet(false, true)) {
			return;
		}
		// The page's permission check remembered who was refused.
		Caller caller = Caller.rememberedOn(exchange).orElse(null);
		this.log.refused(exchange, caller,
				Read.given(kind, (caller != null) ? caller.tenantId() : null, exchange.getRequest().getQueryParams()),
				"permission_denied");
	}

	private void recordRefusal(ServerWebExchange exchange, Kind kind, AtomicBoolean recorded) {
		HttpStatusCode status = exchange.getResponse().getStatusCode();
		boolean refusedBySecurity = status != null && (status.value() == HttpStatus.UNAUTHORIZED.value()
				|| status.value() == HttpStatus.FORBIDDEN.value());
		if (!refusedBySecurity || AuditAccessLog.isRecordedOn(exchange) || !recorded.compareAndSet(false, true)) {
			return;
		}
		GatewayRefusal refusal = GatewayRefusal.from(exchange);
		String reason = (refusal != null) ? refusal.reason()
				: (status.value() == HttpStatus.UNAUTHORIZED.value()) ? "token_invalid" : "permission_denied";
		Caller caller = Caller.rememberedOn(exchange).orElse(null);
		this.log.refused(exchange, caller,
				Read.given(kind, (caller != null) ? caller.tenantId() : null, exchange.getRequest().getQueryParams()),
				reason);
	}

}
