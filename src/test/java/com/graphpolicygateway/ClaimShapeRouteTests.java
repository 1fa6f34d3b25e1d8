package com.graphpolicygateway;

import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.SignedJWT;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Claims of an unexpected shape on the whole route: a token signed by a trusted issuer
 * whose {@code roles}, {@code scp}, {@code tid}, {@code oid}, {@code azp}, {@code appid},
 * {@code idtyp}, {@code upn}, {@code preferred_username}, {@code ver}, {@code sub} or
 * {@code aud} is a number, an object, an array of the wrong things, empty, huge or null
 * is refused with 401 {@code InvalidAuthenticationToken} and an RFC 6750 challenge, never
 * a 500; it leaves one audit event and reaches nothing upstream.
 */
class ClaimShapeRouteTests extends GatewayIntegrationTest {

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	/** Longer than any claim the gateway reads may be, shorter than the header limit. */
	static final String HUGE = "a".repeat(2000);

	private static final JsonMapper json = JsonMapper.builder().build();

	@Autowired
	JdbcTemplate jdbc;

	@ParameterizedTest(name = "{0} = {1}")
	@MethodSource("malformedClaims")
	void patchWhenClaimHasAnUnexpectedShapeThenUnauthorizedAuditedOnceAndNotForwarded(String claim, String description,
			@Nullable Object value) {
		String clientRequestId = UUID.randomUUID().toString();

		this.client.method(HttpMethod.PATCH)
			.uri("/users/" + UUID.randomUUID())
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + tokenWith(claim, value))
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE,
					(challenge) -> assertThat(challenge).startsWith("Bearer ").contains("error=\"invalid_token\""))
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("InvalidAuthenticationToken");

		assertThat(graph.received()).as("calls that reached Graph").isEmpty();
		assertThat(eventsOf(clientRequestId)).singleElement()
			.satisfies((event) -> assertThat(event).containsEntry("reason", "token_invalid")
				.containsEntry("decision", "refuse"));
	}

	@Test
	void patchWhenEveryClaimHasTheShapeEntraGivesItThenForwarded() {
		String token = identityProvider.token()
			.claim("preferred_username", "adele.vance@contoso.example")
			.claim("idtyp", "user")
			.claim("appid", "d3590ed6-52b3-4102-aeff-aad2292ab01c")
			.build();

		this.client.method(HttpMethod.PATCH)
			.uri("/users/" + UUID.randomUUID())
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(graph.received()).hasSize(1);
	}

	static Stream<Arguments> malformedClaims() {
		List<Arguments> rows = new ArrayList<>();
		Map<String, Object> wrongShapes = new LinkedHashMap<>();
		wrongShapes.put("a number", 42);
		wrongShapes.put("a boolean", true);
		wrongShapes.put("an object", Map.of("value", "x"));
		wrongShapes.put("null", null);
		for (String claim : List.of("roles", "scp", "tid", "oid", "azp", "appid", "idtyp", "upn", "preferred_username",
				"ver", "sub", "aud")) {
			wrongShapes.forEach((description, value) -> {
				// Nimbus itself reads a numeric sub as its text and a null one as absent.
				if (!(claim.equals("sub") && (value == null || value instanceof Number))) {
					rows.add(Arguments.of(claim, description, value));
				}
			});
		}
		for (String claim : List.of("scp", "tid", "oid", "azp", "appid", "idtyp", "upn", "preferred_username", "ver",
				"sub", "aud")) {
			rows.add(Arguments.of(claim, "an empty string", ""));
			rows.add(Arguments.of(claim, "a huge string", HUGE));
		}
		for (String claim : List.of("tid", "oid", "azp", "appid", "upn", "ver", "idtyp", "scp")) {
			rows.add(Arguments.of(claim, "an array of strings", List.of("a", "b")));
		}
		rows.add(Arguments.of("roles", "an array of arrays", List.of(List.of("DeviceManagementApps.ReadWrite.All"))));
		rows.add(Arguments.of("roles", "an array of numbers", List.of(1, 2)));
		rows.add(Arguments.of("roles", "an array holding null",
				Arrays.asList("DeviceManagementApps.ReadWrite.All", null)));
		rows.add(Arguments.of("roles", "an array of objects", List.of(Map.of("value", "x"))));
		rows.add(Arguments.of("roles", "an array holding an empty string",
				List.of("DeviceManagementApps.ReadWrite.All", "")));
		rows.add(Arguments.of("roles", "an array holding a huge string", List.of(HUGE)));
		rows.add(Arguments.of("roles", "a string", "DeviceManagementApps.ReadWrite.All"));
		rows.add(
				Arguments.of("scp", "scopes separated by two spaces", "User.Read  DeviceManagementApps.ReadWrite.All"));
		rows.add(Arguments.of("scp", "a scope with a control character",
				"User.Read DeviceManagementApps.ReadWrite.All\u0000"));
		rows.add(Arguments.of("upn", "a control character", "adele\r\n@contoso.example"));
		rows.add(Arguments.of("tid", "a tenant that is not a GUID", "contoso.onmicrosoft.com"));
		rows.add(Arguments.of("oid", "an object id that is not a GUID", "adele"));
		rows.add(Arguments.of("azp", "a client that is not a GUID", "my-app"));
		rows.add(Arguments.of("ver", "an unknown version", "3.0"));
		rows.add(Arguments.of("idtyp", "an unknown type", "APP USER"));
		rows.add(Arguments.of("aud", "an array of arrays", List.of(List.of(StubIdentityProvider.AUDIENCE))));
		rows.add(Arguments.of("aud", "an array holding null", Arrays.asList(StubIdentityProvider.AUDIENCE, null)));
		rows.add(Arguments.of("aud", "an empty array", List.of()));
		return rows.stream();
	}

	/**
	 * A valid token with one claim replaced, signed by the stub identity provider;
	 * written as JSON directly, so that a claim can be null or of any shape.
	 */
	private static String tokenWith(String claim, @Nullable Object value) {
		try {
			Map<String, Object> claims = new LinkedHashMap<>(
					SignedJWT.parse(identityProvider.validToken()).getPayload().toJSONObject());
			claims.put(claim, value);
			if (claim.equals("tid") && value instanceof String tenant && !tenant.isEmpty() && tenant.length() < 100) {
				// The issuer names the same tenant, so that only the claim's shape is
				// wrong.
				claims.put("iss", identityProvider.issuerV2(tenant));
			}
			JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
				.keyID(identityProvider.signingKey().getKeyID())
				.build(), new Payload(json.writeValueAsString(claims)));
			jws.sign(new RSASSASigner(identityProvider.signingKey()));
			return jws.serialize();
		}
		catch (ParseException | JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private List<Map<String, Object>> eventsOf(String clientRequestId) {
		return await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> !rows.isEmpty());
	}

}
