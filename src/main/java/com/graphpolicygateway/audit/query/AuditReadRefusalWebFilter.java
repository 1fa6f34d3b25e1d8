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
		String path = exchange.getRequest().getPath().pathWithinApplication().value();
		Kind api = kindAt(path, READS, EVENTS_PREFIX, Kind.EVENT);
		Kind read = (api != null) ? api : kindAt(path, PAGE_VIEWS, PAGE_EVENTS_PREFIX, Kind.PAGE_EVENT);
		if (read != null) {
			AtomicBoolean recorded = new AtomicBoolean();
			exchange.getResponse().beforeCommit(() -> {
				String reason = (api != null) ? apiRefusal(exchange) : pageRefusal(exchange);
				if (reason != null && !AuditAccessLog.isRecordedOn(exchange) && recorded.compareAndSet(false, true)) {
					// The permission check remembered who was refused.
					Caller caller = Caller.rememberedOn(exchange).orElse(null);
					this.log.refused(exchange, caller, Read.given(read, (caller != null) ? caller.tenantId() : null,
							exchange.getRequest().getQueryParams()), reason);
				}
				return Mono.empty();
			});
		}
		return chain.filter(exchange);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	/** The kind of read at {@code path}: one of {@code reads}, or one event's. */
	private static @Nullable Kind kindAt(String path, Map<String, Kind> reads, String eventsPrefix, Kind event) {
		Kind kind = reads.get(path);
		if (kind == null && path.startsWith(eventsPrefix) && path.length() > eventsPrefix.length()
				&& path.indexOf('/', eventsPrefix.length()) < 0) {
			return event;
		}
		return kind;
	}

	/**
	 * Why the security refused a read of the API (401 or 403), or null when it did not.
	 */
	private static @Nullable String apiRefusal(ServerWebExchange exchange) {
		HttpStatusCode status = exchange.getResponse().getStatusCode();
		if (status == null || (status.value() != HttpStatus.UNAUTHORIZED.value()
				&& status.value() != HttpStatus.FORBIDDEN.value())) {
			return null;
		}
		GatewayRefusal refusal = GatewayRefusal.from(exchange);
		return (refusal != null) ? refusal.reason()
				: (status.value() == HttpStatus.UNAUTHORIZED.value()) ? "token_invalid" : "permission_denied";
	}

	/**
	 * {@code permission_denied} when the security refused a signed-in user a page view:
	 * it answers with a redirect to the forbidden notice (a user not signed in is sent to
	 * sign in instead, which is not a refusal); null otherwise.
	 */
	private static @Nullable String pageRefusal(ServerWebExchange exchange) {
		HttpStatusCode status = exchange.getResponse().getStatusCode();
		URI location = exchange.getResponse().getHeaders().getLocation();
		boolean refused = status != null && status.is3xxRedirection() && location != null
				&& AuditPagePaths.FORBIDDEN.equals(location.getPath());
		return refused ? "permission_denied" : null;
	}

}
