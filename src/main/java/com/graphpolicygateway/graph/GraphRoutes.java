package com.graphpolicygateway.graph;

/** The one route the gateway serves, named once for routing and security alike. */
public final class GraphRoutes {

	/** Id of the PATCH /users/{id} route. */
	public static final String ROUTE_ID = "graph-users-patch";

	/**
	 * Paths routed to Graph; bare {@code /users/{id}} goes to {@code /v1.0/users/{id}}.
	 */
	public static final String[] PATTERNS = { "/users/{id}", "/v1.0/users/{id}", "/beta/users/{id}" };

	/**
	 * Paths whose PATCH requires a token and the permission: a superset of
	 * {@link #PATTERNS}, so that nothing the route could match escapes authentication.
	 */
	public static final String[] PROTECTED_PATTERNS = { "/users/**", "/v1.0/users/**", "/beta/users/**" };

	/** Graph version used for bare {@code /users/{id}}. */
	public static final String DEFAULT_VERSION = "/v1.0";

	private GraphRoutes() {
	}

}
