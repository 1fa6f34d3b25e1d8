package com.graphpolicygateway.audit.sinks;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import com.graphpolicygateway.audit.query.TestAuditTrail;
import com.graphpolicygateway.system.AuditSinkProperties;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link WebhookAuditSink} against a loopback receiver that refuses posts for a
 * while: everything arrives, in chain order, with the configured header, as JSON arrays
 * or as Splunk HTTP Event Collector events.
 */
class WebhookAuditSinkTests {

	private static final String TOKEN = "Splunk 0c8f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

	private AuditDatabases.Database database;

	private WebhookReceiver receiver;

	private final List<AuditSinkDelivery> started = new ArrayList<>();

	@BeforeEach
	void start() throws Exception {
		this.database = AuditDatabases.create(AuditDatabases.Engine.SQLITE);
		this.receiver = WebhookReceiver.start();
	}

	@AfterEach
	void stop() {
		this.started.forEach((delivery) -> delivery.stop(true));
		this.receiver.close();
		this.database.close();
	}

	@Test
	void deliverWhenReceiverRefusesForAWhileThenEverythingArrivesInChainOrderWithTheHeader() {
		TestAuditTrail first = TestAuditTrail.start(this.database);
		TestAuditTrail second = TestAuditTrail.start(this.database);
		List<String> firstIds = first.append(7);
		List<String> secondIds = second.append(5, null);
		first.checkpoint(1, 7);
		this.receiver.refuse(3);

		run(AuditSinkProperties.Format.JSON);

		await().atMost(Duration.ofSeconds(30)).until(() -> this.receiver.eventIds().size() == 12);
		assertThat(this.receiver.refused()).isEqualTo(3);
		assertThat(idsOf(first.chainId())).containsExactlyElementsOf(firstIds);
		assertThat(idsOf(second.chainId())).containsExactlyElementsOf(secondIds);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.receiver.records()
				.stream()
				.anyMatch((record) -> record.get("recordType").asString().equals("auditCheckpoint")));
		assertThat(this.receiver.accepted()).allSatisfy((post) -> {
			assertThat(post.authorization()).isEqualTo(TOKEN);
			assertThat(post.contentType()).isEqualTo("application/json");
			assertThat(post.body()).startsWith("[{\"recordType\":");
		});
	}

	@Test
	void deliverWhenSplunkHecThenOneEventObjectPerRecordWithItsTimeAndSourceType() {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		List<String> ids = trail.append(3);

		run(AuditSinkProperties.Format.SPLUNK_HEC);

		await().atMost(Duration.ofSeconds(10)).until(() -> this.receiver.eventIds().size() == 3);
		assertThat(this.receiver.eventIds()).containsExactlyElementsOf(ids);
		String body = this.receiver.accepted().get(0).body();
		String line = body.split("\n")[0];
		JsonNode event = TestDeliveries.JSON.readTree(line);
		assertThat(event.propertyNames()).containsExactly("time", "sourcetype", "event");
		assertThat(event.get("sourcetype").asString()).isEqualTo("graph-policy-gateway:audit");
		JsonNode record = event.get("event");
		assertThat(record.get("recordType").asString()).isEqualTo("auditEvent");
		BigDecimal millis = BigDecimal
			.valueOf(java.time.Instant.parse(record.get("activityDateTime").asString()).toEpochMilli())
			.movePointLeft(3);
		assertThat(line).startsWith("{\"time\":" + millis.toPlainString() + ",");
	}

	@Test
	void createWhenHeaderNameTheClientCannotSendThenClearMessageWithoutTheValue() {
		AuditSinkProperties.Webhook webhook = new AuditSinkProperties.Webhook(this.receiver.uri(),
				AuditSinkProperties.Format.JSON, "Host", "secret-value", null, Duration.ofSeconds(5));

		assertThatIllegalArgumentException().isThrownBy(() -> new WebhookAuditSink(webhook, null))
			.withMessageContaining("header-name Host")
			.withMessageNotContaining("secret-value");
	}

	private void run(AuditSinkProperties.Format format) {
		AuditSinkProperties.Webhook webhook = new AuditSinkProperties.Webhook(this.receiver.uri(), format,
				"Authorization", TOKEN, null, Duration.ofSeconds(5));
		AuditSinkDelivery delivery = TestDeliveries.delivery(this.database, "webhook",
				new WebhookAuditSink(webhook, null), 4, Duration.ofSeconds(30), new SimpleMeterRegistry());
		delivery.lease().acquireOrRenew();
		this.started.add(delivery);
		delivery.start();
	}

	private List<String> idsOf(String chainId) {
		return this.receiver.records()
			.stream()
			.filter((record) -> record.get("recordType").asString().equals("auditEvent")
					&& record.get("chainId").asString().equals(chainId))
			.map((record) -> record.get("id").asString())
			.toList();
	}

}
