package com.graphpolicygateway.audit.write;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.audit.store.TestAuditStores;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AuditMaintenance}, on SQLite and PostgreSQL: a gateway process (the
 * survivor) recovers the pending events of another one that stopped, and purges expired
 * events.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class AuditMaintenanceTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final Duration STALE_AFTER = Duration.ofMinutes(5);

	private static final Instant NOW = TestAuditEvents.ARRIVED.plus(Duration.ofMinutes(10));

	private final AuditDatabases.Engine engine;

	private AuditDatabases.Database database;

	private JdbcAuditStore stopped;

	private JdbcAuditStore survivor;

	private AuditWriter writer;

	private AuditMaintenance maintenance;

	AuditMaintenanceTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void startSurvivor() {
		this.database = AuditDatabases.create(this.engine);
		this.stopped = TestAuditStores.started(this.database);
		this.survivor = TestAuditStores.unstarted(this.database);
		this.writer = new AuditWriter(this.survivor, 100, 10, clock(NOW), new SimpleMeterRegistry());
		this.writer.start();
		this.maintenance = maintenance(NOW, 30);
	}

	@AfterEach
	void stopSurvivor() {
		if (this.maintenance != null) {
			this.maintenance.stop();
		}
		if (this.writer != null) {
			this.writer.stop();
		}
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void recoverLostEventsWhenAnotherWritersEventIsStaleThenClosedAsUnknownInOwnChain() {
		AuditEvent lost = TestAuditEvents.pending().build();
		this.stopped.write(List.of(lost), List.of());

		assertThat(this.maintenance.recoverLostEvents()).isOne();

		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(TestAuditStores.row(this.database, lost.id()))
				.containsEntry("activity_result", AuditEvent.UNKNOWN));
		assertThat(TestAuditStores.read(this.database, lost.id()))
			.isEqualTo(lost.completed(AuditEvent.UNKNOWN, "allow", "outcome_unknown", null, null, null));
		assertThat(TestAuditStores.row(this.database, lost.id())).containsEntry("writer_id", this.stopped.chainId())
			.containsEntry("chain_id", this.survivor.chainId())
			.containsEntry("chain_seq", 1L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void recoverLostEventsWhenAnotherWritersEventIsYoungThenLeftPending() {
		AuditEvent young = TestAuditEvents.pending().arrived(NOW.minus(STALE_AFTER).plusSeconds(1)).build();
		this.stopped.write(List.of(young), List.of());

		assertThat(this.maintenance.recoverLostEvents()).isZero();

		assertThat(TestAuditStores.row(this.database, young.id())).containsEntry("activity_result", AuditEvent.PENDING);
	}

	@Test
	void recoverLostEventsWhenOwnEventIsStaleThenLeftPending() {
		AuditEvent own = TestAuditEvents.pending().build();
		assertThat(this.writer.open(own)).succeedsWithin(WAIT);

		assertThat(this.maintenance.recoverLostEvents()).isZero();

		assertThat(TestAuditStores.row(this.database, own.id())).containsEntry("activity_result", AuditEvent.PENDING);
	}

	@Test
	void recoverLostEventsWhenEventAlreadyClosedThenLeftAsClosed() {
		AuditEvent answered = TestAuditEvents.pending().build();
		this.stopped.write(List.of(answered), List.of(TestAuditEvents.succeeded(answered)));

		assertThat(this.maintenance.recoverLostEvents()).isZero();

		assertThat(TestAuditStores.row(this.database, answered.id())).containsEntry("activity_result", "success");
	}

	@Test
	void recoverLostEventsWhenRunAgainThenEventClosedOnce() {
		this.stopped.write(List.of(TestAuditEvents.pending().build()), List.of());
		assertThat(this.maintenance.recoverLostEvents()).isOne();
		// Committed, not only taken off the queue: a batch being written is neither.
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(TestAuditStores.chain(this.database, this.survivor.chainId())).hasSize(1));

		assertThat(this.maintenance.recoverLostEvents()).isZero();

		assertThat(TestAuditStores.chain(this.database, this.survivor.chainId())).hasSize(1);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void startWhenLostEventsExistThenClosedRightAway() {
		AuditEvent lost = TestAuditEvents.pending().build();
		this.stopped.write(List.of(lost), List.of());

		this.maintenance.start();

		assertThat(this.maintenance.isRunning()).isTrue();
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(TestAuditStores.row(this.database, lost.id()))
				.containsEntry("activity_result", AuditEvent.UNKNOWN));
		this.maintenance.stop();
		assertThat(this.maintenance.isRunning()).isFalse();
	}

	@Test
	void getPhaseWhenComparedWithWriterThenStartsAfterAndStopsBefore() {
		assertThat(this.maintenance.getPhase()).isGreaterThan(this.writer.getPhase());
	}

	@Test
	void purgeExpiredWhenRetentionZeroThenKeepsEverything() {
		this.stopped.write(List.of(), List.of(TestAuditEvents.refused()));

		assertThat(maintenance(NOW.plus(Duration.ofDays(3650)), 0).purgeExpired()).isZero();

		assertThat(TestAuditStores.count(this.database)).isOne();
	}

	@Test
	void purgeExpiredWhenEventsOlderThanRetentionThenDeletedAndTrailStillVerifies() {
		AuditEvent young = TestAuditEvents.pending()
			.arrived(TestAuditEvents.ARRIVED.plus(Duration.ofDays(20)))
			.build()
			.completed("refused", "refuse", "policy_denied", null, null, 1L);
		this.stopped.write(List.of(), List.of(TestAuditEvents.refused(), young));

		assertThat(maintenance(TestAuditEvents.ARRIVED.plus(Duration.ofDays(40)), 30).purgeExpired()).isOne();

		assertThat(TestAuditStores.chain(this.database, this.stopped.chainId())).containsExactly(young.id().toString());
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	private AuditMaintenance maintenance(Instant now, int retentionDays) {
		return new AuditMaintenance(this.survivor, this.writer, clock(now), STALE_AFTER, retentionDays);
	}

	private static Clock clock(Instant now) {
		return Clock.fixed(now, ZoneOffset.UTC);
	}

}
