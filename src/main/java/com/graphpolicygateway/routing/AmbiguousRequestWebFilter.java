package com.graphpolicygateway.routing;

import java.util.List;

import io.netty.handler.codec.http.HttpVersion;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GatewayStages;

/**
 * Refuses a request that could be read two ways with 400 in Graph's shape, and closes its
 * connection: a proxy in front of the gateway may have read it the other way. RFC 9112,
 * 3.2: exactly one {@code Host} (none is allowed in HTTP/1.0 only) holding a valid
 * {@code uri-host [":" port]}; a request target in absolute form whose authority is the
 * {@code Host}'s (RFC 9112, 3.2.2 lets an origin server ignore {@code Host} instead: the
 * gateway refuses, stricter) and holds no user information; and one {@code Content-Type}
 * (a singleton field). More than one {@code Authorization} is refused by Spring
 * Security's bearer token reading, more than one {@code client-request-id} by
 * {@link ClientRequestIdWebFilter}, and conflicting framing by Netty's decoder and
 * {@link RequestArrivalGuard}, before any filter.
 * <p>
 * Runs once the correlation ids are given and before Spring Security, so that a refusal
 * aimed at the Graph route is audited like any other.
 */
final class AmbiguousRequestWebFilter implements WebFilter, Ordered {

	/** Right after the correlation ids, before Spring Security. */
	static final int ORDER = GatewayStages.ONE_READING;

	private final GraphErrorResponder errors;

	AmbiguousRequestWebFilter(GraphErrorResponder errors) {
		Assert.notNull(errors, "errors cannot be null");
		this.errors = errors;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String ambiguity = ambiguity(exchange.getRequest());
		if (ambiguity == null) {
			return chain.filter(exchange);
		}
		return this.errors.respond(exchange, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, ambiguity,
				(headers) -> headers.set(HttpHeaders.CONNECTION, "close"));
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	private static @Nullable String ambiguity(ServerHttpRequest request) {
		HttpServerRequest served = served(request);
		List<String> hosts = request.getHeaders().getOrEmpty(HttpHeaders.HOST);
		if (hosts.size() > 1) {
			return "The request carries more than one Host header.";
		}
		if (hosts.isEmpty()) {
			boolean http10 = served == null || HttpVersion.HTTP_1_0.equals(served.version());
			return http10 ? contentTypeAmbiguity(request) : "An HTTP/1.1 request must carry a Host header.";
		}
		String host = hosts.get(0);
		if (!isHostAndPort(host)) {
			return "The Host header is not a valid host and port.";
		}
		String target = (served != null) ? served.uri() : null;
		if (target != null && isAbsoluteForm(target)) {
			String authority = authorityOf(target);
			if (authority.indexOf('@') >= 0 || !isHostAndPort(authority)) {
				return "The request target's authority is not a valid host and port.";
			}
			if (!sameAuthority(authority, host, target.regionMatches(true, 0, "https:", 0, 6) ? 443 : 80)) {
				return "The Host header names another authority than the request target.";
			}
		}
		return contentTypeAmbiguity(request);
	}

	private static @Nullable String contentTypeAmbiguity(ServerHttpRequest request) {
		return (request.getHeaders().getOrEmpty(HttpHeaders.CONTENT_TYPE).size() > 1)
				? "The request carries more than one Content-Type header." : null;
	}

	/** The Reactor Netty request under the exchange's, if it is served by one. */
	private static @Nullable HttpServerRequest served(ServerHttpRequest request) {
		try {
			Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
			return (nativeRequest instanceof HttpServerRequest served) ? served : null;
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			return null; // a mock request, in tests
		}
	}

	private static boolean isAbsoluteForm(String target) {
		int colon = target.indexOf("://");
		if (colon <= 0) {
			return false;
		}
		for (int i = 0; i < colon; i++) {
			char c = target.charAt(i);
			if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
				return false;
			}
		}
		return true;
	}

	private static String authorityOf(String target) {
		int start = target.indexOf("://") + 3;
		int end = start;
		while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
			end++;
		}
		return target.substring(start, end);
	}

	/**
	 * Whether two {@code host[:port]} values name the same authority: hosts without
	 * letter case, an absent port as the scheme's default.
	 */
	private static boolean sameAuthority(String target, String host, int defaultPort) {
		return hostOf(target).equalsIgnoreCase(hostOf(host))
				&& portOf(target, defaultPort) == portOf(host, defaultPort);
	}

	private static String hostOf(String authority) {
		int colon = portColon(authority);
		return (colon < 0) ? authority : authority.substring(0, colon);
	}

	private static int portOf(String authority, int defaultPort) {
		int colon = portColon(authority);
		return (colon < 0) ? defaultPort : Integer.parseInt(authority.substring(colon + 1));
	}

	/** The colon before the port, outside an IP literal's brackets, or -1. */
	private static int portColon(String authority) {
		int colon = authority.lastIndexOf(':');
		return (colon > authority.lastIndexOf(']')) ? colon : -1;
	}

	/**
	 * Whether the value is {@code uri-host [":" port]} (RFC 3986, 3.2.2 and 3.2.3): an IP
	 * literal in brackets, or a name of unreserved characters, percent-encodings and
	 * sub-delimiters, then optionally a port of one to five digits up to 65535.
	 */
	static boolean isHostAndPort(String value) {
		int colon = portColon(value);
		String host = (colon < 0) ? value : value.substring(0, colon);
		if (colon >= 0) {
			String port = value.substring(colon + 1);
			if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch((c) -> c >= '0' && c <= '9')
					|| Integer.parseInt(port) > 65535) {
				return false;
			}
		}
		if (host.startsWith("[")) {
			return host.length() > 2 && host.endsWith("]")
					&& host.substring(1, host.length() - 1)
						.chars()
						.allMatch((c) -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
		}
		if (host.isEmpty()) {
			return false;
		}
		for (int i = 0; i < host.length(); i++) {
			char c = host.charAt(i);
			if (c == '%') {
				if (i + 2 >= host.length() || Character.digit(host.charAt(i + 1), 16) < 0
						|| Character.digit(host.charAt(i + 2), 16) < 0) {
					return false;
				}
				i += 2;
			}
			else if (!isRegNameCharacter(c)) {
				return false;
			}
		}
		return true;
	}

	private static boolean isRegNameCharacter(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
				|| "-._~!$&'()*+,;=".indexOf(c) >= 0;
	}

}
