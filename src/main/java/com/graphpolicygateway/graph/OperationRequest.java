package com.graphpolicygateway.graph;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

/**
 * A call that passed the request guard: the operation, its target (the path's last
 * variable, percent-decoded) and the top-level properties its body holds. Later stages
 * (policy, audit) read it from the exchange.
 *
 * @param operation the operation called
 * @param target the target's id as sent (a user's id or principal name, a device's id)
 * @param properties the body's top-level properties, in order
 */
public record OperationRequest(Operation operation, String target, List<BodyProperty> properties) {

	private static final String ATTRIBUTE = OperationRequest.class.getName();

	public OperationRequest {
		properties = List.copyOf(properties);
	}

	/** The names of the properties the body holds, in order. */
	public List<String> propertyNames() {
		return this.properties.stream().map(BodyProperty::name).toList();
	}

	/** The validated request stored on the exchange by the guard, if it ran. */
	public static @Nullable OperationRequest from(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	public void storeOn(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

}
