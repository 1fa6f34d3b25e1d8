package com.graphpolicygateway.graph;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

/**
 * The operation a request calls, found once from its method and path: every stage that
 * needs it (the audit of early refusals, the permission check, the route's guard) reads
 * it from the exchange instead of matching again.
 *
 * @param operation the operation called
 * @param rawVariables each path variable's segment as sent, before percent-decoding
 */
public record OperationMatch(Operation operation, Map<String, String> rawVariables) {

	private static final String ATTRIBUTE = OperationMatch.class.getName();

	private static final Object NONE = new Object();

	public OperationMatch {
		rawVariables = Map.copyOf(rawVariables);
	}

	/** The segment of the target variable, as sent. */
	public String rawTarget() {
		return this.rawVariables.get(this.operation.targetVariable());
	}

	/**
	 * The match found earlier for this exchange, or null (none found, or not looked for).
	 */
	public static @Nullable OperationMatch from(ServerWebExchange exchange) {
		Object match = exchange.getAttribute(ATTRIBUTE);
		return (match instanceof OperationMatch found) ? found : null;
	}

	/** Whether the match was looked for on this exchange. */
	static boolean lookedFor(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE) != null;
	}

	static void store(ServerWebExchange exchange, @Nullable OperationMatch match) {
		exchange.getAttributes().put(ATTRIBUTE, (match != null) ? match : NONE);
	}

}
