package com.graphpolicygateway.identity;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.server.ServerWebExchange;

/**
 * Who called, as the trusted token says: what the audit trail and the policy need, never
 * the token itself.
 *
 * @param type {@code Delegated} (a user through an app) or {@code Application} (app-only)
 * @param userId the user's object id ({@code oid}), for delegated callers
 * @param userPrincipalName the user's principal name, for delegated callers
 * @param applicationId the calling application ({@code azp} or {@code appid})
 * @param tenantId the caller's tenant ({@code tid})
 * @param permissions the delegated scopes or application roles the token holds
 */
public record Caller(String type, @Nullable String userId, @Nullable String userPrincipalName,
		@Nullable String applicationId, @Nullable String tenantId, List<String> permissions) implements Serializable {

	private static final String ATTRIBUTE = Caller.class.getName();

	public Caller {
		permissions = List.copyOf(permissions);
	}

	/**
	 * The caller of an authenticated bearer token, or the user signed in to the audit
	 * page (whose ID token's {@code roles} are the permissions).
	 */
	public static Optional<Caller> of(@Nullable Object principal) {
		if (principal instanceof CallerAuthenticationToken authentication) {
			return Optional.of(authentication.caller());
		}
		if (principal instanceof JwtAuthenticationToken authentication) {
			return Optional.of(ofBearer(authentication.getToken()));
		}
		if (principal instanceof OAuth2AuthenticationToken authentication
				&& authentication.getPrincipal() instanceof OidcUser user) {
			return Optional.of(ofSignedIn(user));
		}
		return Optional.empty();
	}

	static Caller ofBearer(Jwt jwt) {
		boolean appOnly = "app".equals(jwt.getClaimAsString("idtyp")) || jwt.getClaim(EntraClaims.SCOPES) == null;
		List<String> permissions = appOnly ? strings(jwt.getClaim(EntraClaims.ROLES))
				: Arrays.asList(jwt.getClaimAsString(EntraClaims.SCOPES).split(" "));
		// Shapes are checked at the edge (EntraClaimShapes); ids are GUIDs, kept in one
		// letter case so that buckets and policies see one caller.
		String applicationId = jwt.hasClaim("azp") ? EntraClaims.guid(jwt.getClaim("azp"))
				: EntraClaims.guid(jwt.getClaim("appid"));
		return new Caller(appOnly ? "Application" : "Delegated", appOnly ? null : EntraClaims.guid(jwt.getClaim("oid")),
				appOnly ? null : principalName(jwt.getClaims()), applicationId, EntraClaims.tenantId(jwt), permissions);
	}

	private static Caller ofSignedIn(OidcUser user) {
		// The page's own client: azp when the ID token names one, else its audience.
		String applicationId = user.getIdToken().getAuthorizedParty();
		List<String> audiences = user.getIdToken().getAudience();
		if (applicationId == null && audiences != null && !audiences.isEmpty()) {
			applicationId = audiences.get(0);
		}
		return new Caller("Delegated", EntraClaims.guid(user.getClaims().get("oid")), principalName(user.getClaims()),
				applicationId, EntraClaims.tenantId(user.getClaims()),
				strings(user.getClaims().get(EntraClaims.ROLES)));
	}

	private static @Nullable String principalName(Map<String, Object> claims) {
		Object upn = claims.get("upn");
		Object preferred = claims.get("preferred_username");
		return (upn instanceof String value) ? value : (preferred instanceof String value) ? value : null;
	}

	/**
	 * The caller remembered on the exchange by a refusal inside Spring Security, if any.
	 */
	public static Optional<Caller> rememberedOn(ServerWebExchange exchange) {
		return Optional.ofNullable(exchange.getAttribute(ATTRIBUTE));
	}

	static void remember(ServerWebExchange exchange, Authentication authentication) {
		of(authentication).ifPresent((caller) -> exchange.getAttributes().put(ATTRIBUTE, caller));
	}

	private static List<String> strings(@Nullable Object claim) {
		if (claim instanceof Collection<?> values) {
			return values.stream().map(String::valueOf).toList();
		}
		return (claim != null) ? List.of(String.valueOf(claim)) : List.of();
	}

}
