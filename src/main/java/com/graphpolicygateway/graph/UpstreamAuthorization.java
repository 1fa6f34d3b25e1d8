package com.graphpolicygateway.graph;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

/**
 * The {@code Authorization} header Graph receives for a call, handed from the stage that
 * obtains the Graph token to the one that builds the forwarded headers. Without one, the
 * caller's own header is forwarded (passthrough).
 *
 * @param headerValue the header's value, {@code Bearer <token>}
 */
public record UpstreamAuthorization(String headerValue) {

	private static final String ATTRIBUTE = UpstreamAuthorization.class.getName();

	public UpstreamAuthorization {
		Assert.hasText(headerValue, "headerValue cannot be empty");
	}

	/** The header for a Graph access token. */
	public static UpstreamAuthorization bearer(String accessToken) {
		return new UpstreamAuthorization("Bearer " + accessToken);
	}

	/** Hands this authorization on to the later stages of {@code exchange}. */
	public void storeOn(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

	/** The authorization an earlier stage obtained for {@code exchange}, if any. */
	public static @Nullable UpstreamAuthorization from(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

}
