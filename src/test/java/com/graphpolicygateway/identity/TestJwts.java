package com.graphpolicygateway.identity;

import java.time.Instant;
import java.util.List;

import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Decoded Entra-shaped tokens for unit tests: a {@link Jwt} builder with valid defaults
 * (a delegated caller of {@link #TENANT} holding {@link #PERMISSION}, issued by Entra v2
 * for {@link #AUDIENCE}).
 */
final class TestJwts {

	static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

	static final String OTHER_TENANT = "3c7d2a55-1a4e-4f8b-9d0e-6b5a4c3d2e1f";

	static final String AUDIENCE = "api://graph-policy-gateway-test";

	static final String PERMISSION = "DeviceManagementApps.ReadWrite.All";

	private TestJwts() {
	}

	/**
	 * A token of {@link #TENANT} from the Entra v2 issuer, with {@code scp} holding the
	 * permission.
	 */
	static Jwt.Builder jwt() {
		Instant now = Instant.now();
		return Jwt.withTokenValue("token")
			.header("alg", "RS256")
			.header("kid", "test-key")
			.issuer(entraV2Issuer(TENANT))
			.claim(EntraClaims.TENANT_ID, TENANT)
			.audience(List.of(AUDIENCE))
			.issuedAt(now.minusSeconds(60))
			.notBefore(now.minusSeconds(60))
			.expiresAt(now.plusSeconds(3600))
			.claim(EntraClaims.SCOPES, "User.Read " + PERMISSION);
	}

	static String entraV2Issuer(String tenantId) {
		return "https://login.microsoftonline.com/" + tenantId + "/v2.0";
	}

	/** An authenticated caller, with authorities as the gateway derives them. */
	static JwtAuthenticationToken authentication(Jwt jwt) {
		return new JwtAuthenticationToken(jwt, new EntraAuthoritiesConverter().convert(jwt));
	}

}
