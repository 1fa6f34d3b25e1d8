package com.graphpolicygateway.audit.sinks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.query.TestAuditTrail;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AuditSinkDelivery} with a recording sink on a real audit database
 * (SQLite and PostgreSQL): what a batch holds, in which order, and when cursors move.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class AuditSinkDeliveryTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private final AuditDatabases.Engine engine;

	private AuditDatabases.Database database;

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final RecordingSink sink = new RecordingSink();

	private final List<AuditSinkDelivery> started = new ArrayList<>();

	AuditSinkDeliveryTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void createDatabase() {
		this.database = AuditDatabases.create(this.engine);
	}

	@AfterEach
	void dropDatabase() {
		this.started.forEach((delivery) -> delivery.stop(true));
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void deliverWhenChainsHoldEventsThenEachChainInOrderAndNoPendingEvent() throws Exception {
		TestAuditTrail first = TestAuditTrail.start(this.database);
		TestAuditTrail second = TestAuditTrail.start(this.database);
		List<String> firstIds = first.append(5);
		String pending = first.pending();
		List<String> secondIds = second.append(4, null);
		AuditSinkDelivery delivery = delivery(3);

		deliverAll(delivery);

		assertThat(this.sink.eventIds()).hasSize(9).doesNotContain(pending);
		assertThat(eventIdsOf(first.chainId())).containsExactlyElementsOf(firstIds);
		assertThat(eventIdsOf(second.chainId())).containsExactlyElementsOf(secondIds);
		assertThat(this.sink.batches()).isEqualTo(3);
		assertThat(new SinkCursors(this.database.jdbc()).read("siem")).containsExactlyInAnyOrderEntriesOf(
				Map.of("event:" + first.chainId(), 5L, "event:" + second.chainId(), 4L));
		assertThat(this.meters.get("graph_gateway.audit.sink.delivered").tag("sink", "siem").counter().count())
			.isEqualTo(9);
	}

	@Test
	void deliverWhenEventRecordThenTheApiJsonWithItsRecordType() throws Exception {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		String id = trail.append(1).get(0);

		deliverAll(delivery(10));

		SinkRecord record = this.sink.records().get(0);
		JsonNode json = TestDeliveries.JSON.readTree(record.json());
		assertThat(json.propertyNames().iterator().next()).isEqualTo("recordType");
		assertThat(json.get("recordType").asString()).isEqualTo("auditEvent");
		assertThat(json.get("id").asString()).isEqualTo(id);
		assertThat(json.get("chainId").asString()).isEqualTo(trail.chainId());
		assertThat(json.get("chainSeq").asLong()).isEqualTo(1);
		assertThat(json.get("tenantId").asString()).isEqualTo(TestAuditTrail.TENANT);
		assertThat(json.at("/resources/0/modifiedProperties/0/newValue").asString())
			.isEqualTo(TestAuditTrail.AWKWARD_VALUE);
		JsonNode api = TestDeliveries.JSON.readTree(TestDeliveries.JSON.writeValueAsString(record.event()));
		((tools.jackson.databind.node.ObjectNode) json).remove("recordType");
		assertThat(json).isEqualTo(api);
	}

	@Test
	void deliverWhenEventHasABeforeImageThenTheRecordCarriesOldAndNewValuesAndHowTheReadWent() throws Exception {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		trail.appendWithBeforeImage("Adele V.");

		deliverAll(delivery(10));

		JsonNode json = TestDeliveries.JSON.readTree(this.sink.records().get(0).json());
		assertThat(json.at("/resources/0/modifiedProperties/0/oldValue").asString()).isEqualTo("Adele V.");
		assertThat(json.at("/resources/0/modifiedProperties/0/newValue").asString())
			.isEqualTo(TestAuditTrail.AWKWARD_VALUE);
		assertThat(json.at("/beforeImage/status").asString()).isEqualTo("captured");
		assertThat(json.at("/beforeImage/latencyMillis").asLong()).isEqualTo(8);
	}

	@Test
	void deliverWhenSinkFailsThenCursorStaysAndTheBatchIsSentAgain() throws Exception {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		List<String> ids = trail.append(3);
		AuditSinkDelivery delivery = delivery(10);
		this.sink.failNext(1);

		assertThatIOException().isThrownBy(delivery::deliverOnce);
		assertThat(new SinkCursors(this.database.jdbc()).read("siem")).isEmpty();

		deliverAll(delivery);
		assertThat(this.sink.eventIds()).containsExactlyElementsOf(ids);
		assertThat(new SinkCursors(this.database.jdbc()).read("siem")).containsEntry("event:" + trail.chainId(), 3L);
	}

	@Test
	void deliverWhenCheckpointsThenEachAfterTheEventsItCoversInTheCheckpointShape() throws Exception {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		trail.append(3);
		AuditCheckpoint covered = trail.checkpoint(1, 3);
		AuditSinkDelivery delivery = delivery(2);

		deliverAll(delivery);
		// Checkpoint 2 covers an event the chain does not have yet.
		trail.checkpoint(2, 4);
		deliverAll(delivery);
		assertThat(types()).containsExactly("auditEvent", "auditEvent", "auditEvent", "auditCheckpoint");

		trail.append(1);
		deliverAll(delivery);
		assertThat(types()).containsExactly("auditEvent", "auditEvent", "auditEvent", "auditCheckpoint", "auditEvent",
				"auditCheckpoint");
		JsonNode json = TestDeliveries.JSON.readTree(this.sink.records().get(3).json());
		assertThat(json.propertyNames()).containsExactly("recordType", "chainId", "checkpointSeq", "createdAt",
				"chainPosition", "headHash", "eventCount", "knownChains", "keyId", "algorithm", "signature");
		assertThat(json.get("recordType").asString()).isEqualTo(AuditCheckpoint.RECORD_TYPE);
		assertThat(json.get("createdAt").asString()).isEqualTo(covered.createdAt().toString());
		assertThat(json.get("checkpointSeq").asLong()).isEqualTo(1);
		assertThat(json.get("signature").asString()).isEqualTo(covered.signature());
		assertThat(new SinkCursors(this.database.jdbc()).read("siem")).containsEntry("checkpoint:" + trail.chainId(),
				2L);
	}

	@Test
	void deliverWhenOldEventsWerePurgedThenANewSinkStartsAtTheOldestKeptAndAnOldOneCountsTheSkipped() throws Exception {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		trail.append(3);
		new SinkCursors(this.database.jdbc()).advance("old", Map.of("event:" + trail.chainId(), 1L));
		Thread.sleep(2); // the kept events arrive strictly after the cut
		Instant cut = Instant.now();
		Thread.sleep(2);
		List<String> kept = trail.append(2);
		assertThat(trail.purgeBefore(cut)).isEqualTo(3);

		deliverAll(delivery(10));
		RecordingSink old = new RecordingSink();
		AuditSinkDelivery oldDelivery = TestDeliveries.delivery(this.database, "old", old, 10, LEASE, this.meters);
		oldDelivery.lease().acquireOrRenew();
		while (oldDelivery.deliverOnce() > 0) {
		}

		assertThat(this.sink.eventIds()).containsExactlyElementsOf(kept);
		assertThat(old.eventIds()).containsExactlyElementsOf(kept);
		assertThat(this.meters.get("graph_gateway.audit.sink.skipped").tag("sink", "old").counter().count())
			.isEqualTo(2);
		assertThat(this.meters.get("graph_gateway.audit.sink.skipped").tag("sink", "siem").counter().count()).isZero();
	}

	@Test
	void runWhenSinkFailsForAWhileThenLagAndFailuresRiseAndEverythingIsDeliveredAfter() {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		List<String> ids = trail.append(4);
		this.sink.failNext(2);
		AuditSinkDelivery delivery = delivery(10);

		start(delivery);

		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			assertThat(failures()).isEqualTo(2);
			assertThat(this.sink.eventIds()).containsExactlyElementsOf(ids);
		});
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			assertThat(lagEvents()).isZero();
			assertThat(delivery.state().degraded()).isFalse();
		});
	}

	@Test
	void measureWhenEventsWaitThenLagInEventsAndSecondsUntilDelivered() throws Exception {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		trail.append(3);
		Thread.sleep(1100);
		AuditSinkDelivery delivery = delivery(2);
		this.sink.failNext(1);

		assertThatIOException().isThrownBy(delivery::deliverOnce);
		assertThat(lagEvents()).isEqualTo(3);
		assertThat(lagSeconds()).isGreaterThanOrEqualTo(1.0);

		deliverAll(delivery);
		assertThat(lagEvents()).isZero();
		assertThat(lagSeconds()).isZero();
	}

	private AuditSinkDelivery delivery(int batchSize) {
		AuditSinkDelivery delivery = TestDeliveries.delivery(this.database, "siem", this.sink, batchSize, LEASE,
				this.meters);
		assertThat(delivery.lease().acquireOrRenew()).isTrue();
		return delivery;
	}

	private void start(AuditSinkDelivery delivery) {
		this.started.add(delivery);
		delivery.start();
	}

	private static void deliverAll(AuditSinkDelivery delivery) throws Exception {
		while (delivery.deliverOnce() > 0) {
		}
	}

	private List<String> eventIdsOf(String chainId) {
		return this.sink.records()
			.stream()
			.filter((record) -> record.event() != null && chainId.equals(record.event().chainId()))
			.map((record) -> record.event().id())
			.toList();
	}

	private List<String> types() {
		return this.sink.records().stream().map(SinkRecord::type).toList();
	}

	private double failures() {
		return this.meters.get("graph_gateway.audit.sink.failures").tag("sink", "siem").counter().count();
	}

	private double lagEvents() {
		return this.meters.get("graph_gateway.audit.sink.lag.events").tag("sink", "siem").gauge().value();
	}

	private double lagSeconds() {
		return this.meters.get("graph_gateway.audit.sink.lag").tag("sink", "siem").timeGauge().value(TimeUnit.SECONDS);
	}

}
