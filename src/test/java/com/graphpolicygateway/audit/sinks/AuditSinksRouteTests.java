package com.graphpolicygateway.audit.sinks;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.GatewayProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway whose only sink, a webhook, points at a closed port: calls are answered at
 * once all the same, the health shows the sink {@code DEGRADED} (HTTP 200, readiness
 * untouched, the header's secret nowhere), and with no Kafka sink the Kafka client never
 * starts.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class AuditSinksRouteTests extends GatewayIntegrationTest {

	private static final String SECRET = "Splunk 5e1f0c2d-secret-hec-token";

	@LocalManagementPort
	int managementPort;

	@DynamicPropertySource
	static void deadWebhook(DynamicPropertyRegistry registry) throws Exception {
		int closed = GatewayProcess.freePort();
		registry.add("graph-gateway.audit.sinks.splunk.type", () -> "webhook");
		registry.add("graph-gateway.audit.sinks.splunk.webhook.url",
				() -> "http://127.0.0.1:" + closed + "/services/collector/event");
		registry.add("graph-gateway.audit.sinks.splunk.webhook.format", () -> "splunk-hec");
		registry.add("graph-gateway.audit.sinks.splunk.webhook.header-value", () -> SECRET);
		registry.add("graph-gateway.audit.sinks.splunk.poll-interval", () -> "100ms");
		registry.add("graph-gateway.audit.sinks.splunk.max-backoff", () -> "1s");
	}

	@Test
	void patchWhenTheOnlySinkIsDeadThenCallsAreAnsweredAtOnceAndHealthSaysDegradedWith200(CapturedOutput output) {
		for (int i = 0; i < 20; i++) {
			long start = System.nanoTime();
			this.client.method(HttpMethod.PATCH)
				.uri("/users/" + UUID.randomUUID())
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
				.header("client-request-id", UUID.randomUUID().toString())
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"displayName\":\"Adele Vance\"}")
				.exchange()
				.expectStatus()
				.isNoContent();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
		}

		WebTestClient management = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.managementPort)
			.build();
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> management.get()
				.uri("/actuator/health")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo("DEGRADED")
				.jsonPath("$.components.auditSinks.status")
				.isEqualTo("DEGRADED")
				.jsonPath("$.components.auditSinks.details.splunk.type")
				.isEqualTo("webhook")
				.jsonPath("$.components.auditSinks.details.splunk.lastError")
				.isEqualTo("java.net.ConnectException")
				.jsonPath("$.components.auditSinks.details.splunk.deliveredBy")
				.isEqualTo("this replica")
				.jsonPath("$.components.auditSinks.details.splunk.lagEvents")
				.value((Integer lag) -> assertThat(lag).isGreaterThanOrEqualTo(20)));
		String health = new String(management.get()
			.uri("/actuator/health")
			.exchange()
			.expectBody()
			.returnResult()
			.getResponseBodyContent());
		assertThat(health).doesNotContain(SECRET);
		management.get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components.auditSinks")
			.doesNotExist();
		// A Kafka client logs its configuration and version when it starts. (Another test
		// class's context that the test framework pauses meanwhile may log its clients'
		// closing.)
		assertThat(output.getAll()).contains("Audit sink 'splunk' failed")
			.doesNotContain(SECRET)
			.doesNotContain("ProducerConfig values")
			.doesNotContain("AdminClientConfig values")
			.doesNotContain("ConsumerConfig values")
			.doesNotContain("Kafka version");
	}

}
