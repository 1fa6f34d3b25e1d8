package com.graphpolicygateway.identity;

import java.util.List;
import java.util.Set;

import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.util.Assert;

import com.graphpolicygateway.system.GraphGatewayProperties.TrustedIssuer;

/**
 * The Entra-specific checks of a signed token from one trusted issuer: {@code tid} is a
 * GUID, {@code iss} equals the issuer (template filled with the token's own {@code tid}),
 * and the audience is the gateway's own API, never Microsoft Graph (the confused-deputy
 * rule).
 */
final class EntraTokenValidator implements OAuth2TokenValidator<Jwt> {

	/** Audiences of Microsoft Graph tokens: the app id and the resource URI. */
	static final Set<String> GRAPH_AUDIENCES = Set.of("00000003-0000-0000-c000-000000000000",
			"https://graph.microsoft.com", "https://graph.microsoft.com/");

	private final TrustedIssuer issuer;

	private final List<String> acceptedAudiences;

	EntraTokenValidator(TrustedIssuer issuer, List<String> acceptedAudiences) {
		Assert.notNull(issuer, "issuer cannot be null");
		Assert.notEmpty(acceptedAudiences, "acceptedAudiences cannot be empty");
		this.issuer = issuer;
		this.acceptedAudiences = List.copyOf(acceptedAudiences);
	}

	@Override
	public OAuth2TokenValidatorResult validate(Jwt jwt) {
		List<String> audiences = (jwt.getAudience() != null) ? jwt.getAudience() : List.of();
		if (audiences.stream().anyMatch(GRAPH_AUDIENCES::contains)) {
			return invalid("The token's audience is Microsoft Graph. The gateway accepts only tokens issued for "
					+ "itself and obtains its own Graph token for each allowed call; relaying a token meant for Graph "
					+ "would make the gateway a confused deputy. Request a token for the gateway's API ("
					+ String.join(", ", this.acceptedAudiences) + ").");
		}
		if (audiences.stream().noneMatch(this.acceptedAudiences::contains)) {
			return invalid("The token's audience is not accepted by this gateway.");
		}
		String tenantId = EntraClaims.tenantId(jwt);
		if (this.issuer.isTemplate() && tenantId == null) {
			return invalid("The token's tid claim must be a GUID.");
		}
		String expectedIssuer = this.issuer.isTemplate()
				? this.issuer.issuer().replace(TrustedIssuer.TENANT_PLACEHOLDER, tenantId) : this.issuer.issuer();
		Object actualIssuer = jwt.getClaims().get("iss");
		if (!expectedIssuer.equals(actualIssuer)) {
			return invalid("The token's issuer does not match its tenant.");
		}
		if (jwt.getExpiresAt() == null) {
			return invalid("The token has no expiry (exp).");
		}
		return OAuth2TokenValidatorResult.success();
	}

	private static OAuth2TokenValidatorResult invalid(String description) {
		return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, description, null));
	}

}
