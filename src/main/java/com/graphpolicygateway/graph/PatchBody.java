package com.graphpolicygateway.graph;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

/**
 * A PATCH request that passed the request guard: the target user and the top-level
 * properties the body changes. Later stages (policy, audit) read it from the exchange.
 *
 * @param targetUserId the user id or user principal name from the path, percent-decoded
 * @param properties the body's top-level properties, in order
 */
public record PatchBody(String targetUserId, List<BodyProperty> properties) {

	private static final String ATTRIBUTE = PatchBody.class.getName();

	public PatchBody {
		properties = List.copyOf(properties);
	}

	/** The names of the properties the body changes, in order. */
	public List<String> propertyNames() {
		return this.properties.stream().map(BodyProperty::name).toList();
	}

	/** The validated request stored on the exchange by the guard, if it ran. */
	public static @Nullable PatchBody from(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	public void storeOn(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

}
