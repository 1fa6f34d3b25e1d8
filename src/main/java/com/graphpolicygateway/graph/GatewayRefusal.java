package com.graphpolicygateway.graph;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the gateway answered itself instead of relaying Graph: kept on the exchange so the
 * audit trail can record the decision and its reason code.
 *
 * @param status the status answered
 * @param code the Graph error code answered
 * @param reason the audit reason code (snake_case)
 */
public record GatewayRefusal(HttpStatusCode status, String code, String reason) {

	private static final String ATTRIBUTE = GatewayRefusal.class.getName();

	/** The refusal answered on this exchange, if any. */
	public static @Nullable GatewayRefusal from(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	/**
	 * The refusal answered on the exchange whose attributes these are, if any (for those
	 * who see the attributes only, as the request's observation does).
	 */
	public static @Nullable GatewayRefusal from(Map<String, Object> exchangeAttributes) {
		return (GatewayRefusal) exchangeAttributes.get(ATTRIBUTE);
	}

	void storeOn(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

	/** The reason code of a refusal answered with {@code status} and {@code code}. */
	static String reasonOf(HttpStatusCode status, String code) {
		return switch (status.value()) {
			case 400 -> "invalid_request";
			case 401 -> "token_invalid";
			case 403 -> "permission_denied";
			case 404 -> "not_routed";
			case 405 -> "method_not_allowed";
			case 413 -> "body_too_large";
			case 415 -> "unsupported_media_type";
			case 502 -> "upstream_unreachable";
			case 503 -> "dependency_unavailable";
			case 504 -> "upstream_timeout";
			default -> status.is4xxClientError() ? "invalid_request" : "gateway_error";
		};
	}

}
