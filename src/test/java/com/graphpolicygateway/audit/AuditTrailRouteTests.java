package com.graphpolicygateway.audit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.verify.AuditVerifyCommand;
import com.graphpolicygateway.audit.write.AuditMaintenance;
import com.graphpolicygateway.test.GatewayIntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit trail as a whole on the running gateway: one event per call under
 * concurrency, recovery of events a stopped gateway left pending, and the auditors'
 * {@code GET /audit/verify}, which notices a row changed behind the gateway's back.
 * <p>
 * Names the gateway explicitly: {@link AuditVerifyCommand} declares a
 * {@code @SpringBootConfiguration} of its own in this package.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class AuditTrailRouteTests extends GatewayIntegrationTest {

	static final String USER_PATH = "/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	static final String AUDITOR_PERMISSION = "AuditLog.Read.All";

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	AuditMaintenance maintenance;

	@Test
	void patchWhen200CallsAreConcurrentThenOneClosedEventEachAndOnlyAllowedOnesForwarded() {
		String token = identityProvider.validToken();
		Map<String, Integer> expectedStatus = new LinkedHashMap<>();
		Map<String, HttpRequest> requests = new LinkedHashMap<>();
		for (int i = 0; i < 200; i++) {
			String clientRequestId = UUID.randomUUID().toString();
			HttpRequest.Builder request = HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + this.port + USER_PATH))
				.timeout(Duration.ofSeconds(30))
				.header("client-request-id", clientRequestId)
				.method("PATCH", HttpRequest.BodyPublishers.ofString(BODY));
			switch (i % 4) {
				case 0 -> {
					request.header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE);
					expectedStatus.put(clientRequestId, 401);
				}
				case 1 -> {
					request.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
						.header(HttpHeaders.CONTENT_TYPE, MediaType.TEXT_PLAIN_VALUE);
					expectedStatus.put(clientRequestId, 415);
				}
				default -> {
					request.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
						.header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE);
					expectedStatus.put(clientRequestId, 204);
				}
			}
			requests.put(clientRequestId, request.build());
		}

		Map<String, Integer> status = sendAllAtOnce(requests);

		assertThat(status).containsExactlyInAnyOrderEntriesOf(expectedStatus);
		List<String> allowed = expectedStatus.entrySet()
			.stream()
			.filter((entry) -> entry.getValue() == 204)
			.map(Map.Entry::getKey)
			.toList();
		assertThat(graph.received()).extracting((received) -> received.headers().getFirst("client-request-id"))
			.containsExactlyInAnyOrderElementsOf(allowed);
		List<Map<String, Object>> events = trail().eventsOf(expectedStatus.keySet());
		assertThat(events).hasSize(200).allSatisfy((event) -> {
			int answered = expectedStatus.get((String) event.get("correlation_id"));
			String reason = switch (answered) {
				case 401 -> "token_invalid";
				case 415 -> "unsupported_media_type";
				default -> "allowed";
			};
			assertThat(event).containsEntry("reason", reason)
				.containsEntry("activity_result", (answered == 204) ? "success" : "refused")
				.containsEntry("upstream_status", (answered == 204) ? 204 : null);
			assertThat(event.get("hash")).isNotNull();
		});
		verify().jsonPath("$.intact").isEqualTo(true).jsonPath("$.firstBrokenLink").doesNotExist();
	}

	@Test
	void verifyWhenARowWasChangedBehindTheGatewaysBackThenNotIntactNamingThatEvent() {
		List<String> clientRequestIds = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(),
				UUID.randomUUID().toString());
		for (String clientRequestId : clientRequestIds) {
			patch(clientRequestId).exchange().expectStatus().isNoContent();
		}
		Map<String, Object> event = trail().eventsOf(clientRequestIds)
			.stream()
			.filter((row) -> clientRequestIds.get(1).equals(row.get("correlation_id")))
			.findFirst()
			.orElseThrow();
		String eventId = (String) event.get("id");
		verify().jsonPath("$.intact").isEqualTo(true);

		this.jdbc.update("UPDATE audit_event SET reason = ? WHERE id = ?", "permission_denied", eventId);
		try {
			verify().jsonPath("$.intact")
				.isEqualTo(false)
				.jsonPath("$.firstBrokenLink.eventId")
				.isEqualTo(eventId)
				.jsonPath("$.firstBrokenLink.chainId")
				.isEqualTo(event.get("chain_id"))
				.jsonPath("$.firstBrokenLink.problem")
				.value((String problem) -> assertThat(problem).contains("row changed"));
		}
		finally {
			// Other tests of this context verify the same trail.
			this.jdbc.update("UPDATE audit_event SET reason = ? WHERE id = ?", event.get("reason"), eventId);
		}
		verify().jsonPath("$.intact").isEqualTo(true);
	}

	@Test
	void verifyWhenCallerHoldsAuditorRoleThenReport() {
		String token = identityProvider.token().roles(AUDITOR_PERMISSION).build();

		this.client.get()
			.uri("/audit/verify")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.intact")
			.isEqualTo(true)
			.jsonPath("$.chains")
			.isEqualTo(1);
	}

	@Test
	void verifyWhenCallerLacksAuditorPermissionThenForbiddenWithInsufficientScope() {
		this.client.get()
			.uri("/audit/verify")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE,
					(challenge) -> assertThat(challenge).startsWith("Bearer ")
						.contains("error=\"insufficient_scope\"")
						.contains("scope=\"" + AUDITOR_PERMISSION + "\""))
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("Authorization_RequestDenied")
			.jsonPath("$.intact")
			.doesNotExist();
	}

	@Test
	void verifyWhenNoTokenThenUnauthorized() {
		this.client.get()
			.uri("/audit/verify")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("InvalidAuthenticationToken");
	}

	@Test
	void recoverWhenAnotherGatewayLeftAStalePendingEventThenClosedAsOutcomeUnknownAndChained() {
		String otherWriter = UUID.randomUUID().toString();
		String lostRequestId = UUID.randomUUID().toString();
		String inFlightRequestId = UUID.randomUUID().toString();
		insertPending(lostRequestId, otherWriter, Instant.now().minus(Duration.ofMinutes(10)));
		insertPending(inFlightRequestId, otherWriter, Instant.now().minus(Duration.ofSeconds(10)));
		try {
			this.maintenance.recoverLostEvents();

			Map<String, Object> lost = trail().eventOf(lostRequestId);
			assertThat(lost).containsEntry("activity_result", AuditEvent.UNKNOWN)
				.containsEntry("reason", "outcome_unknown")
				.containsEntry("decision", "allow")
				.containsEntry("writer_id", otherWriter)
				.containsEntry("upstream_status", null);
			assertThat(lost.get("chain_id")).isNotNull().isNotEqualTo(otherWriter);
			assertThat(lost.get("chain_seq")).isNotNull();
			assertThat(lost.get("hash")).isNotNull();
			// Another gateway may still be waiting for Graph's answer to a recent one.
			assertThat(this.jdbc.queryForMap("SELECT * FROM audit_event WHERE correlation_id = ?", inFlightRequestId))
				.containsEntry("activity_result", AuditEvent.PENDING)
				.containsEntry("chain_id", null);
			verify().jsonPath("$.intact").isEqualTo(true);
		}
		finally {
			this.jdbc.update("DELETE FROM audit_event WHERE correlation_id = ? AND activity_result = ?",
					inFlightRequestId, AuditEvent.PENDING);
		}
	}

	/** A pending row as another gateway process writes it before forwarding a call. */
	private void insertPending(String clientRequestId, String writerId, Instant arrived) {
		this.jdbc.update("INSERT INTO audit_event (id, activity_date_time, activity, activity_operation_type, "
				+ "activity_result, category, correlation_id, actor_type, actor_user_id, actor_user_principal_name, "
				+ "actor_application_id, actor_ip_address, actor_permissions, tenant_id, target_user_id, "
				+ "modified_properties, decision, reason, policy_version, upstream_status, graph_request_id, latency_ms, "
				+ "trace_id, writer_id, chain_id, chain_seq, previous_hash, hash) "
				+ "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				UUID.randomUUID().toString(), AuditRows.timestamp(arrived), AuditEvent.ACTIVITY, "Patch",
				AuditEvent.PENDING, "User", clientRequestId, "Delegated", "5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
				"adele.vance@contoso.example", "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "10.0.0.7",
				"DeviceManagementApps.ReadWrite.All", "72f988bf-86f1-41af-91ab-2d7cd011db47",
				"87d349ed-44d7-43e1-9a83-5f2406dee5bd",
				"[{\"displayName\":\"displayName\",\"oldValue\":null,\"newValue\":\"Adele Vance\"}]", "allow",
				"allowed", null, null, null, null, null, writerId, null, null, null, null);
	}

	private Map<String, Integer> sendAllAtOnce(Map<String, HttpRequest> requests) {
		ExecutorService executor = Executors.newFixedThreadPool(8);
		try {
			HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor).build();
			Map<String, CompletableFuture<HttpResponse<Void>>> responses = new LinkedHashMap<>();
			requests.forEach((clientRequestId, request) -> responses.put(clientRequestId,
					http.sendAsync(request, HttpResponse.BodyHandlers.discarding())));
			Map<String, Integer> status = new LinkedHashMap<>();
			responses.forEach((clientRequestId, response) -> status.put(clientRequestId, response.join().statusCode()));
			return status;
		}
		finally {
			executor.shutdownNow();
		}
	}

	private WebTestClient.RequestHeadersSpec<?> patch(String clientRequestId) {
		return this.client.method(HttpMethod.PATCH)
			.uri(USER_PATH)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY);
	}

	private WebTestClient.BodyContentSpec verify() {
		return this.client.get()
			.uri("/audit/verify")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.token().scopes(AUDITOR_PERMISSION).build())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody();
	}

	private AuditRouteTests.AuditTrail trail() {
		return new AuditRouteTests.AuditTrail(this.jdbc);
	}

}
