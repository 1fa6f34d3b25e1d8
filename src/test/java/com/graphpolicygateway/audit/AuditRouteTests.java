package com.graphpolicygateway.audit;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

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
import com.graphpolicygateway.audit.event.StoredInstant;
import com.graphpolicygateway.audit.verify.AuditVerifyCommand;
import com.graphpolicygateway.audit.write.AuditEventFactory;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.test.StubGraph.Received;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The audit trail on the whole route: for each kind of request, what the caller got, what
 * reached the stub Graph, and the one event the audit store holds for it (read back with
 * plain SQL, as an auditor would).
 * <p>
 * Names the gateway explicitly: {@link AuditVerifyCommand} declares a
 * {@code @SpringBootConfiguration} of its own in this package.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
public class AuditRouteTests extends GatewayIntegrationTest {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String USER_PATH = "/users/" + USER_ID;

	static final String BODY = "{\"displayName\":\"Adele Vance\",\"officeLocation\":\"18/2111\"}";

	static final String ACTOR_OID = "5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e";

	static final String ACTOR_UPN = "auditor.subject@contoso.example";

	static final String APP_ID = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

	static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Autowired
	JdbcTemplate jdbc;

	@Test
	void patchWhenAllowedThenOneSuccessEventWithActorTargetPropertiesAndGraphRequestId() {
		String clientRequestId = UUID.randomUUID().toString();
		String graphRequestId = UUID.randomUUID().toString();
		graph.willAnswer(new Answer(204, Map.of("request-id", graphRequestId), new byte[0]));
		Instant before = Instant.now();

		patch(USER_PATH, clientRequestId, callerToken())
			.header("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01")
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNoContent()
			.expectHeader()
			.valueEquals("request-id", graphRequestId);

		Received received = graph.onlyRequest();
		assertThat(received.uri().getRawPath()).isEqualTo("/v1.0" + USER_PATH);
		assertThat(received.headers().getFirst("client-request-id")).isEqualTo(clientRequestId);
		Map<String, Object> event = trail().eventOf(clientRequestId);
		assertThat(event).containsEntry("activity", AuditEvent.ACTIVITY)
			.containsEntry("activity_operation_type", "Patch")
			.containsEntry("category", "User")
			.containsEntry("activity_result", "success")
			.containsEntry("decision", "allow")
			.containsEntry("reason", "allowed")
			.containsEntry("upstream_status", 204)
			.containsEntry("graph_request_id", graphRequestId)
			.containsEntry("tenant_id", StubIdentityProvider.TENANT)
			.containsEntry("actor_type", "Delegated")
			.containsEntry("actor_user_id", ACTOR_OID)
			.containsEntry("actor_user_principal_name", ACTOR_UPN)
			.containsEntry("actor_application_id", APP_ID)
			.containsEntry("actor_ip_address", "127.0.0.1")
			.containsEntry("actor_permissions", "DeviceManagementApps.ReadWrite.All User.Read")
			.containsEntry("target_user_id", USER_ID)
			.containsEntry("trace_id", TRACE_ID);
		assertThat(modifiedProperties(event)).containsExactly(
				Map.of("displayName", "displayName", "newValue", "Adele Vance"),
				Map.of("displayName", "officeLocation", "newValue", "18/2111"));
		assertThat(trail().arrivalOf(clientRequestId)).isBetween(before.minusMillis(1), Instant.now());
		assertThat(event.get("latency_ms")).isNotNull();
		assertThat(event.get("chain_id")).isNotNull();
		assertThat(event.get("hash")).isNotNull();
	}

	@ParameterizedTest
	@ValueSource(ints = { 403, 429 })
	void patchWhenGraphAnswersAnErrorThenOneFailureEventWithGraphsStatus(int status) {
		String clientRequestId = UUID.randomUUID().toString();
		String graphRequestId = UUID.randomUUID().toString();
		graph.willAnswer(Answer.json(status, "{\"error\":{\"code\":\"fromGraph\",\"message\":\"no\"}}",
				Map.of("request-id", graphRequestId, "Retry-After", "3")));

		patch(USER_PATH, clientRequestId, callerToken()).bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isEqualTo(status)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("fromGraph");

		assertThat(graph.received()).hasSize(1);
		assertThat(trail().eventOf(clientRequestId)).containsEntry("activity_result", "failure")
			.containsEntry("decision", "allow")
			.containsEntry("reason", "allowed")
			.containsEntry("upstream_status", status)
			.containsEntry("graph_request_id", graphRequestId)
			.containsEntry("actor_user_id", ACTOR_OID);
	}

	@ParameterizedTest
	@ValueSource(strings = { "missing", "malformed", "expired" })
	void patchWhenTokenIsNotTrustedThenOneRefusedEventWithUnknownActorAndNoTenant(String kind) {
		String clientRequestId = UUID.randomUUID().toString();
		WebTestClient.RequestBodySpec request = switch (kind) {
			case "missing" -> patch(USER_PATH, clientRequestId, null);
			case "malformed" -> patch(USER_PATH, clientRequestId, "not-a-jwt");
			default -> patch(USER_PATH, clientRequestId,
					identityProvider.token().expiresAt(Instant.now().minus(Duration.ofHours(1))).build());
		};

		request.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("InvalidAuthenticationToken");

		assertThat(graph.received()).isEmpty();
		assertThat(trail().eventOf(clientRequestId)).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "token_invalid")
			.containsEntry("actor_type", "Unknown")
			.containsEntry("actor_user_id", null)
			.containsEntry("actor_ip_address", "127.0.0.1")
			.containsEntry("tenant_id", null)
			.containsEntry("upstream_status", null)
			.containsEntry("graph_request_id", null);
	}

	@Test
	void patchWhenPermissionMissingThenOneRefusedEventNamingTheCaller() {
		String clientRequestId = UUID.randomUUID().toString();
		String token = identityProvider.token()
			.claim("oid", ACTOR_OID)
			.claim("upn", ACTOR_UPN)
			.claim("azp", APP_ID)
			.scopes("User.Read")
			.build();

		patch(USER_PATH, clientRequestId, token).bodyValue(BODY).exchange().expectStatus().isForbidden();

		assertThat(graph.received()).isEmpty();
		assertThat(trail().eventOf(clientRequestId)).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "permission_denied")
			.containsEntry("actor_type", "Delegated")
			.containsEntry("actor_user_id", ACTOR_OID)
			.containsEntry("actor_user_principal_name", ACTOR_UPN)
			.containsEntry("actor_application_id", APP_ID)
			.containsEntry("actor_permissions", "User.Read")
			.containsEntry("tenant_id", StubIdentityProvider.TENANT);
	}

	@Test
	void patchWhenBodyIsNotJsonThenOneRefusedEventWithInvalidRequest() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(USER_PATH, clientRequestId, callerToken()).bodyValue("{\"displayName\":")
			.exchange()
			.expectStatus()
			.isBadRequest();

		assertGuardRefusal(clientRequestId, "invalid_request");
	}

	@Test
	void patchWhenBodyIsTooLargeThenOneRefusedEventWithBodyTooLarge() {
		String clientRequestId = UUID.randomUUID().toString();
		String large = "{\"displayName\":\"" + "a".repeat(1024 * 1024) + "\"}";

		patch(USER_PATH, clientRequestId, callerToken()).bodyValue(large)
			.exchange()
			.expectStatus()
			.isEqualTo(413)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("requestTooLarge");

		assertGuardRefusal(clientRequestId, "body_too_large");
	}

	@Test
	void patchWhenContentTypeIsNotJsonThenOneRefusedEventWithUnsupportedMediaType() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(USER_PATH, clientRequestId, callerToken()).contentType(MediaType.TEXT_PLAIN)
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isEqualTo(415);

		assertGuardRefusal(clientRequestId, "unsupported_media_type");
	}

	@Test
	void patchWhenSubPathOfAUserThenOneRefusedEventWithNotRouted() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(USER_PATH + "/manager", clientRequestId, callerToken()).bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("itemNotFound");

		assertThat(graph.received()).isEmpty();
		assertThat(trail().eventOf(clientRequestId)).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "not_routed");
	}

	@ParameterizedTest
	@ValueSource(strings = { USER_PATH, USER_PATH + "/manager" })
	void patchWhenTrustedCallerIsRefusedAfterAuthenticationThenEventNamesTheCaller(String path) {
		String clientRequestId = UUID.randomUUID().toString();

		patch(path, clientRequestId, callerToken()).contentType(MediaType.TEXT_PLAIN)
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.is4xxClientError();

		// The token was trusted: AuditEvent.Actor keeps "Unknown" for untrusted tokens.
		assertThat(trail().eventOf(clientRequestId)).containsEntry("decision", "refuse")
			.containsEntry("actor_type", "Delegated")
			.containsEntry("actor_user_id", ACTOR_OID)
			.containsEntry("actor_user_principal_name", ACTOR_UPN)
			.containsEntry("actor_application_id", APP_ID)
			.containsEntry("tenant_id", StubIdentityProvider.TENANT);
	}

	@Test
	void requestWhenNotAPatchOfTheRouteThenNoEvent() {
		String clientRequestId = UUID.randomUUID().toString();
		for (String method : new String[] { "GET", "POST", "PUT", "DELETE" }) {
			this.client.method(HttpMethod.valueOf(method))
				.uri(USER_PATH)
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + callerToken())
				.header("client-request-id", clientRequestId)
				.exchange()
				.expectStatus()
				.isEqualTo(405);
		}
		for (String path : new String[] { "/groups/" + USER_ID, "/me", "/audit/verify" }) {
			patch(path, clientRequestId, callerToken()).bodyValue(BODY).exchange().expectStatus().is4xxClientError();
		}
		String barrier = UUID.randomUUID().toString();

		patch(USER_PATH, barrier, callerToken()).bodyValue(BODY).exchange().expectStatus().isNoContent();

		// The writer commits in arrival order: once the later event is there, an earlier
		// one would be too.
		trail().eventOf(barrier);
		assertThat(trail().count(clientRequestId)).isZero();
		assertThat(graph.onlyRequest().headers().getFirst("client-request-id")).isEqualTo(barrier);
	}

	@Test
	void patchWhenBodyHoldsPasswordProfileThenItsValueIsRedactedAndNoTokenIsStored() {
		String clientRequestId = UUID.randomUUID().toString();
		String refusedRequestId = UUID.randomUUID().toString();
		String password = "Pa55-" + UUID.randomUUID();
		String body = "{\"displayName\":\"Adele Vance\",\"passwordProfile\":{\"password\":\"" + password
				+ "\",\"forceChangePasswordNextSignIn\":true}}";
		String token = callerToken();
		String refusedToken = identityProvider.token().scopes("User.Read").build();

		patch(USER_PATH, clientRequestId, token).bodyValue(body).exchange().expectStatus().isNoContent();
		patch(USER_PATH, refusedRequestId, refusedToken).bodyValue(body).exchange().expectStatus().isForbidden();

		assertThat(graph.onlyRequest().bodyText()).isEqualTo(body);
		assertThat(modifiedProperties(trail().eventOf(clientRequestId))).containsExactly(
				Map.of("displayName", "displayName", "newValue", "Adele Vance"),
				Map.of("displayName", "passwordProfile", "newValue", AuditEventFactory.REDACTED));
		trail().eventOf(refusedRequestId);
		List<Map<String, Object>> rows = this.jdbc.queryForList("SELECT * FROM audit_event");
		assertThat(rows).isNotEmpty().allSatisfy((row) -> assertThat(row.values()).allSatisfy((value) -> {
			String text = String.valueOf(value);
			assertThat(text).doesNotContain(token)
				.doesNotContain(refusedToken)
				.doesNotContain(signatureOf(token))
				.doesNotContain(password);
		}));
	}

	private void assertGuardRefusal(String clientRequestId, String reason) {
		assertThat(graph.received()).isEmpty();
		assertThat(trail().eventOf(clientRequestId)).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", reason)
			.containsEntry("upstream_status", null)
			.containsEntry("actor_ip_address", "127.0.0.1");
	}

	private WebTestClient.RequestBodySpec patch(String path, String clientRequestId, @Nullable String token) {
		WebTestClient.RequestBodySpec request = this.client.method(HttpMethod.PATCH)
			.uri(URI.create("http://127.0.0.1:" + this.port + path))
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON);
		return (token != null) ? request.header(HttpHeaders.AUTHORIZATION, "Bearer " + token) : request;
	}

	private AuditTrail trail() {
		return new AuditTrail(this.jdbc);
	}

	private static String callerToken() {
		return identityProvider.token().claim("oid", ACTOR_OID).claim("upn", ACTOR_UPN).claim("azp", APP_ID).build();
	}

	private static String signatureOf(String token) {
		return token.substring(token.lastIndexOf('.') + 1);
	}

	/** The stored modified properties, without the always-empty old values. */
	private static List<Map<String, Object>> modifiedProperties(Map<String, Object> event) {
		List<Map<String, Object>> properties = JSON.readValue((String) event.get("modified_properties"),
				new TypeReference<List<Map<String, Object>>>() {
				});
		properties.forEach((property) -> assertThat(property).containsEntry("oldValue", null));
		return properties.stream()
			.map((property) -> Map.of("displayName", property.get("displayName"), "newValue", property.get("newValue")))
			.toList();
	}

	/**
	 * The audit trail read with plain SQL, waiting for the asynchronous writer to commit
	 * and close the events.
	 */
	public static final class AuditTrail {

		private static final Duration WAIT = Duration.ofSeconds(10);

		private final JdbcTemplate jdbc;

		public AuditTrail(JdbcTemplate jdbc) {
			this.jdbc = jdbc;
		}

		/** The one event of a request, once it is written and no longer pending. */
		Map<String, Object> eventOf(String correlationId) {
			return eventsOf(List.of(correlationId)).get(0);
		}

		/**
		 * The events of the requests, once each is written and none is pending; fails if
		 * a request has more than one.
		 */
		public List<Map<String, Object>> eventsOf(Collection<String> correlationIds) {
			String in = String.join(", ", correlationIds.stream().map((id) -> "?").toList());
			Object[] args = correlationIds.toArray();
			List<Map<String, Object>> events = await().atMost(WAIT)
				.pollInterval(Duration.ofMillis(20))
				.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id IN (" + in + ")",
						args),
						(rows) -> rows.size() >= correlationIds.size() && rows.stream()
							.noneMatch((row) -> AuditEvent.PENDING.equals(row.get("activity_result"))));
			assertThat(events).extracting((row) -> row.get("correlation_id"))
				.as("one event per request")
				.containsExactlyInAnyOrderElementsOf(correlationIds);
			return events;
		}

		/** When the request of an event reached the gateway, as the store keeps it. */
		Instant arrivalOf(String correlationId) {
			return this.jdbc.queryForObject("SELECT activity_date_time FROM audit_event WHERE correlation_id = ?",
					(rs, row) -> StoredInstant.read(rs, "activity_date_time"), correlationId);
		}

		long count(String correlationId) {
			Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM audit_event WHERE correlation_id = ?",
					Long.class, correlationId);
			return (count != null) ? count : 0;
		}

	}

}
