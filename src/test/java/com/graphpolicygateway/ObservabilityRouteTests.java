package com.graphpolicygateway;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.test.GatewayIntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What operators see: request metrics by decision and reason, upstream latency per route,
 * audit and policy gauges on {@code /actuator/prometheus}; liveness and readiness; and
 * logs that never hold a bearer token or a request body, whatever happens to the call.
 */
@ExtendWith(OutputCaptureExtension.class)
class ObservabilityRouteTests extends GatewayIntegrationTest {

	static final String USER_PATH = "/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	@LocalManagementPort
	int managementPort;

	@Test
	void prometheusWhenCallsWereAllowedAndRefusedThenCountsThemByDecisionAndReason() {
		patch(identityProvider.validToken(), "{\"displayName\":\"Adele\"}").expectStatus().isNoContent();
		patch(identityProvider.token().scopes("User.Read").build(), "{}").expectStatus().isForbidden();

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(prometheus()).containsPattern(
					"graph_gateway_requests_total\\{[^}]*decision=\"allow\"[^}]*reason=\"allowed\"[^}]*result=\"success\"[^}]*\\} [1-9]")
				.containsPattern(
						"graph_gateway_requests_total\\{[^}]*decision=\"refuse\"[^}]*reason=\"permission_denied\"[^}]*\\} [1-9]"));
		assertThat(prometheus()).contains("http_client_requests_seconds_count")
			.contains("spring_cloud_gateway_route_id=\"graph-users-patch\"")
			.contains("graph_gateway_audit_queue")
			.contains("graph_gateway_audit_write_seconds")
			.contains("graph_gateway_audit_pending_wait_seconds_bucket")
			.doesNotContain("graph_gateway_audit_h2_")
			.contains("graph_gateway_policy_last_reload_failed")
			.contains("graph_gateway_upstream_token_requests_total");
	}

	@Test
	void prometheusWhenCallWasServedThenSpringSecurityFiltersWereNotEachObserved() {
		patch(identityProvider.validToken(), "{\"displayName\":\"Adele\"}").expectStatus().isNoContent();

		assertThat(prometheus()).contains("http_server_requests_seconds_count").doesNotContain("spring_security_");
	}

	@Test
	void prometheusWhenCallWasServedThenTimedOnceWithoutLongTaskTimers() {
		patch(identityProvider.validToken(), "{\"displayName\":\"Adele\"}").expectStatus().isNoContent();

		assertThat(prometheus()).contains("http_server_requests_seconds_count")
			.contains("http_client_requests_seconds_count")
			.doesNotContain("http_server_requests_active_seconds")
			.doesNotContain("http_client_requests_active_seconds")
			.doesNotContain("spring_cloud_gateway_requests");
	}

	@Test
	void healthWhenRunningThenLiveAndReadyWithPolicyAndDatabaseDetails() {
		management().get()
			.uri("/actuator/health/liveness")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP");
		management().get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.components.db.status")
			.isEqualTo("UP")
			.jsonPath("$.components.policy.details.version")
			.isNotEmpty();
		management().get()
			.uri("/actuator/health")
			.exchange()
			.expectBody()
			.jsonPath("$.components.rateLimit.details.store")
			.isEqualTo("local");
	}

	/** The build's CycloneDX SBOM: what the jar carries, and not what it leaves out. */
	@Test
	void sbomWhenAskedOnTheManagementPortThenTheJarsComponents() {
		management().get()
			.uri("/actuator/sbom/application")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.bomFormat")
			.isEqualTo("CycloneDX")
			.jsonPath("$.components[?(@.name == 'spring-cloud-gateway-server-webflux')]")
			.exists()
			.jsonPath("$.components[?(@.name == 'resilience4j-reactor')]")
			.exists()
			.jsonPath("$.components[?(@.name == 'bcprov-jdk18on')]")
			.doesNotExist()
			.jsonPath("$.components[?(@.name == 'kotlin-stdlib')]")
			.doesNotExist()
			.jsonPath("$.components[?(@.name == 'junit-jupiter-api')]")
			.doesNotExist();
	}

	@Test
	void upstreamCircuitWhenGraphAnswersThenClosedInHealthAndResilience4jMetrics() {
		patch(identityProvider.validToken(), "{\"displayName\":\"Adele\"}").expectStatus().isNoContent();

		management().get()
			.uri("/actuator/health")
			.exchange()
			.expectBody()
			.jsonPath("$.components.upstreamCircuit.status")
			.isEqualTo("UP")
			.jsonPath("$.components.upstreamCircuit.details.state")
			.isEqualTo("closed")
			.jsonPath("$.components.upstreamCircuit.details.bufferedCalls")
			.value((Integer calls) -> assertThat(calls).isPositive());
		assertThat(prometheus().lines()
			.filter((line) -> line.startsWith("resilience4j_circuitbreaker_state{") && line.contains("name=\"graph\"")
					&& line.contains("state=\"closed\"")))
			.singleElement()
			.satisfies((line) -> assertThat(line).endsWith(" 1.0"));
		assertThat(prometheus()).contains("resilience4j_circuitbreaker_calls_seconds_count{")
			.contains("resilience4j_circuitbreaker_failure_rate{")
			.contains("resilience4j_circuitbreaker_not_permitted_calls_total{");
	}

	/**
	 * Spring Cloud's discovery clients and refresh scope are not used by the gateway;
	 * their health components (an UNKNOWN "Discovery Client not initialized") would only
	 * mislead.
	 */
	@Test
	void healthWhenRunningThenNoComponentOfWhatTheGatewayDoesNotUse() {
		management().get()
			.uri("/actuator/health")
			.exchange()
			.expectBody()
			.jsonPath("$.components.policy")
			.exists()
			.jsonPath("$.components.discoveryComposite")
			.doesNotExist()
			.jsonPath("$.components.reactiveDiscoveryClients")
			.doesNotExist()
			.jsonPath("$.components.refreshScope")
			.doesNotExist();
	}

	@Test
	void logsWhenCallsAreAllowedRefusedOrFailThenNeverHoldTheTokenOrTheBody(CapturedOutput output) {
		String token = identityProvider.validToken();
		String body = "{\"displayName\":\"secret-display-name-4711\"}";

		patch(token, body).expectStatus().isNoContent();
		patch(token, "{not json secret-display-name-4711").expectStatus().isBadRequest();
		patch(token.substring(0, token.length() - 5) + "AAAAA", body).expectStatus().isUnauthorized();
		graph.willAnswer(com.graphpolicygateway.test.StubGraph.Answer.json(500, "{\"error\":{\"code\":\"x\"}}",
				java.util.Map.of()));
		patch(token, body).expectStatus().isEqualTo(500);

		String[] parts = token.split("\\.");
		assertThat(output.getAll()).doesNotContain(token)
			.doesNotContain(parts[1])
			.doesNotContain(parts[2])
			.doesNotContain("secret-display-name-4711");
	}

	private WebTestClient.ResponseSpec patch(String token, String body) {
		return this.client.method(HttpMethod.PATCH)
			.uri(USER_PATH)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

	private WebTestClient management() {
		// The SBOM is about half a megabyte.
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.managementPort)
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(4 * 1024 * 1024))
			.build();
	}

	private String prometheus() {
		return new String(management().get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBody());
	}

}
