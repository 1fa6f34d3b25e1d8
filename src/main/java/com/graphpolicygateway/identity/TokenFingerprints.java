package com.graphpolicygateway.identity;

import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

import com.graphpolicygateway.system.Ids;

/**
 * The SHA-256 of a caller's bearer token: what caches key a token by, never the token
 * itself. Hashed once per token, not once per cache and call.
 */
public final class TokenFingerprints {

	private TokenFingerprints() {
	}

	/** The hex SHA-256 of the authentication's token. */
	public static String of(JwtAuthenticationToken authentication) {
		if (authentication instanceof CallerAuthenticationToken caller) {
			return caller.tokenFingerprint();
		}
		return Ids.sha256Hex(authentication.getToken().getTokenValue());
	}

}
