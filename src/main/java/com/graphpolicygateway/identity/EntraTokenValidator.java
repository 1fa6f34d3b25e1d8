package com.graphpolicygateway.identity;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.util.Assert;

import com.graphpolicygateway.system.GraphGatewayProperties.TrustedIssuer;

/**
 * The Entra-specific checks of a signed token from one trusted issuer: {@code tid} is a
 * GUID, {@code iss} equals the issuer (template filled with the token's own {@code tid},
 * which compares without letter case), and the audience is the gateway's own API, never
 * Microsoft Graph in any cloud (the confused-deputy rule), compared as {@link Audiences}
 * says. Runs after {@link EntraClaimShapes}: the claims it reads have their shape.
 */
final class EntraTokenValidator implements OAuth2TokenValidator<Jwt> {

	private final TrustedIssuer issuer;

	private final List<String> acceptedAudiences;

	/** The accepted audiences in the form tokens' audiences are compared in. */
	private final Set<String> canonicalAudiences;

	EntraTokenValidator(TrustedIssuer issuer, List<String> acceptedAudiences) {
		Assert.notNull(issuer, "issuer cannot be null");
		Assert.notEmpty(acceptedAudiences, "acceptedAudiences cannot be empty");
		for (String audience : acceptedAudiences) {
			Assert.isTrue(!Audiences.isMicrosoftGraph(audience),
					() -> "graph-gateway.identity.audiences must name the gateway's own API, never Microsoft Graph, "
							+ "but holds " + audience + ": a token for Graph is refused whatever else it names");
		}
		this.issuer = issuer;
		this.acceptedAudiences = List.copyOf(acceptedAudiences);
		this.canonicalAudiences = acceptedAudiences.stream().map(Audiences::canonical).collect(Collectors.toSet());
	}

	@Override
	public OAuth2TokenValidatorResult validate(Jwt jwt) {
		List<String> audiences = (jwt.getAudience() != null) ? jwt.getAudience() : List.of();
		if (audiences.stream().anyMatch(Audiences::isMicrosoftGraph)) {
			return invalid("The token's audience is Microsoft Graph. The gateway accepts only tokens issued for "
					+ "itself and obtains its own Graph token for each allowed call; relaying a token meant for Graph "
					+ "would make the gateway a confused deputy. Request a token for the gateway's API ("
					+ String.join(", ", this.acceptedAudiences) + ").");
		}
		if (audiences.stream().map(Audiences::canonical).noneMatch(this.canonicalAudiences::contains)) {
			return invalid("The token's audience is not accepted by this gateway.");
		}
		String tenantId = EntraClaims.tenantId(jwt);
		if (this.issuer.isTemplate() && tenantId == null) {
			return invalid("The token's tid claim must be a GUID.");
		}
		Object actualIssuer = jwt.getClaims().get("iss");
		if (!(actualIssuer instanceof String issued) || !isIssuer(issued, tenantId)) {
			return invalid("The token's issuer does not match its tenant.");
		}
		if (jwt.getExpiresAt() == null) {
			return invalid("The token has no expiry (exp).");
		}
		return OAuth2TokenValidatorResult.success();
	}

	/**
	 * Whether {@code iss} is the trusted issuer, compared exactly as OpenID Connect
	 * requires, except that the tenant id filled into a template is a GUID and so
	 * compares without letter case.
	 */
	private boolean isIssuer(String iss, @Nullable String tenantId) {
		String trusted = this.issuer.issuer();
		if (!this.issuer.isTemplate()) {
			return trusted.equals(iss);
		}
		if (tenantId == null) {
			return false;
		}
		int placeholder = trusted.indexOf(TrustedIssuer.TENANT_PLACEHOLDER);
		String before = trusted.substring(0, placeholder);
		String after = trusted.substring(placeholder + TrustedIssuer.TENANT_PLACEHOLDER.length());
		return iss.length() == before.length() + tenantId.length() + after.length() && iss.startsWith(before)
				&& iss.endsWith(after) && iss.regionMatches(true, before.length(), tenantId, 0, tenantId.length());
	}

	private static OAuth2TokenValidatorResult invalid(String description) {
		return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, description, null));
	}

}
