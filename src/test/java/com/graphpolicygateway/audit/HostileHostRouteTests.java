package com.graphpolicygateway.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.query.AuditQuery;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.test.AuditPageSession;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * No answer of the gateway names a host, scheme or client address that a request's
 * headers chose: links, redirects, pages, error answers and the OpenAPI document, under a
 * hostile {@code Host}, {@code X-Forwarded-*} or {@code Forwarded} header or an absolute
 * request target, with no public base URL configured (links are then root-relative). Runs
 * as on Kubernetes, where Spring Boot would otherwise believe forwarding headers.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = { "spring.main.cloud-platform=kubernetes",
		"graph-gateway.audit.global-auditors[0]=" + HostileHostRouteTests.GLOBAL_AUDITOR })
class HostileHostRouteTests extends GatewayIntegrationTest {

	static final String GLOBAL_AUDITOR = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

	static final String ATTACKER = "attacker.example";

	private static final String FORGED_CLIENT = "203.0.113.66";

	private static boolean eventsWritten;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	AuditWriter writer;

	private String session = "";

	@BeforeEach
	void eventsForTwoPagesAndASignedInSession() {
		if (!eventsWritten) {
			// More than a page of the page's default size (50), in the auditor's tenant.
			for (int i = 0; i < AuditQuery.DEFAULT_TOP + 1; i++) {
				this.writer.complete(TestAuditEvents.pending()
					.tenantId(StubIdentityProvider.TENANT)
					.correlationId(UUID.randomUUID().toString())
					.build()
					.completed("refused", "refuse", "permission_denied", null, null, 1L));
			}
			await().atMost(Duration.ofSeconds(20))
				.until(() -> this.jdbc.queryForObject(
						"SELECT COUNT(*) FROM audit_event WHERE tenant_id = ? AND activity_result <> 'pending'",
						Integer.class, StubIdentityProvider.TENANT) > AuditQuery.DEFAULT_TOP);
			eventsWritten = true;
		}
		AuditPageSession page = new AuditPageSession(this.client, URI.create("http://127.0.0.1:" + this.port));
		page.signedIn();
		// The landing page makes the CSRF token, and the session id changes with it: the
		// requests below send the id the browser then holds.
		page.client().get().uri("/audit").exchange().expectStatus().isOk().expectBody().returnResult();
		this.session = page.cookie(AuditPageSession.COOKIE);
	}

	static Stream<Arguments> hostileHeaders() {
		return Stream.of(arguments("Host", "Host: " + ATTACKER),
				arguments("Host with port", "Host: " + ATTACKER + ":8443"),
				arguments("X-Forwarded-*",
						"Host: 127.0.0.1\r\nX-Forwarded-Host: " + ATTACKER + "\r\nX-Forwarded-Proto: https\r\n"
								+ "X-Forwarded-Port: 8443\r\nX-Forwarded-Prefix: //" + ATTACKER
								+ "\r\nX-Forwarded-For: " + FORGED_CLIENT),
				arguments("Forwarded",
						"Host: 127.0.0.1\r\nForwarded: host=" + ATTACKER + ";proto=https;for=" + FORGED_CLIENT),
				arguments("absolute request target", "Host: " + ATTACKER));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hostileHeaders")
	void answersWhenHostileHostHeadersThenNoneNamesTheAttackersHost(String name, String headers) throws IOException {
		String prefix = name.equals("absolute request target") ? "http://" + ATTACKER : "";
		String auditor = "Authorization: Bearer " + auditorToken();
		String cookie = "Cookie: " + AuditPageSession.COOKIE + "=" + this.session;
		Map<String, String> answers = new java.util.LinkedHashMap<>();
		answers.put("API page", get(prefix + "/audit/events?$top=1&result=refused", headers, auditor));
		answers.put("API export", get(prefix + "/audit/events/export?format=csv&$top=1", headers, auditor));
		answers.put("API without token", get(prefix + "/audit/events", headers));
		answers.put("page, signed out", get(prefix + "/audit", headers));
		answers.put("page", get(prefix + "/audit?result=refused", headers, cookie));
		answers.put("page's next page", get(prefix + "/audit?result=refused&$skiptoken=x", headers, cookie));
		answers.put("page's CSV", get(prefix + "/audit/page/export.csv?result=refused", headers, cookie));
		answers.put("no such event", get(prefix + "/audit/page/events/" + UUID.randomUUID(), headers, cookie));
		answers.put("forbidden page", get(prefix + "/audit/page/forbidden", headers, cookie));
		answers.put("sign-in callback", get(prefix + "/login/oauth2/code/audit-page?code=x&state=y", headers));
		answers.put("sign-out without CSRF token", post(prefix + "/audit/page/sign-out", headers, cookie));
		answers.put("OpenAPI document", get(prefix + "/v3/api-docs", headers));
		answers.put("no such route", get(prefix + "/nowhere", headers));
		answers.put("refused PATCH",
				request("PATCH", prefix + "/users/adele@contoso.example", headers,
						"Authorization: Bearer " + identityProvider.validToken(), "Content-Type: text/plain",
						"Content-Length: 1"));

		assertThat(answers.get("API page")).contains("\"@odata.nextLink\":\"/audit/events?");
		assertThat(answers.get("page, signed out")).contains("Location: /oauth2/authorization/audit-page");
		assertThat(answers.get("page")).contains("href=\"/audit?result=refused&amp;$skiptoken=")
			.contains("href=\"/audit/page/export.csv?result=refused\"");
		assertThat(answers.get("page's CSV")).startsWith("HTTP/1.1 200 ").contains("text/csv");
		assertThat(answers.get("no such event")).startsWith("HTTP/1.1 404 ");
		// ":8443", not "8443": a session id or request id may hold those digits.
		answers.forEach((what, answer) -> assertThat(answer).as(what)
			.doesNotContainIgnoringCase(ATTACKER)
			.doesNotContain(":8443")
			.doesNotContain("https://"));
	}

	@Test
	void auditEventWhenForwardingHeadersNameAnotherClientThenTheConnectionsAddressIsRecorded() throws IOException {
		String correlationId = UUID.randomUUID().toString();
		request("PATCH", "/users/adele@contoso.example",
				"Host: 127.0.0.1\r\nX-Forwarded-For: " + FORGED_CLIENT + "\r\nForwarded: for=" + FORGED_CLIENT
						+ "\r\nX-Real-IP: " + FORGED_CLIENT,
				"Authorization: Bearer " + identityProvider.validToken(), "client-request-id: " + correlationId,
				"Content-Type: text/plain", "Content-Length: 1");

		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			List<Map<String, Object>> events = this.client.get()
				.uri("/audit/events?correlationId=" + correlationId)
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + auditorToken())
				.accept(MediaType.APPLICATION_JSON)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(new ParameterizedTypeReference<Map<String, List<Map<String, Object>>>>() {
				})
				.returnResult()
				.getResponseBody()
				.get("value");
			assertThat(events).singleElement()
				.extracting((event) -> ((Map<?, ?>) event.get("actor")).get("ipAddress"))
				.isEqualTo("127.0.0.1");
		});
	}

	private String auditorToken() {
		return identityProvider.token().scopes("AuditLog.Read.All").claim("oid", GLOBAL_AUDITOR).build();
	}

	private String get(String target, String headers, String... more) throws IOException {
		return request("GET", target, headers, more);
	}

	private String post(String target, String headers, String... more) throws IOException {
		String[] withLength = Stream.concat(Stream.of(more), Stream.of("Content-Length: 0")).toArray(String[]::new);
		return request("POST", target, headers, withLength);
	}

	/**
	 * The whole answer, head and body, to a request written byte for byte (one request
	 * per connection; a PATCH's body is one byte).
	 */
	private String request(String method, String target, String headers, String... more) throws IOException {
		StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\n" + headers + "\r\n");
		for (String header : more) {
			head.append(header).append("\r\n");
		}
		head.append("Accept: text/html,application/json\r\nConnection: close\r\n\r\n");
		if (method.equals("PATCH")) {
			head.append('x');
		}
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(20_000);
			OutputStream out = socket.getOutputStream();
			out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
