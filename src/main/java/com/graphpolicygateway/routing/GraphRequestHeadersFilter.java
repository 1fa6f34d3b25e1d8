package com.graphpolicygateway.routing;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import com.graphpolicygateway.graph.UpstreamAuthorization;
import com.graphpolicygateway.graph.GatewayStages;

/**
 * Decides, last of all request header filters, which of the caller's headers reach Graph:
 * an allow-list, so that cookies, forwarding and hop-by-hop headers (also those the
 * caller names in {@code Connection}), method overrides and anything a caller invents
 * stay at the gateway; Spring Cloud Gateway's own request-side removals are left out
 * ({@link RequestHeaderRemovals}). {@code Host} is always the upstream's (set by the
 * routing filter). {@code Authorization} is the credential the route chose for Graph (an
 * {@link UpstreamAuthorization} an earlier stage handed on), else the caller's own: set
 * here, where the forwarded headers are built anyway, instead of in one more copy of the
 * request.
 */
public final class GraphRequestHeadersFilter implements HttpHeadersFilter, Ordered {

	/** After every other request header filter, so nothing is added back afterwards. */
	public static final int ORDER = GatewayStages.FORWARDED_HEADERS;

	/** Headers forwarded to Graph when the caller sent them. */
	public static final Set<String> FORWARDED = caseInsensitive("Accept", "Accept-Language", "Authorization",
			"client-request-id", "ConsistencyLevel", "Content-Length", "Content-Type", "If-Match", "If-None-Match",
			"Prefer", "traceparent", "tracestate");

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		UpstreamAuthorization upstreamAuthorization = UpstreamAuthorization.from(exchange);
		Set<String> hopByHop = namedInConnection(input);
		HttpHeaders forwarded = new HttpHeaders();
		// Looked up by name: iterating the caller's headers would copy them all into a
		// case-insensitive set first (HttpHeaders.forEach), about 1 % of the event loops'
		// time in bench/run's profile.
		for (String name : FORWARDED) {
			if (hopByHop.contains(name)
					|| (upstreamAuthorization != null && HttpHeaders.AUTHORIZATION.equalsIgnoreCase(name))) {
				continue;
			}
			List<String> values = input.get(name);
			if (values != null) {
				forwarded.addAll(name, values);
			}
		}
		if (upstreamAuthorization != null) {
			forwarded.set(HttpHeaders.AUTHORIZATION, upstreamAuthorization.headerValue());
		}
		return forwarded;
	}

	@Override
	public boolean supports(Type type) {
		return type == Type.REQUEST;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	/**
	 * The headers the caller declared hop-by-hop in {@code Connection} (RFC 9110, 7.6.1):
	 * they are for the gateway, never forwarded, even when allow-listed.
	 */
	private static Set<String> namedInConnection(HttpHeaders input) {
		if (!input.containsHeader(HttpHeaders.CONNECTION)) {
			return Set.of();
		}
		Set<String> named = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		named.addAll(input.getConnection());
		return named;
	}

	private static Set<String> caseInsensitive(String... names) {
		Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		set.addAll(Set.of(names));
		return Collections.unmodifiableSet(set);
	}

}
