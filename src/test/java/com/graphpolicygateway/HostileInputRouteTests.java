package com.graphpolicygateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.jayway.jsonpath.JsonPath;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.RawReply;
import com.graphpolicygateway.test.StubGraph.Received;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile input on the whole route, one table row per attack: hostile tokens, bodies,
 * paths, headers and framing. Each row says what the caller must get (status and Graph
 * error code), how many calls may reach the stub Graph (none, except the two rows that
 * prove a header is ignored) and the one audit event the attempt leaves. Rows whose input
 * WebTestClient cannot produce (duplicate or conflicting headers, broken framing, raw
 * bytes) are written to a raw socket; rows that Netty itself refuses before the gateway's
 * code runs still get Graph's error shape, and leave no event.
 */
class HostileInputRouteTests extends GatewayIntegrationTest {

	static final String PERSONAL_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

	static final String OTHER_TENANT = "0e3f2a1b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	/** Audit expectation of rows that must leave no event. */
	static final String NO_EVENT = "<no event>";

	/** A second trusted issuer with keys of its own, to mix keys between issuers. */
	static final StubIdentityProvider otherIssuer = StubIdentityProvider.start();

	@Autowired
	JdbcTemplate jdbc;

	@DynamicPropertySource
	static void secondIssuer(DynamicPropertyRegistry registry) {
		registry.add("graph-gateway.identity.issuers[2].issuer", otherIssuer::issuerTemplateV2);
		registry.add("graph-gateway.identity.issuers[2].jwk-set-uri", otherIssuer::jwkSetUri);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void hostileInputIsRefusedWithoutReachingGraphAndAuditedOnce(String name, HostileCase hostile) {
		Request request = new Request(UUID.randomUUID().toString(), UUID.randomUUID().toString());

		RawReply reply = hostile.sender().send(this, request);

		assertThat(hostile.statuses()).as("status of %s (body: %s)", name, reply.text()).contains(reply.status());
		if (hostile.code() != null) {
			assertThat(reply.text()).as("Graph error shape").startsWith("{");
			assertThat((String) JsonPath.read(reply.text(), "$.error.code")).isEqualTo(hostile.code());
			assertThat((String) JsonPath.read(reply.text(), "$.error.innerError.request-id")).isNotBlank();
		}
		assertThat(graph.received()).as("calls that reached Graph").hasSize(hostile.upstreamCalls());
		graph.received().forEach(hostile.upstream());
		if (NO_EVENT.equals(hostile.audit())) {
			assertNoEvent(request.clientRequestId());
		}
		else if (hostile.audit() != null) {
			String correlationId = hostile.hostileClientRequestId()
					? JsonPath.read(reply.text(), "$.error.innerError.client-request-id") : request.clientRequestId();
			Map<String, Object> event = eventOf(correlationId);
			assertThat(event).containsEntry("reason", hostile.audit()).containsEntry("actor_ip_address", "127.0.0.1");
			hostile.event().accept(event);
		}
	}

	static Stream<Arguments> cases() {
		List<HostileCase> cases = new ArrayList<>();
		tokenCases(cases);
		bodyCases(cases);
		pathCases(cases);
		headerCases(cases);
		clientRequestIdCases(cases);
		return cases.stream().map((hostile) -> Arguments.of(hostile.name(), hostile));
	}

	private static void tokenCases(List<HostileCase> cases) {
		cases.add(invalidToken("token alg none", (r) -> new PlainJWT(claimsOf(validToken())).serialize()));
		cases.add(invalidToken("token HS256 signed with the public key", (r) -> hmacWithPublicKey()));
		cases.add(invalidToken("token expired",
				(r) -> identityProvider.token().expiresAt(Instant.now().minusSeconds(600)).build()));
		cases.add(invalidToken("token nbf in the future",
				(r) -> identityProvider.token().notBefore(Instant.now().plusSeconds(600)).build()));
		cases.add(invalidToken("token without exp", (r) -> identityProvider.token().without("exp").build()));
		cases.add(invalidToken("token from an untrusted issuer",
				(r) -> identityProvider.token()
					.issuer("https://login.evil.example/" + StubIdentityProvider.TENANT + "/v2.0")
					.build()));
		cases.add(invalidToken("token issuer names another tenant than tid",
				(r) -> identityProvider.token().issuer(identityProvider.issuerV2(OTHER_TENANT)).build()));
		cases.add(invalidToken("token of issuer B signed with issuer A's key",
				(r) -> identityProvider.token().issuer(otherIssuer.issuerV2(StubIdentityProvider.TENANT)).build()));
		cases.add(invalidToken("token of issuer A signed with issuer B's key",
				(r) -> otherIssuer.token().issuer(identityProvider.issuerV2(StubIdentityProvider.TENANT)).build()));
		cases.add(invalidToken("token for another audience",
				(r) -> identityProvider.token().audience("api://someone-else").build()));
		cases.add(invalidToken("token for Graph's audience (GUID)",
				(r) -> identityProvider.token().audience("00000003-0000-0000-c000-000000000000").build()));
		cases.add(invalidToken("token for Graph's audience (URL)",
				(r) -> identityProvider.token().audience("https://graph.microsoft.com").build()));
		cases.add(invalidToken("token for the gateway and for Graph's GUID in upper case",
				(r) -> identityProvider.token()
					.audience(StubIdentityProvider.AUDIENCE, "00000003-0000-0000-C000-000000000000")
					.build()));
		cases.add(invalidToken("token for the gateway and for Graph's URL in another case",
				(r) -> identityProvider.token()
					.audience(StubIdentityProvider.AUDIENCE, "https://GRAPH.microsoft.com")
					.build()));
		cases.add(invalidToken("token for the gateway and for Graph in a national cloud",
				(r) -> identityProvider.token()
					.audience(StubIdentityProvider.AUDIENCE, "https://dod-graph.microsoft.us")
					.build()));
		cases.add(invalidToken("token whose roles are an array of arrays",
				(r) -> identityProvider.token()
					.roles()
					.claim("roles", List.of(List.of("DeviceManagementApps.ReadWrite.All")))
					.build()));
		cases
			.add(invalidToken("token whose tid is a number", (r) -> identityProvider.token().claim("tid", 42).build()));
		cases.add(invalidToken("token naming an unknown kid",
				(r) -> identityProvider.token().keyId("unknown-" + UUID.randomUUID()).build()));
		cases.add(invalidToken("token truncated", (r) -> validToken().substring(0, validToken().length() - 20)));
		cases.add(invalidToken("token with bad base64", (r) -> badBase64(validToken())));
		cases.add(invalidToken("token of three garbage parts", (r) -> "!!!.@@@.###"));
		cases.add(HostileCase.refused("Authorization Basic scheme", 401, "InvalidAuthenticationToken", "token_invalid",
				(t, r) -> t.patch(r, "/users/" + r.userId(),
						(h) -> h.set(HttpHeaders.AUTHORIZATION, "Basic YWRlbGU6c2VjcmV0"), body(BODY))));
		cases.add(HostileCase.refused("Authorization Bearer without token", 401, "InvalidAuthenticationToken",
				"token_invalid", (t, r) -> t.patch(r, "/users/" + r.userId(),
						(h) -> h.set(HttpHeaders.AUTHORIZATION, "Bearer "), body(BODY))));
		cases.add(HostileCase.unparsable("token of 20 KB", 431, "requestTooLarge",
				(t, r) -> t.patch(r, "/users/" + r.userId(),
						(h) -> h.setBearerAuth(validToken() + "." + "A".repeat(20 * 1024)), body(BODY))));
		cases.add(HostileCase.refused("token only in the query string", 401, "InvalidAuthenticationToken",
				"token_invalid", (t, r) -> t.patch(r, "/users/" + r.userId() + "?access_token=" + validToken(),
						(h) -> h.remove(HttpHeaders.AUTHORIZATION), body(BODY))));
		cases.add(HostileCase.refused("two Authorization headers, valid one first", 401, "InvalidAuthenticationToken",
				"token_invalid",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of("Authorization: Bearer " + validToken(), "Authorization: Bearer not-a-jwt"),
						body(BODY)))));
		cases.add(HostileCase.refused("two Authorization headers, both valid", 401, "InvalidAuthenticationToken",
				"token_invalid",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of("Authorization: Bearer " + validToken(), "Authorization: Bearer " + validToken()),
						body(BODY)))));
		cases.add(HostileCase.refused("personal Microsoft account", 403, "Authorization_RequestDenied",
				"permission_denied",
				(t, r) -> t.patch(r, "/users/" + r.userId(),
						(h) -> h.setBearerAuth(identityProvider.token()
							.tenant(PERSONAL_TENANT)
							.issuer(identityProvider.issuerV2(PERSONAL_TENANT))
							.build()),
						body(BODY))));
	}

	private static void bodyCases(List<HostileCase> cases) {
		cases.add(invalidBody("body not JSON", body("displayName=Adele")));
		cases.add(invalidBody("body a JSON array", body("[{\"displayName\":\"Adele\"}]")));
		cases.add(invalidBody("body a JSON string", body("\"Adele\"")));
		cases.add(invalidBody("body nested 33 levels (max-json-depth 32)",
				body("{\"a\":" + "[".repeat(32) + "]".repeat(32) + "}")));
		cases.add(invalidBody("body nested 10,000 levels",
				body("{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}")));
		cases.add(invalidBody("body nested 10,000 objects", body("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000))));
		cases.add(invalidBody("body with a duplicate key",
				body("{\"displayName\":\"Adele\",\"displayName\":\"Mallory\"}")));
		cases.add(invalidBody("body with a duplicate key in a nested object",
				body("{\"passwordProfile\":{\"password\":\"a\",\"password\":\"b\"}}")));
		cases.add(invalidBody("body of invalid UTF-8", bytes("{\"displayName\":\"Ad", 0xC3, 0x28, "le\"}")));
		cases.add(invalidBody("body with an overlong UTF-8 slash", bytes("{\"displayName\":\"", 0xC0, 0xAF, "\"}")));
		cases.add(invalidBody("body with a NUL byte in a string", bytes("{\"displayName\":\"Ade", 0x00, "le\"}")));
		cases.add(invalidBody("body followed by a NUL byte", bytes(BODY, 0x00)));
		cases.add(invalidBody("body with a wrong @odata.type",
				body("{\"@odata.type\":\"#microsoft.graph.group\",\"displayName\":\"Adele\"}")));
		cases.add(invalidBody("body empty", new byte[0]));
		cases.add(invalidBody("body with trailing garbage", body(BODY + " garbage")));
		cases.add(invalidBody("body of two JSON objects", body(BODY + BODY)));
		cases.add(HostileCase.refused("body in UTF-16", 415, "unsupportedMediaType", "unsupported_media_type",
				(t, r) -> t.patch(r, "/users/" + r.userId(),
						(h) -> h.set(HttpHeaders.CONTENT_TYPE, "application/json; charset=UTF-16"),
						BODY.getBytes(StandardCharsets.UTF_16))));
		cases.add(HostileCase.refused("body declared ISO-8859-1", 415, "unsupportedMediaType", "unsupported_media_type",
				(t, r) -> t.patch(r, "/users/" + r.userId(),
						(h) -> h.set(HttpHeaders.CONTENT_TYPE, "application/json;charset=ISO-8859-1"), body(BODY))));
		cases.add(HostileCase.refused("body without Content-Type", 415, "unsupportedMediaType",
				"unsupported_media_type",
				(t, r) -> t.patch(r, "/users/" + r.userId(), (h) -> h.remove(HttpHeaders.CONTENT_TYPE), body(BODY))));
		cases.add(HostileCase.refused("body of 10 MB with Content-Length", 413, "requestTooLarge", "body_too_large",
				(t, r) -> t.patch(r, "/users/" + r.userId(), (h) -> {
				}, largeBody())));
		cases.add(HostileCase.refused("body of 10 MB chunked", 413, "requestTooLarge", "body_too_large",
				(t, r) -> t.rawChunked(r, "/users/" + r.userId(), largeBody())));
	}

	private static void pathCases(List<HostileCase> cases) {
		cases.add(invalidPath("path with plain dot segments", (r) -> "/users/../users/" + r.userId()));
		cases.add(invalidPath("path with a trailing dot segment", (r) -> "/users/" + r.userId() + "/.."));
		cases.add(invalidPath("path with percent-encoded dot segments", (r) -> "/users/%2e%2e/users/" + r.userId()));
		cases.add(invalidPath("path with mixed encoded dot segment", (r) -> "/users/.%2E/users/" + r.userId()));
		cases.add(invalidPath("path with an encoded slash", (r) -> "/users/" + r.userId() + "%2Fmanager"));
		cases.add(invalidPath("path with a double-encoded slash", (r) -> "/users/" + r.userId() + "%252Fmanager"));
		cases.add(invalidPath("path with an encoded backslash", (r) -> "/users/%5C..%5C" + r.userId()));
		cases.add(invalidPath("path with a matrix parameter", (r) -> "/users/" + r.userId() + ";x=1"));
		cases.add(invalidPath("path with a matrix parameter on users", (r) -> "/users;x=1/" + r.userId()));
		cases.add(invalidPath("path with //", (r) -> "//users/" + r.userId()));
		cases.add(invalidPath("path with // inside", (r) -> "/v1.0//users/" + r.userId()));
		cases.add(invalidPath("id of 300 characters", (r) -> "/users/" + "a".repeat(300)));
		cases.add(invalidPath("id with CR LF", (r) -> "/users/" + r.userId() + "%0D%0AX-Injected:%20yes"));
		cases.add(invalidPath("id with NUL", (r) -> "/users/" + r.userId() + "%00"));
		cases.add(invalidPath("id of invalid percent-encoded UTF-8", (r) -> "/users/ad%C3%28le@contoso.example"));
		cases.add(invalidPath("beta id with an encoded dot-dot-slash", (r) -> "/beta/users/%2e%2e%2fme"));
		cases.add(HostileCase.refused("path with a trailing slash", 404, "itemNotFound", "not_routed",
				(t, r) -> t.patch(r, "/users/" + r.userId() + "/", (h) -> {
				}, body(BODY))));
		cases.add(HostileCase.refused("path in upper case", 404, "itemNotFound", NO_EVENT,
				(t, r) -> t.patch(r, "/USERS/" + r.userId(), (h) -> {
				}, body(BODY))));
		cases.add(HostileCase.refused("path with an upper-case version", 404, "itemNotFound", NO_EVENT,
				(t, r) -> t.patch(r, "/V1.0/users/" + r.userId(), (h) -> {
				}, body(BODY))));
		cases.add(HostileCase.refused("sub-resource manager", 404, "itemNotFound", "not_routed",
				(t, r) -> t.patch(r, "/users/" + r.userId() + "/manager", (h) -> {
				}, body(BODY))));
		cases.add(HostileCase.refused("sub-resource of a versioned path", 404, "itemNotFound", "not_routed",
				(t, r) -> t.patch(r, "/beta/users/" + r.userId() + "/photo/$value", (h) -> {
				}, body(BODY))));
		cases.add(HostileCase.refused("path of raw invalid UTF-8 bytes", 400, "invalidRequest", "invalid_request",
				(t, r) -> t.raw(rawPatch(t, r, "/users/ad\u00C3\u0028le", List.of(bearer()), body(BODY)))));
	}

	private static void headerCases(List<HostileCase> cases) {
		cases.add(new HostileCase(
				"X-HTTP-Method-Override: DELETE is ignored", Set.of(204), null, "allowed", false, 1, (t, r) -> t
					.patch(r, "/users/" + r.userId(), (h) -> h.set("X-HTTP-Method-Override", "DELETE"), body(BODY)),
				(received) -> {
					assertThat(received.method()).isEqualTo("PATCH");
					assertThat(received.headers().containsHeader("X-HTTP-Method-Override")).isFalse();
				}, (event) -> {
				}));
		cases.add(new HostileCase("forged X-Forwarded-For is not the actor's address", Set.of(204), null, "allowed",
				false, 1,
				(t, r) -> t.patch(r, "/users/" + r.userId(),
						(h) -> h.set("X-Forwarded-For", "203.0.113.7, 198.51.100.1"), body(BODY)),
				(received) -> assertThat(received.headers().containsHeader("X-Forwarded-For")).isFalse(),
				(event) -> assertThat(event).containsEntry("actor_ip_address", "127.0.0.1")));
		cases.add(new HostileCase("forged Forwarded is not the actor's address", Set.of(204), null, "allowed", false, 1,
				(t, r) -> t.patch(r, "/users/" + r.userId(), (h) -> h.set("Forwarded", "for=203.0.113.7;proto=https"),
						body(BODY)),
				(received) -> assertThat(received.headers().containsHeader("Forwarded")).isFalse(), (event) -> {
				}));
		cases.add(HostileCase.unparsable("Content-Length with Transfer-Encoding chunked", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer(), "Content-Length: 5", "Transfer-Encoding: chunked"), chunked(body(BODY))))));
		cases.add(HostileCase.unparsable("two different Content-Length headers", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer(), "Content-Length: " + BODY.length(), "Content-Length: 2"), body(BODY)))));
		cases.add(HostileCase.unparsable("header of 20 KB", 431, "requestTooLarge",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer(), "X-Padding: " + "p".repeat(20 * 1024), "Content-Length: " + BODY.length()),
						body(BODY)))));
		cases.add(HostileCase.unparsable("obsolete line folding of a header", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer(), "X-Folded: a", " b", "Content-Length: " + BODY.length()), body(BODY)))));
		cases.add(HostileCase.unparsable("obsolete line folding of the Authorization header", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of("Authorization: Bearer", "\t" + validToken(), "Content-Length: " + BODY.length()),
						body(BODY)))));
		for (String codings : new String[] { "gzip, chunked", "chunked, gzip", "identity", "xchunked" }) {
			cases.add(HostileCase.unparsable("Transfer-Encoding " + codings, 400, "invalidRequest",
					(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
							List.of(bearer(), "Transfer-Encoding: " + codings), chunked(body(BODY))))));
		}
		cases.add(HostileCase.unparsable("two Transfer-Encoding chunked headers", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer(), "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
						chunked(body(BODY))))));
		cases.add(HostileCase.unparsable("Transfer-Encoding in HTTP/1.0", 400, "invalidRequest",
				(t, r) -> t.raw(rawRequest(t, r, "PATCH /users/" + r.userId() + " HTTP/1.0",
						List.of("Host: 127.0.0.1:" + t.port), List.of(bearer(), "Transfer-Encoding: chunked"),
						chunked(body(BODY))))));
		cases.add(HostileCase.unparsable("two equal Content-Length headers", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer(), "Content-Length: " + BODY.length(), "Content-Length: " + BODY.length()),
						body(BODY)))));
		cases.add(HostileCase.unparsable("Content-Length as a list", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer(), "Content-Length: " + BODY.length() + ", " + BODY.length()), body(BODY)))));
		cases.add(HostileCase.unparsable("Content-Length with a plus sign", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer(), "Content-Length: +" + BODY.length()), body(BODY)))));
		cases.add(HostileCase.unparsable("tab before a header's colon", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer(), "X-Name\t: value", "Content-Length: " + BODY.length()), body(BODY)))));
		cases.add(HostileCase.unparsable("request line of 5 KB", 414, "requestTooLarge",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId() + "?" + "q".repeat(5 * 1024),
						List.of(bearer(), "Content-Length: " + BODY.length()), body(BODY)))));
		cases.add(HostileCase.unparsable("1000 short header lines", 431, "requestTooLarge",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(), manyHeaders(1000), body(BODY)))));
		cases.add(HostileCase.refused("two Host headers", 400, "invalidRequest", "invalid_request",
				(t, r) -> t.raw(rawRequest(t, r, "PATCH /users/" + r.userId() + " HTTP/1.1",
						List.of("Host: 127.0.0.1:" + t.port, "Host: attacker.example"), List.of(bearer()),
						body(BODY)))));
		cases.add(HostileCase.refused("no Host header in HTTP/1.1", 400, "invalidRequest", "invalid_request",
				(t, r) -> t.raw(rawRequest(t, r, "PATCH /users/" + r.userId() + " HTTP/1.1", List.of(),
						List.of(bearer()), body(BODY)))));
		for (String host : new String[] { "", "attacker example", "user@attacker.example" }) {
			cases.add(HostileCase.refused("invalid Host '" + host + "'", 400, "invalidRequest", "invalid_request",
					(t, r) -> t.raw(rawRequest(t, r, "PATCH /users/" + r.userId() + " HTTP/1.1",
							List.of("Host: " + host), List.of(bearer()), body(BODY)))));
		}
		// Reactor Netty reads the port of Host itself, and refuses one it cannot.
		cases.add(HostileCase.unparsable("Host with an invalid port", 400, "invalidRequest",
				(t, r) -> t.raw(rawRequest(t, r, "PATCH /users/" + r.userId() + " HTTP/1.1",
						List.of("Host: attacker.example:80x"), List.of(bearer()), body(BODY)))));
		cases.add(HostileCase.refused("absolute request target naming another host than Host", 400, "invalidRequest",
				"invalid_request",
				(t, r) -> t.raw(rawRequest(t, r, "PATCH http://attacker.example/users/" + r.userId() + " HTTP/1.1",
						List.of("Host: 127.0.0.1:" + t.port), List.of(bearer()), body(BODY)))));
		cases.add(HostileCase
			.refused("absolute request target with user information", 400, "invalidRequest", "invalid_request",
					(t, r) -> t.raw(rawRequest(t, r,
							"PATCH http://user@127.0.0.1:" + t.port + "/users/" + r.userId() + " HTTP/1.1",
							List.of("Host: 127.0.0.1:" + t.port), List.of(bearer()), body(BODY)))));
		cases.add(HostileCase.refused("two Content-Type headers", 400, "invalidRequest", "invalid_request", (t, r) -> t
			.raw(rawPatch(t, r, "/users/" + r.userId(), List.of(bearer(), "Content-Type: text/plain"), body(BODY)))));
		cases.add(HostileCase.unparsable("CR LF injected into the request line", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId() + "\r\nX-Injected: yes",
						List.of(bearer(), "Content-Length: " + BODY.length()), body(BODY)))));
		cases.add(HostileCase.unparsable("space before a header's colon", 400, "invalidRequest",
				(t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of("Authorization : Bearer " + validToken(), "Content-Length: " + BODY.length()),
						body(BODY)))));
		// Netty accepts the byte 0x85 (obs-text); Spring Security's firewall refuses the
		// C1
		// control character it reads as.
		cases.add(HostileCase.refused("control character in the Authorization header", 400, "invalidRequest",
				"invalid_request", (t, r) -> t.raw(rawPatch(t, r, "/users/" + r.userId(),
						List.of(bearer() + "\u0085", "Content-Length: " + BODY.length()), body(BODY)))));
		for (String method : new String[] { "GET", "POST", "PUT", "DELETE" }) {
			cases.add(new HostileCase(method + " on the route", Set.of(405), "methodNotAllowed", NO_EVENT, false, 0,
					(t, r) -> t.send(HttpMethod.valueOf(method), r, "/users/" + r.userId(), (h) -> {
					}, method.equals("GET") || method.equals("DELETE") ? null : body(BODY)), (received) -> {
					}, (event) -> {
					}));
		}
	}

	private static void clientRequestIdCases(List<HostileCase> cases) {
		cases.add(invalidClientRequestId("client-request-id not a GUID",
				(h) -> h.set("client-request-id", "not-a-guid")));
		cases.add(invalidClientRequestId("client-request-id in braces",
				(h) -> h.set("client-request-id", "{" + UUID.randomUUID() + "}")));
		cases.add(invalidClientRequestId("client-request-id SQL injection",
				(h) -> h.set("client-request-id", "'; DROP TABLE audit_event; --")));
		cases.add(invalidClientRequestId("client-request-id of 300 characters",
				(h) -> h.set("client-request-id", "a".repeat(300))));
		cases.add(invalidClientRequestId("two client-request-ids", (h) -> h.put("client-request-id",
				List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString()))));
	}

	private static HostileCase invalidToken(String name, TokenMaker token) {
		return HostileCase.refused(name, 401, "InvalidAuthenticationToken", "token_invalid",
				(t, r) -> t.patch(r, "/users/" + r.userId(), (h) -> h.setBearerAuth(token.make(r)), body(BODY)));
	}

	private static HostileCase invalidBody(String name, byte[] body) {
		return HostileCase.refused(name, 400, "invalidRequest", "invalid_request",
				(t, r) -> t.patch(r, "/users/" + r.userId(), (h) -> {
				}, body));
	}

	private static HostileCase invalidPath(String name, PathMaker path) {
		return HostileCase.refused(name, 400, "invalidRequest", "invalid_request",
				(t, r) -> t.patch(r, path.make(r), (h) -> {
				}, body(BODY)));
	}

	private static HostileCase invalidClientRequestId(String name, Consumer<HttpHeaders> headers) {
		return new HostileCase(name, Set.of(400), "invalidRequest", "invalid_request", true, 0,
				(t, r) -> t.patch(r, "/users/" + r.userId(), headers, body(BODY)), (received) -> {
				}, (event) -> {
				});
	}

	private RawReply patch(Request request, String path, Consumer<HttpHeaders> headers, byte[] body) {
		return send(HttpMethod.PATCH, request, path, headers, body);
	}

	private RawReply send(HttpMethod method, Request request, String path, Consumer<HttpHeaders> headers,
			byte @Nullable [] body) {
		HttpHeaders all = new HttpHeaders();
		all.setBearerAuth(validToken());
		all.set("client-request-id", request.clientRequestId());
		all.set(HttpHeaders.CONTENT_TYPE, "application/json");
		headers.accept(all);
		var spec = this.client.method(method)
			.uri(URI.create("http://127.0.0.1:" + this.port + path))
			.headers((h) -> h.addAll(all));
		EntityExchangeResult<byte[]> result = ((body != null) ? spec.bodyValue(body) : spec).exchange()
			.expectBody()
			.returnResult();
		byte[] answer = result.getResponseBody();
		return new RawReply(result.getStatus().value(), (answer != null) ? answer : new byte[0]);
	}

	private RawReply raw(byte[] request) {
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(15_000);
			OutputStream out = socket.getOutputStream();
			out.write(request);
			out.flush();
			return RawReply.read(new BufferedInputStream(socket.getInputStream()));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Streams a chunked body while reading the answer, which may come before the end. */
	private RawReply rawChunked(Request request, String path, byte[] body) {
		byte[] head = rawPatch(this, request, path, List.of(bearer(), "Transfer-Encoding: chunked"), new byte[0]);
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(15_000);
			OutputStream out = socket.getOutputStream();
			Thread writer = new Thread(() -> {
				try {
					out.write(head);
					for (int offset = 0; offset < body.length; offset += 65536) {
						int length = Math.min(65536, body.length - offset);
						out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
						out.write(body, offset, length);
						out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
					}
					out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
					out.flush();
				}
				catch (IOException ex) {
					// The gateway may answer and close before the whole body is sent.
				}
			});
			writer.start();
			RawReply reply = RawReply.read(new BufferedInputStream(socket.getInputStream()));
			writer.join(15_000);
			return reply;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A PATCH written byte for byte; every char of the head is one byte (ISO-8859-1), so
	 * raw bytes can be put in it.
	 */
	private static byte[] rawPatch(HostileInputRouteTests test, Request request, String target, List<String> headers,
			byte[] body) {
		StringBuilder head = new StringBuilder("PATCH " + target + " HTTP/1.1\r\n");
		head.append("Host: 127.0.0.1:").append(test.port).append("\r\n");
		head.append("Connection: close\r\n");
		head.append("Content-Type: application/json\r\n");
		head.append("client-request-id: ").append(request.clientRequestId()).append("\r\n");
		boolean framed = headers.stream()
			.anyMatch((h) -> h.regionMatches(true, 0, "Content-Length", 0, 14)
					|| h.regionMatches(true, 0, "Transfer-Encoding", 0, 17));
		if (!framed && body.length > 0) {
			head.append("Content-Length: ").append(body.length).append("\r\n");
		}
		headers.forEach((header) -> head.append(header).append("\r\n"));
		head.append("\r\n");
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		bytes.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
		bytes.writeBytes(body);
		return bytes.toByteArray();
	}

	/**
	 * A request written byte for byte with its own request line and {@code Host} lines
	 * (none is added); otherwise as {@link #rawPatch}.
	 */
	private static byte[] rawRequest(HostileInputRouteTests test, Request request, String requestLine,
			List<String> hosts, List<String> headers, byte[] body) {
		byte[] patch = rawPatch(test, request, "/", headers, body);
		String text = new String(patch, StandardCharsets.ISO_8859_1);
		String hostLine = "Host: 127.0.0.1:" + test.port + "\r\n";
		String rest = text.substring(text.indexOf(hostLine) + hostLine.length());
		StringBuilder head = new StringBuilder(requestLine).append("\r\n");
		hosts.forEach((host) -> head.append(host).append("\r\n"));
		return (head + rest).getBytes(StandardCharsets.ISO_8859_1);
	}

	private static List<String> manyHeaders(int count) {
		List<String> headers = new ArrayList<>(List.of(bearer(), "Content-Length: " + BODY.length()));
		for (int i = 0; i < count; i++) {
			headers.add("X-H" + i + ": v");
		}
		return headers;
	}

	private Map<String, Object> eventOf(String correlationId) {
		List<Map<String, Object>> events = await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", correlationId),
					(rows) -> !rows.isEmpty()
							&& rows.stream().noneMatch((row) -> "pending".equals(row.get("activity_result"))));
		assertThat(events).as("events of %s", correlationId).hasSize(1);
		return events.get(0);
	}

	/**
	 * No event for the request: the writer commits in arrival order, so once a later
	 * request's event is there, an earlier one would be too.
	 */
	private void assertNoEvent(String correlationId) {
		Request barrier = new Request(UUID.randomUUID().toString(), UUID.randomUUID().toString());
		assertThat(patch(barrier, "/users/" + barrier.userId(), (h) -> {
		}, body(BODY)).status()).isEqualTo(204);
		eventOf(barrier.clientRequestId());
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM audit_event WHERE correlation_id = ?", Long.class,
				correlationId);
		assertThat(count).as("events of %s", correlationId).isZero();
	}

	private static String validToken() {
		return identityProvider.validToken();
	}

	private static String bearer() {
		return "Authorization: Bearer " + validToken();
	}

	private static String hmacWithPublicKey() {
		try {
			RSAKey key = identityProvider.signingKey();
			SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).build(),
					claimsOf(validToken()));
			forged.sign(new MACSigner(key.toPublicJWK().toRSAPublicKey().getEncoded()));
			return forged.serialize();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String badBase64(String token) {
		String[] parts = token.split("\\.");
		return parts[0] + "." + parts[1].substring(0, 10) + "*%$" + parts[1].substring(10) + "." + parts[2];
	}

	private static JWTClaimsSet claimsOf(String token) {
		try {
			return SignedJWT.parse(token).getJWTClaimsSet();
		}
		catch (java.text.ParseException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static byte[] body(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/** Text and raw byte values, concatenated. */
	private static byte[] bytes(Object... parts) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		for (Object part : parts) {
			if (part instanceof Integer b) {
				bytes.write(b);
			}
			else {
				bytes.writeBytes(body((String) part));
			}
		}
		return bytes.toByteArray();
	}

	private static byte[] chunked(byte[] body) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		bytes.writeBytes((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
		bytes.writeBytes(body);
		bytes.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
		return bytes.toByteArray();
	}

	private static byte[] largeBody() {
		return body("{\"displayName\":\"" + "a".repeat(10 * 1024 * 1024) + "\"}");
	}

	/** One request's own ids: its client-request-id and the user it targets. */
	record Request(String clientRequestId, String userId) {
	}

	/** What came back: the status (0 when the connection closed unanswered) and body. */
	@FunctionalInterface
	interface Sender {

		RawReply send(HostileInputRouteTests test, Request request);

	}

	@FunctionalInterface
	interface TokenMaker {

		String make(Request request);

	}

	@FunctionalInterface
	interface PathMaker {

		String make(Request request);

	}

	/**
	 * One row of the table.
	 *
	 * @param name what the attack is
	 * @param statuses the accepted statuses
	 * @param code the expected Graph {@code error.code}, or {@code null} when the call is
	 * forwarded (Graph answers)
	 * @param audit the expected reason of the one event, or {@link #NO_EVENT}
	 * @param hostileClientRequestId whether the client-request-id is the attack (the
	 * event is then found by the one the gateway made)
	 * @param upstreamCalls calls that may reach Graph
	 * @param sender sends the request
	 * @param upstream checks each call Graph received
	 * @param event checks the event further
	 */
	record HostileCase(String name, Set<Integer> statuses, @Nullable String code, @Nullable String audit,
			boolean hostileClientRequestId, int upstreamCalls, Sender sender, Consumer<Received> upstream,
			Consumer<Map<String, Object>> event) {

		static HostileCase refused(String name, int status, @Nullable String code, @Nullable String audit,
				Sender sender) {
			return new HostileCase(name, Set.of(status), code, audit, false, 0, sender, (received) -> {
			}, (event) -> {
			});
		}

		/**
		 * A request Netty cannot parse: answered in Graph's shape before any filter, and
		 * not audited (nothing in it can be trusted).
		 */
		static HostileCase unparsable(String name, int status, String code, Sender sender) {
			return new HostileCase(name, Set.of(status), code, NO_EVENT, false, 0, sender, (received) -> {
			}, (event) -> {
			});
		}

		@Override
		public String toString() {
			return this.name;
		}

	}

}
