package com.graphpolicygateway.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.util.UriComponentsBuilder;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.test.AuditPageSession;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code graph-gateway.public-base-url} configured: absolute links, the sign-in's
 * redirect URI and the OpenAPI document's server are under it whatever the request's
 * {@code Host} or forwarding headers say, the sign-in round trip still works, and the
 * session cookie is {@code Secure} (the base URL is https, though the gateway itself is
 * reached over plain http, as behind a proxy that terminates TLS).
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = { "spring.main.cloud-platform=kubernetes",
		"graph-gateway.public-base-url=" + PublicBaseUrlRouteTests.PUBLIC,
		"graph-gateway.audit.global-auditors[0]=" + PublicBaseUrlRouteTests.GLOBAL_AUDITOR })
class PublicBaseUrlRouteTests extends GatewayIntegrationTest {

	static final String PUBLIC = "https://gateway.contoso.example";

	static final String GLOBAL_AUDITOR = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";

	private static final String HOSTILE = "Host: attacker.example\r\nX-Forwarded-Host: attacker.example\r\n"
			+ "X-Forwarded-Proto: http\r\nForwarded: host=attacker.example;proto=http";

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	AuditWriter writer;

	@Test
	void nextLinkWhenHostileHostThenUnderThePublicBaseUrl() throws IOException {
		String tenant = UUID.randomUUID().toString();
		for (int i = 0; i < 2; i++) {
			this.writer.complete(TestAuditEvents.pending()
				.tenantId(tenant)
				.correlationId(UUID.randomUUID().toString())
				.build()
				.completed("refused", "refuse", "permission_denied", null, null, 1L));
		}
		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.jdbc.queryForObject(
					"SELECT COUNT(*) FROM audit_event WHERE tenant_id = ? AND activity_result <> 'pending'",
					Integer.class, tenant) == 2);

		String answer = request("/audit/events?$top=1&tenant=" + tenant, "Authorization: Bearer "
				+ identityProvider.token().scopes("AuditLog.Read.All").claim("oid", GLOBAL_AUDITOR).build());

		assertThat(answer)
			.contains("\"@odata.nextLink\":\"" + PUBLIC + "/audit/events?$top=1&tenant=" + tenant + "&$skiptoken=")
			.doesNotContain("attacker");
	}

	@Test
	void signInWhenHostileHostThenTheRedirectUriIsUnderThePublicBaseUrl() throws IOException {
		String answer = request("/oauth2/authorization/audit-page", "Accept: text/html");

		String location = answer.lines()
			.filter((line) -> line.regionMatches(true, 0, "Location: ", 0, 10))
			.findFirst()
			.orElseThrow()
			.substring(10);
		assertThat(location).startsWith(identityProvider.baseUri());
		assertThat(UriComponentsBuilder.fromUriString(location).build(true).getQueryParams().getFirst("redirect_uri"))
			.isEqualTo(PUBLIC + "/login/oauth2/code/audit-page");
		assertThat(answer).doesNotContain("attacker");
	}

	@Test
	void signInThenTheRoundTripWorksAndTheSessionCookieIsSecure() {
		AuditPageSession session = new AuditPageSession(this.client, URI.create("http://127.0.0.1:" + this.port));

		URI landing = session.signIn("/audit");

		assertThat(landing).hasPath("/audit");
		assertThat(session.setCookieHeaders()).isNotEmpty()
			.allSatisfy((cookie) -> assertThat(cookie).contains("; Secure")
				.contains("; SameSite=Lax")
				.containsIgnoringCase("; HttpOnly"));
		session.client()
			.get()
			.uri("/audit")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((html) -> assertThat(html).contains("tenant " + StubIdentityProvider.TENANT));
	}

	@Test
	void openApiDocumentWhenHostileHostThenItsServerIsThePublicBaseUrl() throws IOException {
		String answer = request("/v3/api-docs", "Accept: application/json");

		assertThat(answer).contains("\"servers\":[{\"url\":\"" + PUBLIC + "\"").doesNotContain("attacker");
	}

	/** The whole answer to a GET with hostile host headers. */
	private String request(String target, String header) throws IOException {
		String head = "GET " + target + " HTTP/1.1\r\n" + HOSTILE + "\r\n" + header + "\r\nConnection: close\r\n\r\n";
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(20_000);
			OutputStream out = socket.getOutputStream();
			out.write(head.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
