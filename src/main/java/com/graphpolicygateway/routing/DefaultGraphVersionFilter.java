package com.graphpolicygateway.routing;

import java.net.URI;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.GatewayStages;

/**
 * Sends a bare path (such as {@code /users/{id}}) to Graph's default version
 * ({@link Operation#DEFAULT_VERSION}{@code /users/{id}}); a path that names its version
 * goes as it is. It rewrites the upstream URL that the gateway resolved for the call,
 * right after it is resolved, and leaves the request alone: a rewritten request path
 * copies all of the request's headers once more, on every call.
 */
public final class DefaultGraphVersionFilter implements GatewayFilter, Ordered {

	/** Right after the upstream URL is resolved from the request. */
	public static final int ORDER = GatewayStages.GRAPH_VERSION;

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (url != null && url.getRawPath() != null && isBare(url.getRawPath())) {
			exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, withDefaultVersion(url));
		}
		return chain.filter(exchange);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	private static boolean isBare(String path) {
		for (String version : Operation.VERSIONS) {
			if (path.startsWith(version + "/")) {
				return false;
			}
		}
		return true;
	}

	private static URI withDefaultVersion(URI url) {
		String query = url.getRawQuery();
		return URI.create(url.getScheme() + "://" + url.getRawAuthority() + Operation.DEFAULT_VERSION + url.getRawPath()
				+ ((query != null) ? "?" + query : ""));
	}

}
