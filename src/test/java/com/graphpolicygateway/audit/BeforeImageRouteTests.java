package com.graphpolicygateway.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubbedGateway;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Before-images on the whole route: a tenant whose policy sets {@code capture-before} has
 * the properties a user update changes read from Graph first ({@code GET} of the user
 * with {@code $select}, never a redacted property), and the change's one event carries
 * the old values beside the new ones, in the trail, the API and the exports, and still
 * verifies. A failed read is recorded and forwarded ({@code best-effort}) or refused 503,
 * audited and never forwarded ({@code required}).
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class BeforeImageRouteTests {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String SEED_PERMISSION = "DeviceManagementApps.ReadWrite.All";

	static final String AUDITOR_PERMISSION = "AuditLog.Read.All";

	/** Captures before-images, best-effort. */
	static final String BEST_EFFORT_TENANT = StubIdentityProvider.TENANT;

	/** Captures before-images and refuses a change whose before-image cannot be read. */
	static final String REQUIRED_TENANT = "30000000-0000-4000-8000-000000000001";

	/** Captures none (the default). */
	static final String OFF_TENANT = "30000000-0000-4000-8000-000000000002";

	static final Duration READ_TIMEOUT = Duration.ofMillis(700);

	static final Path POLICY_FILE = writePolicy();

	static final StubGraph graph = StubGraph.start();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	static final JsonMapper JSON = JsonMapper.builder().build();

	@Autowired
	JdbcTemplate jdbc;

	@LocalServerPort
	int port;

	WebTestClient client;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		StubbedGateway.register(registry, graph, identityProvider, POLICY_FILE);
		registry.add("graph-gateway.upstream.before-image-timeout", READ_TIMEOUT::toString);
	}

	@BeforeEach
	void resetStubsAndClient() {
		graph.reset();
		graph.directory()
			.user(USER_ID, "adele.vance@contoso.example")
			.property(USER_ID, "department", "\"Sales\"")
			.property(USER_ID, "displayName", "\"Adele V.\"")
			.property(USER_ID, "accountEnabled", "true");
		this.client = StubbedGateway.client(this.port);
	}

	@Test
	void patchWhenBeforeImageCapturedThenOldAndNewValuesInOneVerifiedEvent() throws Exception {
		String clientRequestId = UUID.randomUUID().toString();

		patch(BEST_EFFORT_TENANT, clientRequestId,
				"{\"department\":\"Finance\",\"displayName\":\"Adele Vance\",\"accountEnabled\":false,"
						+ "\"passwordProfile\":{\"password\":\"Secret-123\"}}")
			.expectStatus()
			.isNoContent();

		assertThat(graph.received()).singleElement().satisfies((forwarded) -> {
			assertThat(forwarded.method()).isEqualTo("PATCH");
			assertThat(forwarded.uri().getPath()).isEqualTo("/v1.0/users/" + USER_ID);
		});
		StubGraph.Received read = graph.directory().lookups().get(0);
		assertThat(read.uri().getPath()).isEqualTo("/v1.0/users/" + USER_ID);
		assertThat(read.headers().getFirst(HttpHeaders.AUTHORIZATION))
			.isEqualTo(graph.onlyRequest().headers().getFirst(HttpHeaders.AUTHORIZATION));
		assertThat(graph.directory().selected())
			.containsExactly(List.of("department", "displayName", "accountEnabled"));
		Map<String, Object> event = trail().eventOf(clientRequestId);
		assertThat(event).containsEntry("activity_result", "success")
			.containsEntry("before_image_status", "captured")
			.containsEntry("before_image_reason", null);
		assertThat(((Number) event.get("before_image_latency_ms")).longValue()).isGreaterThanOrEqualTo(0);
		assertThat(properties(event)).containsExactly(property("department", "Sales", "Finance"),
				property("displayName", "Adele V.", "Adele Vance"), property("accountEnabled", "true", "false"),
				property("passwordProfile", null, "[redacted]"));
		assertThat(trail().count(clientRequestId)).isOne();

		String id = (String) event.get("id");
		auditor(BEST_EFFORT_TENANT, "/audit/events/" + id).expectBody()
			.jsonPath("$.resources[0].modifiedProperties[0].oldValue")
			.isEqualTo("Sales")
			.jsonPath("$.resources[0].modifiedProperties[0].newValue")
			.isEqualTo("Finance")
			.jsonPath("$.resources[0].modifiedProperties[3].oldValue")
			.doesNotExist()
			.jsonPath("$.beforeImage.status")
			.isEqualTo("captured");
		String csv = export(BEST_EFFORT_TENANT, "csv");
		assertThat(csv).contains("department=Sales → Finance; displayName=Adele V. → Adele Vance; "
				+ "accountEnabled=true → false; passwordProfile=[redacted]");
		assertThat(csv.lines().filter((line) -> line.contains(id))).singleElement()
			.satisfies((line) -> assertThat(line).endsWith("\"captured\""));
		String ndjson = export(BEST_EFFORT_TENANT, "ndjson");
		JsonNode exported = ndjson.lines()
			.map(JSON::readTree)
			.filter((node) -> node.get("id").asString().equals(id))
			.findFirst()
			.orElseThrow();
		assertThat(exported.at("/resources/0/modifiedProperties/0/oldValue").asString()).isEqualTo("Sales");
		assertThat(exported.at("/beforeImage/status").asString()).isEqualTo("captured");
		verify(BEST_EFFORT_TENANT).jsonPath("$.intact").isEqualTo(true);
	}

	@Test
	void patchWhenPropertyNamesAreNoIdentifiersThenNeverPutInTheQuery() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(BEST_EFFORT_TENANT, clientRequestId,
				"{\"@odata.type\":\"#microsoft.graph.user\",\"department\":\"Finance\","
						+ "\"x&$expand=manager\":\"1\",\"a,passwordProfile\":\"2\",\"b#c\":\"3\"}")
			.expectStatus()
			.isNoContent();

		assertThat(graph.directory().lookups()).singleElement()
			.satisfies((lookup) -> assertThat(lookup.uri().getRawQuery()).isEqualTo("$select=department"));
		Map<String, Object> event = trail().eventOf(clientRequestId);
		assertThat(event).containsEntry("before_image_status", "captured");
		assertThat(properties(event)).contains(property("department", "Sales", "Finance"),
				property("x&$expand=manager", null, "1"), property("a,passwordProfile", null, "2"));
	}

	@Test
	void patchWhenOnlyRedactedPropertiesThenNothingReadAndForwarded() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(BEST_EFFORT_TENANT, clientRequestId, "{\"passwordProfile\":{\"password\":\"Secret-123\"}}").expectStatus()
			.isNoContent();

		assertThat(graph.directory().lookups()).isEmpty();
		assertThat(graph.onlyRequest().method()).isEqualTo("PATCH");
		assertThat(trail().eventOf(clientRequestId)).containsEntry("before_image_status", null);
	}

	@Test
	void patchWhenTenantCapturesNoBeforeImageThenGraphNotAsked() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(OFF_TENANT, clientRequestId, "{\"department\":\"Finance\"}").expectStatus().isNoContent();

		assertThat(graph.directory().lookups()).isEmpty();
		Map<String, Object> event = trail().eventOf(clientRequestId);
		assertThat(event).containsEntry("before_image_status", null);
		assertThat(properties(event)).containsExactly(property("department", null, "Finance"));
	}

	@ParameterizedTest
	@CsvSource({ "404, graph_404", "503, graph_error_503", "429, throttled", "timeout, timeout" })
	void patchWhenBestEffortReadFailsThenForwardedAndEventSaysWhy(String failure, String reason) {
		fail(failure);
		String clientRequestId = UUID.randomUUID().toString();

		patch(BEST_EFFORT_TENANT, clientRequestId, "{\"department\":\"Finance\"}").expectStatus().isNoContent();

		assertThat(graph.onlyRequest().method()).isEqualTo("PATCH");
		Map<String, Object> event = trail().eventOf(clientRequestId);
		assertThat(event).containsEntry("activity_result", "success")
			.containsEntry("reason", "allowed")
			.containsEntry("before_image_status", "unavailable")
			.containsEntry("before_image_reason", reason);
		assertThat(properties(event)).containsExactly(property("department", null, "Finance"));
		verify(BEST_EFFORT_TENANT).jsonPath("$.intact").isEqualTo(true);
	}

	@ParameterizedTest
	@CsvSource({ "404, graph_404, 5", "503, graph_error_503, 1", "429, throttled, 1", "timeout, timeout, 5" })
	void patchWhenRequiredReadFailsThenServiceNotAvailableAuditedAndNeverForwarded(String failure, String reason,
			String retryAfter) {
		fail(failure);
		String clientRequestId = UUID.randomUUID().toString();

		// Graph's own wait when it throttled the read (its 1 s), else 5 s.
		patch(REQUIRED_TENANT, clientRequestId, "{\"department\":\"Finance\"}").expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals(HttpHeaders.RETRY_AFTER, retryAfter)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(reason).doesNotContain("Sales"));

		assertThat(graph.received()).as("no PATCH reached Graph").isEmpty();
		Map<String, Object> event = trail().eventOf(clientRequestId);
		assertThat(event).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "before_image_unavailable")
			.containsEntry("upstream_status", null)
			.containsEntry("before_image_status", "unavailable")
			.containsEntry("before_image_reason", reason);
		verify(REQUIRED_TENANT).jsonPath("$.intact").isEqualTo(true);
	}

	@Test
	void patchWhenRequiredReadSucceedsThenForwardedWithOldValues() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(REQUIRED_TENANT, clientRequestId, "{\"department\":\"Finance\"}").expectStatus().isNoContent();

		assertThat(graph.onlyRequest().method()).isEqualTo("PATCH");
		Map<String, Object> event = trail().eventOf(clientRequestId);
		assertThat(event).containsEntry("before_image_status", "captured");
		assertThat(properties(event)).containsExactly(property("department", "Sales", "Finance"));
	}

	@Test
	void verifyWhenAnOldValueWasRewrittenThenNotIntactNamingThatEvent() {
		String clientRequestId = UUID.randomUUID().toString();
		patch(BEST_EFFORT_TENANT, clientRequestId, "{\"department\":\"Finance\"}").expectStatus().isNoContent();
		Map<String, Object> event = trail().eventOf(clientRequestId);
		String id = (String) event.get("id");
		String stored = (String) event.get("modified_properties");
		assertThat(stored).contains("\"oldValue\":\"Sales\"");
		verify(BEST_EFFORT_TENANT).jsonPath("$.intact").isEqualTo(true);

		this.jdbc.update("UPDATE audit_event SET modified_properties = ? WHERE id = ?",
				stored.replace("\"oldValue\":\"Sales\"", "\"oldValue\":\"Marketing\""), id);
		try {
			verify(BEST_EFFORT_TENANT).jsonPath("$.intact")
				.isEqualTo(false)
				.jsonPath("$.firstBrokenLink.eventId")
				.isEqualTo(id);
		}
		finally {
			// Other tests of this context verify the same trail.
			this.jdbc.update("UPDATE audit_event SET modified_properties = ? WHERE id = ?", stored, id);
		}
		verify(BEST_EFFORT_TENANT).jsonPath("$.intact").isEqualTo(true);
	}

	private void fail(String failure) {
		switch (failure) {
			case "404" -> graph.directory().delete(USER_ID);
			case "timeout" -> graph.directory().delay(READ_TIMEOUT.multipliedBy(2));
			default -> graph.directory()
				.failWith(StubGraph.Answer.json(Integer.parseInt(failure),
						"{\"error\":{\"code\":\"serviceNotAvailable\",\"message\":\"Try later.\"}}",
						Map.of("Retry-After", "1")));
		}
	}

	WebTestClient.ResponseSpec patch(String tenantId, String clientRequestId, String body) {
		String token = identityProvider.token()
			.tenant(tenantId)
			.issuer(identityProvider.issuerV2(tenantId))
			.scopes(SEED_PERMISSION)
			.build();
		return this.client.method(HttpMethod.PATCH)
			.uri("/users/" + USER_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

	private WebTestClient.ResponseSpec auditor(String tenantId, String path) {
		String token = identityProvider.token()
			.tenant(tenantId)
			.issuer(identityProvider.issuerV2(tenantId))
			.scopes(AUDITOR_PERMISSION)
			.build();
		return this.client.get()
			.uri(path)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.exchange()
			.expectStatus()
			.isOk();
	}

	private String export(String tenantId, String format) {
		byte[] body = auditor(tenantId, "/audit/events/export?format=" + format).expectBody()
			.returnResult()
			.getResponseBody();
		return new String((body != null) ? body : new byte[0], java.nio.charset.StandardCharsets.UTF_8);
	}

	WebTestClient.BodyContentSpec verify(String tenantId) {
		return auditor(tenantId, "/audit/verify").expectBody();
	}

	AuditRouteTests.AuditTrail trail() {
		return new AuditRouteTests.AuditTrail(this.jdbc);
	}

	private static List<Map<String, Object>> properties(Map<String, Object> event) {
		return JSON.readValue((String) event.get("modified_properties"),
				new tools.jackson.core.type.TypeReference<List<Map<String, Object>>>() {
				});
	}

	private static Map<String, Object> property(String name, String oldValue, String newValue) {
		Map<String, Object> property = new java.util.LinkedHashMap<>();
		property.put("displayName", name);
		property.put("oldValue", oldValue);
		property.put("newValue", newValue);
		return property;
	}

	private static Path writePolicy() {
		String policy = """
				# Three tenants: one captures before-images best-effort, one requires them,
				# one does not capture them.
				defaults:
				  unknown-tenants: allow
				  license: active
				  rate-limits:
				    tenant:
				      capacity: 100000
				      refill-per-second: 100000
				    caller:
				      capacity: 100000
				      refill-per-second: 100000
				tenants:
				  - id: %s
				    capture-before: best-effort
				  - id: %s
				    capture-before: required
				  - id: %s
				""".formatted(BEST_EFFORT_TENANT, REQUIRED_TENANT, OFF_TENANT);
		try {
			Path file = Files.createTempFile("before-image-route-tests-", ".yml");
			file.toFile().deleteOnExit();
			return Files.writeString(file, policy);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
