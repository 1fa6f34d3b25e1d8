package com.graphpolicygateway.audit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.signing.AuditCheckpointJson;
import com.graphpolicygateway.audit.signing.AuditSigningKey;
import com.graphpolicygateway.audit.signing.SigningKeyFiles;
import com.graphpolicygateway.audit.write.AuditMaintenance;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The running gateway with an audit signing key: its calls' events carry MACs, it signs
 * checkpoints that {@code /audit/checkpoints} serves, {@code /audit/verify} authenticates
 * every event, and a pending row forged behind its back is reported, never adopted.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = { "graph-gateway.audit.signing.key=src/test/resources/audit/test-signing-key.pem",
		"graph-gateway.audit.signing.checkpoint-events=3" })
class KeyedAuditTrailRouteTests extends GatewayIntegrationTest {

	private static final AuditSigningKey KEY = SigningKeyFiles
		.read(Path.of("src/test/resources/audit/test-signing-key.pem"));

	@RegisterExtension
	final LogCapture logs = LogCapture.of(AuditMaintenance.class);

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	AuditMaintenance maintenance;

	private final JsonMapper json = JsonMapper.builder().build();

	@Test
	void patchWhenKeyedThenEventsCarryMacsCheckpointsAreSignedAndTheTrailVerifies() {
		List<String> ids = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(),
				UUID.randomUUID().toString(), UUID.randomUUID().toString());
		for (String id : ids) {
			patch(id, identityProvider.validToken()).exchange().expectStatus().isNoContent();
		}
		String refused = UUID.randomUUID().toString();
		patch(refused, "not-a-token").exchange().expectStatus().isUnauthorized();

		awaitChained(ids.size() + 1);
		for (String id : ids) {
			Map<String, Object> row = this.jdbc.queryForMap("SELECT * FROM audit_event WHERE correlation_id = ?", id);
			assertThat(row.get("key_id")).isEqualTo(KEY.keyId());
			assertThat(KEY.authenticatesEvent((String) row.get("hash"), (String) row.get("key_id"),
					(String) row.get("mac")))
				.isTrue();
		}
		JsonNode report = getJson("/audit/verify");
		assertThat(report.path("intact").asBoolean()).as(report.toString()).isTrue();
		assertThat(report.path("eventsAuthenticated").asBoolean()).isTrue();
		assertThat(report.path("checkpointsChecked").asLong()).isGreaterThanOrEqualTo(2);

		JsonNode checkpoints = getJson("/audit/checkpoints").path("value");
		assertThat(checkpoints.size()).isGreaterThanOrEqualTo(2);
		for (JsonNode record : checkpoints) {
			assertThat(record.path("recordType").asString()).isEqualTo("auditCheckpoint");
			assertThat(record.path("keyId").asString()).isEqualTo(KEY.keyId());
		}
	}

	@Test
	void checkpointsAsNdjsonThenTheFileTheVerifierReads() throws Exception {
		patch(UUID.randomUUID().toString(), identityProvider.validToken()).exchange().expectStatus().isNoContent();
		awaitChained(1);

		String ndjson = this.client.get()
			.uri("/audit/checkpoints?format=ndjson")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + auditorToken())
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_NDJSON)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		Path file = Files.createTempFile("checkpoints", ".ndjson");
		Files.writeString(file, ndjson);
		List<AuditCheckpoint> read = AuditCheckpointJson.read(file);
		assertThat(read).isNotEmpty()
			.allSatisfy((checkpoint) -> assertThat(AuditSigningKey.verify(KEY.publicKey(), checkpoint.algorithm(),
					checkpoint.signedContent(), checkpoint.signature()))
				.isTrue());
	}

	@Test
	void checkpointsWhenUnknownParameterThenBadRequestNamingIt() {
		this.client.get()
			.uri("/audit/checkpoints?chain=x")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + auditorToken())
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalidRequest")
			.jsonPath("$.error.message")
			.value((message) -> assertThat((String) message).contains("chain"));
	}

	@Test
	void checkpointsWhenCallerLacksAuditorPermissionThenForbidden() {
		this.client.get()
			.uri("/audit/checkpoints")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.exchange()
			.expectStatus()
			.isForbidden();
	}

	@Test
	void recoverWhenAPendingRowWasForgedThenLeftPendingAndReported() {
		String forged = UUID.randomUUID().toString();
		this.jdbc.update("INSERT INTO audit_event (id, activity_date_time, activity, activity_operation_type, "
				+ "activity_result, category, correlation_id, actor_type, modified_properties, decision, reason, "
				+ "target_user_id, writer_id) VALUES (?, ?, 'Patch user', 'Patch', 'pending', 'User', ?, 'Delegated', "
				+ "'[]', 'allow', 'allowed', 'breakglass@contoso.example', ?)", forged,
				AuditRows.timestamp(Instant.now().minus(Duration.ofHours(1))), forged, UUID.randomUUID().toString());
		try {
			this.maintenance.recoverLostEvents();

			assertThat(this.jdbc.queryForObject("SELECT activity_result FROM audit_event WHERE id = ?", String.class,
					forged))
				.isEqualTo(AuditEvent.PENDING);
			JsonNode report = getJson("/audit/verify");
			assertThat(report.path("intact").asBoolean()).isFalse();
			assertThat(report.path("problems").toString()).contains(forged)
				.contains("pending event not written by a gateway");
			// Logged once, by whichever recovery met the row first (this one or the
			// gateway's own).
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(this.logs.errors()).singleElement()
					.asString()
					.startsWith("AUDIT TAMPERING: pending event " + forged + " (writer "));
		}
		finally {
			this.jdbc.update("DELETE FROM audit_event WHERE id = ?", forged);
		}
	}

	private void awaitChained(int atLeast) {
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.jdbc.queryForObject("SELECT COUNT(*) FROM audit_event WHERE chain_id IS NOT NULL",
					Integer.class) >= atLeast);
	}

	private JsonNode getJson(String uri) {
		byte[] body = this.client.get()
			.uri(uri)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + auditorToken())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBody();
		return this.json.readTree(body);
	}

	private String auditorToken() {
		return identityProvider.token().scopes("AuditLog.Read.All").build();
	}

	private WebTestClient.RequestHeadersSpec<?> patch(String clientRequestId, String token) {
		return this.client.method(HttpMethod.PATCH)
			.uri("/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"displayName\":\"Adele Vance\"}");
	}

}
