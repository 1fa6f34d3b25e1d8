package com.graphpolicygateway.audit.sinks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Kafka sink on the whole gateway, to a real broker in the test JVM read back with a
 * real consumer: N calls give N events, in chain order, keyed by tenant; with the broker
 * stopped calls are still answered, the lag rises, and once it is back nothing is lost
 * and the lag falls to zero.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class KafkaAuditSinkRouteTests extends GatewayIntegrationTest {

	private static final String TOPIC = "graph-gateway-audit";

	private static final TestKafka kafka = TestKafka.start(TOPIC);

	@Autowired
	MeterRegistry meters;

	@DynamicPropertySource
	static void kafkaSink(DynamicPropertyRegistry registry) {
		registry.add("spring.kafka.bootstrap-servers", kafka::bootstrapServers);
		TestKafka.impatientProducer().forEach((property) -> {
			String[] pair = property.split("=", 2);
			registry.add(pair[0], () -> pair[1]);
		});
		registry.add("graph-gateway.audit.sinks.siem.type", () -> "kafka");
		registry.add("graph-gateway.audit.sinks.siem.kafka.topic", () -> TOPIC);
		registry.add("graph-gateway.audit.sinks.siem.poll-interval", () -> "100ms");
		registry.add("graph-gateway.audit.sinks.siem.max-backoff", () -> "1s");
	}

	@AfterAll
	static void stopKafka() {
		kafka.close();
	}

	@Test
	void patchWhenCallsThenEachEventReachesTheTopicOnceInChainOrderKeyedByTenant() {
		List<String> sent = patch(20);

		Map<String, ConsumerRecord<String, String>> received = await().atMost(Duration.ofSeconds(30))
			.until(() -> events(sent), (events) -> events.size() == sent.size());

		assertThat(received.keySet()).containsExactlyInAnyOrderElementsOf(sent);
		assertThat(kafka.readAll(TOPIC)
			.stream()
			.map((record) -> TestDeliveries.JSON.readTree(record.value()).path("correlationId").asString(""))
			.filter(sent::contains)).as("each event once").hasSize(sent.size());
		List<Long> seqs = new ArrayList<>();
		for (ConsumerRecord<String, String> record : received.values()) {
			JsonNode json = TestDeliveries.JSON.readTree(record.value());
			assertThat(record.key()).isEqualTo(StubIdentityProvider.TENANT).isEqualTo(json.get("tenantId").asString());
			assertThat(new String(record.headers().lastHeader("recordType").value(), StandardCharsets.US_ASCII))
				.isEqualTo("auditEvent");
			assertThat(json.get("recordType").asString()).isEqualTo("auditEvent");
			assertThat(json.get("activityResult").asString()).isEqualTo("success");
			seqs.add(json.get("chainSeq").asLong());
		}
		assertThat(seqs).isSorted().doesNotHaveDuplicates();
	}

	@Test
	void patchWhenBrokerIsDownThenCallsAreAnsweredLagRisesAndOnceBackNothingIsLost() {
		kafka.stopBroker();
		List<String> sent;
		try {
			sent = patch(10);
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				assertThat(lagEvents()).isGreaterThanOrEqualTo(10);
				assertThat(this.meters.get("graph_gateway.audit.sink.failures").tag("sink", "siem").counter().count())
					.isPositive();
			});
		}
		finally {
			kafka.startBroker();
		}

		await().atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofSeconds(1))
			.until(() -> events(sent).size() == sent.size());
		await().atMost(Duration.ofSeconds(10)).until(() -> lagEvents() == 0);
	}

	private double lagEvents() {
		return this.meters.get("graph_gateway.audit.sink.lag.events").tag("sink", "siem").gauge().value();
	}

	/**
	 * Sends {@code count} allowed calls, each answered at once; their client-request-ids.
	 */
	private List<String> patch(int count) {
		List<String> sent = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String id = UUID.randomUUID().toString();
			this.client.method(HttpMethod.PATCH)
				.uri("/users/" + UUID.randomUUID())
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
				.header("client-request-id", id)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"displayName\":\"Adele Vance\"}")
				.exchange()
				.expectStatus()
				.is2xxSuccessful();
			sent.add(id);
		}
		return sent;
	}

	/** The topic's event records of these calls, by client-request-id, in topic order. */
	private static Map<String, ConsumerRecord<String, String>> events(List<String> correlationIds) {
		Map<String, ConsumerRecord<String, String>> events = new LinkedHashMap<>();
		for (ConsumerRecord<String, String> record : kafka.readAll(TOPIC)) {
			JsonNode json = TestDeliveries.JSON.readTree(record.value());
			String correlationId = json.path("correlationId").asString(null);
			if (correlationId != null && correlationIds.contains(correlationId)) {
				events.putIfAbsent(correlationId, record);
			}
		}
		return events;
	}

}
