package com.graphpolicygateway;

import java.time.Instant;
import java.util.Base64;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller's token on the whole route: trusted issuers (v1 and v2 templates filled with
 * the token's own tenant), audience and the confused-deputy rule, algorithms, lifetimes
 * with 60 s skew, keys, and the required permission. Every refusal reaches nothing
 * upstream.
 */
class TokenRouteTests extends GatewayIntegrationTest {

	static final String USER_PATH = "/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String OTHER_TENANT = "0e3f2a1b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";

	@Test
	void patchWhenV2TokenHoldsDelegatedPermissionThenForwardedWithTheCallersTokenInPassthrough() {
		String token = identityProvider.validToken();

		patchWith(token).exchange().expectStatus().isNoContent();

		assertThat(graph.onlyRequest().headers().getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer " + token);
	}

	@Test
	void patchWhenV1IssuerOfTheTokensTenantThenForwarded() {
		String token = identityProvider.token()
			.issuer(identityProvider.issuerV1(StubIdentityProvider.TENANT))
			.claim("ver", "1.0")
			.build();

		patchWith(token).exchange().expectStatus().isNoContent();
	}

	@Test
	void patchWhenApplicationRoleHoldsPermissionThenForwarded() {
		String token = identityProvider.token().roles("DeviceManagementApps.ReadWrite.All").build();

		patchWith(token).exchange().expectStatus().isNoContent();
	}

	@Test
	void patchWhenNoTokenThenUnauthorizedWithBearerChallenge() {
		this.client.method(HttpMethod.PATCH)
			.uri(USER_PATH)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"graph-policy-gateway\"")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("InvalidAuthenticationToken")
			.jsonPath("$.error.message")
			.isEqualTo("Access token is empty.")
			.jsonPath("$.error.innerError.date")
			.isNotEmpty()
			.jsonPath("$.error.innerError.request-id")
			.isNotEmpty()
			.jsonPath("$.error.innerError.client-request-id")
			.isNotEmpty();

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenTokenOnlyInQueryStringThenUnauthorized() {
		this.client.method(HttpMethod.PATCH)
			.uri(USER_PATH + "?access_token=" + identityProvider.validToken())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isUnauthorized();

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "00000003-0000-0000-c000-000000000000", "https://graph.microsoft.com" })
	void patchWhenTokenAudienceIsGraphThenUnauthorizedExplainingTheConfusedDeputyRule(String graphAudience) {
		String token = identityProvider.token().audience(graphAudience).build();

		expectInvalidToken(token).jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("audience is Microsoft Graph")
				.contains("confused deputy")
				.contains(StubIdentityProvider.AUDIENCE));
	}

	@ParameterizedTest
	@ValueSource(strings = { "00000003-0000-0000-C000-000000000000", "https://GRAPH.microsoft.com",
			"https://graph.microsoft.com/", "HTTPS://Graph.Microsoft.Com./", "https://graph.microsoft.us",
			"https://dod-graph.microsoft.us", "https://microsoftgraph.chinacloudapi.cn", "https://graph.microsoft.de" })
	void patchWhenAudienceHoldsTheGatewayAndGraphInAnyCaseOrCloudThenUnauthorizedAndNotRelayedInPassthrough(
			String graphAudience) {
		String token = identityProvider.token().audience(StubIdentityProvider.AUDIENCE, graphAudience).build();

		expectInvalidToken(token).jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("confused deputy"));
	}

	@Test
	void patchWhenAudienceIsTheGatewaysInAnotherSchemeAndHostCaseThenForwarded() {
		String token = identityProvider.token().audience(StubIdentityProvider.AUDIENCE.toUpperCase()).build();

		patchWith(token).exchange().expectStatus().isNoContent();
	}

	@Test
	void patchWhenTidIsInUpperCaseThenForwarded() {
		String upper = StubIdentityProvider.TENANT.toUpperCase();
		String token = identityProvider.token().tenant(upper).issuer(identityProvider.issuerV2(upper)).build();

		patchWith(token).exchange().expectStatus().isNoContent();
	}

	@Test
	void patchWhenPersonalMicrosoftAccountInUpperCaseThenForbidden() {
		String personal = "9188040D-6C67-4C5B-B112-36A304B66DAD";
		String token = identityProvider.token().tenant(personal).issuer(identityProvider.issuerV2(personal)).build();

		patchWith(token).exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.message")
			.isEqualTo("Personal Microsoft accounts are not supported by this API.");

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenTokenAudienceIsAnotherApiThenUnauthorized() {
		expectInvalidToken(identityProvider.token().audience("api://someone-else").build()).jsonPath("$.error.message")
			.isEqualTo("The token's audience is not accepted by this gateway.");
	}

	@Test
	void patchWhenIssuerNamesAnotherTenantThanTidThenUnauthorized() {
		String token = identityProvider.token().issuer(identityProvider.issuerV2(OTHER_TENANT)).build();

		expectInvalidToken(token).jsonPath("$.error.message")
			.isEqualTo("The token's issuer does not match its tenant.");
	}

	@Test
	void patchWhenTidIsNotAGuidThenUnauthorized() {
		String token = identityProvider.token().tenant("contoso.onmicrosoft.com").build();

		expectInvalidToken(token);
	}

	@Test
	void patchWhenIssuerIsNotTrustedThenUnauthorized() {
		String token = identityProvider.token().issuer("https://login.evil.example/" + OTHER_TENANT + "/v2.0").build();

		expectInvalidToken(token);
	}

	@Test
	void patchWhenTokenExpiredBeyondSkewThenUnauthorized() {
		expectInvalidToken(identityProvider.token().expiresAt(Instant.now().minusSeconds(120)).build());
	}

	@Test
	void patchWhenTokenExpiredWithinSkewThenForwarded() {
		String token = identityProvider.token().expiresAt(Instant.now().minusSeconds(20)).build();

		patchWith(token).exchange().expectStatus().isNoContent();
	}

	@Test
	void patchWhenNotBeforeIsInTheFutureBeyondSkewThenUnauthorized() {
		expectInvalidToken(identityProvider.token().notBefore(Instant.now().plusSeconds(180)).build());
	}

	@Test
	void patchWhenTokenHasNoExpiryThenUnauthorized() {
		expectInvalidToken(identityProvider.token().without("exp").build());
	}

	@Test
	void patchWhenAlgorithmIsNoneThenUnauthorized() {
		JWTClaimsSet claims = claimsOf(identityProvider.validToken());

		expectInvalidToken(new PlainJWT(claims).serialize());
	}

	@Test
	void patchWhenHmacSignedWithThePublicKeyThenUnauthorized() throws Exception {
		RSAKey key = identityProvider.signingKey();
		SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).build(),
				claimsOf(identityProvider.validToken()));
		forged.sign(new MACSigner(key.toPublicJWK().toRSAPublicKey().getEncoded()));

		expectInvalidToken(forged.serialize());
	}

	@Test
	void patchWhenSignatureIsTamperedThenUnauthorized() {
		String token = identityProvider.validToken();
		String[] parts = token.split("\\.");
		String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("User.Read", "User.ReadX");
		String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes())
				+ "." + parts[2];

		expectInvalidToken(tampered);
	}

	@ParameterizedTest
	@ValueSource(strings = { "truncated", "not.a.jwt", "e30.e30", "!!!.@@@.###" })
	void patchWhenTokenIsMalformedThenUnauthorized(String kind) {
		String token = kind.equals("truncated") ? identityProvider.validToken().substring(0, 100) : kind;

		expectInvalidToken(token);
	}

	@Test
	void patchWhenSignedByAnUnknownKeyThenUnauthorizedAndKeysAreRefetchedAtMostOnce() {
		RSAKey unknown = StubIdentityProvider.newKey();
		patchWith(identityProvider.validToken()).exchange().expectStatus().isNoContent();
		graph.reset();
		int fetchesBefore = identityProvider.keyFetches();

		for (int i = 0; i < 3; i++) {
			expectInvalidToken(identityProvider.token().signedWith(unknown).build());
		}

		assertThat(identityProvider.keyFetches() - fetchesBefore).isLessThanOrEqualTo(1);
	}

	@Test
	void patchWhenScopeLacksThePermissionThenForbiddenWithInsufficientScope() {
		String token = identityProvider.token().scopes("User.Read DeviceManagementApps.ReadWrite.AllX").build();

		patchWith(token).exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE,
					(challenge) -> assertThat(challenge).startsWith("Bearer ")
						.contains("error=\"insufficient_scope\"")
						.contains("scope=\"DeviceManagementApps.ReadWrite.All\""))
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("Authorization_RequestDenied")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("DeviceManagementApps.ReadWrite.All"));

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenRolesLackThePermissionThenForbidden() {
		String token = identityProvider.token().roles("User.Read.All").build();

		patchWith(token).exchange().expectStatus().isForbidden();

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenPersonalMicrosoftAccountThenForbidden() {
		String personal = "9188040d-6c67-4c5b-b112-36a304b66dad";
		String token = identityProvider.token().tenant(personal).issuer(identityProvider.issuerV2(personal)).build();

		patchWith(token).exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("Authorization_RequestDenied")
			.jsonPath("$.error.message")
			.isEqualTo("Personal Microsoft accounts are not supported by this API.");

		assertThat(graph.received()).isEmpty();
	}

	private WebTestClient.BodyContentSpec expectInvalidToken(String token) {
		WebTestClient.BodyContentSpec body = patchWith(token).exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE,
					(challenge) -> assertThat(challenge).startsWith("Bearer ").contains("error=\"invalid_token\""))
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("InvalidAuthenticationToken");
		assertThat(graph.received()).isEmpty();
		return body;
	}

	private WebTestClient.RequestHeadersSpec<?> patchWith(String token) {
		return this.client.method(HttpMethod.PATCH)
			.uri(USER_PATH)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"displayName\":\"Adele Vance\"}");
	}

	private static JWTClaimsSet claimsOf(String token) {
		try {
			return SignedJWT.parse(token).getJWTClaimsSet();
		}
		catch (java.text.ParseException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
