package com.graphpolicygateway.system;

/** The Spring profiles the gateway knows, named once for the features that step aside. */
public final class GatewayProfiles {

	/**
	 * Benchmarks only: the Graph route with no token check, policy, rate limit, audit or
	 * upstream credentials (routing's {@code BareRouteProfile}); every feature
	 * configuration steps aside when it is active.
	 */
	public static final String BARE = "bare";

	private GatewayProfiles() {
	}

}
