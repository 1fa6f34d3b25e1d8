package com.graphpolicygateway.upstream;

import java.time.Instant;

/**
 * An access token the gateway obtained for Graph, and when it stops being usable.
 *
 * @param value the bearer token (never logged)
 * @param expiresAt when the identity provider says it expires
 */
record UpstreamToken(String value, Instant expiresAt) {

	@Override
	public String toString() {
		return "UpstreamToken[expiresAt=" + this.expiresAt + "]";
	}

}
