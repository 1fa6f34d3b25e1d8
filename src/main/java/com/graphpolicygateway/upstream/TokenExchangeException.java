package com.graphpolicygateway.upstream;

import org.jspecify.annotations.Nullable;

/**
 * The identity provider refused to issue a Graph token or could not be reached, or the
 * gateway could not prove its app registration.
 */
final class TokenExchangeException extends RuntimeException {

	private final @Nullable String error;

	private final @Nullable String description;

	TokenExchangeException(@Nullable String error, @Nullable String description, @Nullable Throwable cause) {
		super("Token request failed: " + error, cause, false, false);
		this.error = error;
		this.description = description;
	}

	/**
	 * The OAuth {@code error} code, the gateway's own when it could not make the request
	 * ({@link FederatedClientAssertion#UNREADABLE}), or null when the identity provider
	 * was not reached.
	 */
	@Nullable String error() {
		return this.error;
	}

	@Nullable String description() {
		return this.description;
	}

	/**
	 * Whether the identity provider blames the caller (its token or consent), not the
	 * gateway.
	 */
	boolean callerIsTheProblem() {
		return "invalid_grant".equals(this.error) || "interaction_required".equals(this.error)
				|| "consent_required".equals(this.error);
	}

	/**
	 * Whether the caller lacks consent or must interact, as opposed to presenting a bad
	 * token.
	 */
	boolean consentMissing() {
		return "interaction_required".equals(this.error) || "consent_required".equals(this.error)
				|| (this.description != null && this.description.contains("AADSTS65001"));
	}

}
