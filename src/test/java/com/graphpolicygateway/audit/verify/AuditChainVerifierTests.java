package com.graphpolicygateway.audit.verify;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditHasher;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.StoredEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.audit.store.TestAuditStores;
import com.graphpolicygateway.graph.OperationAudit;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for {@link AuditChainVerifier}: every change made behind the gateway's back with
 * plain SQL is reported, on SQLite and PostgreSQL.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class AuditChainVerifierTests {

	private final AuditDatabases.Engine engine;

	private AuditDatabases.Database database;

	private JdbcAuditStore store;

	private AuditChainVerifier verifier;

	/** The events of {@link #store}'s chain, in chain order (sequence 1 to 3). */
	private final List<AuditEvent> chain = new ArrayList<>();

	AuditChainVerifierTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void writeTwoChains() {
		this.database = AuditDatabases.create(this.engine);
		this.verifier = TestAuditStores.verifier(this.database);
		this.store = TestAuditStores.started(this.database);
		for (int i = 0; i < 3; i++) {
			AuditEvent pending = TestAuditEvents.pending().arrived(TestAuditEvents.ARRIVED.plusSeconds(i)).build();
			this.store.write(List.of(pending), List.of());
			this.chain.add(TestAuditEvents.succeeded(pending));
		}
		this.store.write(List.of(), this.chain);
		JdbcAuditStore otherReplica = TestAuditStores.started(this.database);
		otherReplica.write(List.of(), List.of(TestAuditEvents.refused(), TestAuditEvents.refused()));
	}

	@AfterEach
	void dropDatabase() {
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void verifyWhenNoChainThenIntact() {
		try (AuditDatabases.Database empty = AuditDatabases.create(this.engine)) {
			AuditVerification verification = TestAuditStores.verifier(empty).verify();

			assertThat(verification).isEqualTo(new AuditVerification(true, 0, 0, null));
		}
	}

	@Test
	void verifyWhenChainsUntouchedThenIntactAndEveryEventChecked() {
		AuditVerification verification = this.verifier.verify();

		assertThat(verification).isEqualTo(new AuditVerification(true, 2, 5, null));
	}

	@Test
	void verifyWhenPendingEventOpenThenIntact() {
		this.store.write(List.of(TestAuditEvents.pending().build()), List.of());

		assertThat(this.verifier.verify()).isEqualTo(new AuditVerification(true, 2, 5, null));
	}

	@ParameterizedTest(name = "{0} = {1}")
	@MethodSource("changedColumns")
	void verifyWhenColumnChangedThenBrokenAtThatEvent(String column, @Nullable Object value) {
		AuditEvent changed = this.chain.get(1);

		int updated = this.database.jdbc()
			.update("UPDATE audit_event SET " + column + " = ? WHERE id = ?", value, changed.id().toString());

		assertThat(updated).isOne();
		assertBrokenAt(2);
	}

	static Stream<Arguments> changedColumns() {
		return Stream.of(arguments("id", UUID.randomUUID().toString()),
				arguments("activity_date_time",
						TestAuditEvents.ARRIVED.plusSeconds(1).minusMillis(1).atOffset(ZoneOffset.UTC)),
				arguments("activity", "Delete user"), arguments("activity_operation_type", "Delete"),
				arguments("activity_result", "failure"), arguments("category", "Device"),
				arguments("correlation_id", UUID.randomUUID().toString()), arguments("actor_type", "Application"),
				arguments("actor_user_id", UUID.randomUUID().toString()),
				arguments("actor_user_principal_name", "mallory@contoso.com"),
				arguments("actor_application_id", UUID.randomUUID().toString()),
				arguments("actor_ip_address", "198.51.100.66"),
				arguments("actor_permissions", "DeviceManagementApps.ReadWrite.All User.ReadWrite.All"),
				arguments("actor_permissions", null), arguments("tenant_id", UUID.randomUUID().toString()),
				arguments("target_user_id", "mallory@contoso.com"),
				arguments("modified_properties",
						"[{\"displayName\":\"jobTitle\",\"newValue\":\"CEO\",\"oldValue\":null}]"),
				arguments("modified_properties", "[]"), arguments("decision", "refuse"),
				arguments("reason", "allowed_by_admin"), arguments("policy_version", "2026-12-01"),
				arguments("policy_version", null), arguments("upstream_status", 200),
				arguments("upstream_status", null), arguments("graph_request_id", UUID.randomUUID().toString()),
				arguments("graph_request_id", null), arguments("latency_ms", 1L), arguments("latency_ms", null),
				arguments("trace_id", "0".repeat(31) + "1"), arguments("trace_id", null),
				// An event made to look like a summary of many refusals.
				arguments("summary_count", 5000L),
				// A PATCH made to look like a device wipe, or like an event stored before
				// the operation was.
				arguments("operation", OperationCatalogue.DEVICE_WIPE), arguments("operation", null),
				arguments("resource_type", OperationAudit.MANAGED_DEVICE), arguments("resource_type", null),
				// Fails today: writer_id is stored but not part of the hash.
				arguments("writer_id", UUID.randomUUID().toString()),
				arguments("chain_id", UUID.randomUUID().toString()), arguments("chain_id", null),
				arguments("chain_seq", 99L), arguments("previous_hash", "f".repeat(64)),
				arguments("hash", "e".repeat(64)));
	}

	/**
	 * The verifier must report a row it cannot read, not fail with an exception (fails
	 * today: it throws).
	 */
	/**
	 * Rows stored before the trail stored the operation have none (NULL columns): their
	 * hashes, made without these columns, still verify.
	 */
	@Test
	void verifyWhenEventsStoredBeforeOperationsThenIntact() {
		AuditEvent pending = TestAuditEvents.pending()
			.arrived(TestAuditEvents.ARRIVED.plusSeconds(3))
			.recordedBeforeOperations()
			.build();
		AuditEvent refused = TestAuditEvents.pending()
			.arrived(TestAuditEvents.ARRIVED.plusSeconds(4))
			.recordedBeforeOperations()
			.build()
			.completed("refused", "refuse", "permission_denied", null, null, 2L);
		this.store.write(List.of(pending), List.of());
		this.store.write(List.of(), List.of(TestAuditEvents.succeeded(pending), refused));
		this.store.write(List.of(TestAuditEvents.pending().recordedBeforeOperations().build()), List.of());

		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("operation", null)
			.containsEntry("resource_type", null);
		assertThat(TestAuditStores.row(this.database, refused.id())).containsEntry("operation", null);
		assertThat(this.verifier.verify()).isEqualTo(new AuditVerification(true, 2, 7, null));
	}

	@Test
	void verifyWhenOperationSetOnEventStoredBeforeOperationsThenBrokenAtThatEvent() {
		AuditEvent refused = TestAuditEvents.pending()
			.arrived(TestAuditEvents.ARRIVED.plusSeconds(3))
			.recordedBeforeOperations()
			.build()
			.completed("refused", "refuse", "permission_denied", null, null, 2L);
		this.store.write(List.of(), List.of(refused));

		this.database.jdbc()
			.update("UPDATE audit_event SET operation = ?, resource_type = ? WHERE id = ?", AuditEvent.SEED_OPERATION,
					AuditEvent.SEED_RESOURCE_TYPE, refused.id().toString());

		assertBrokenAt(4);
	}

	@Test
	void verifyWhenIdNoLongerUuidThenBrokenAtThatEvent() {
		this.database.jdbc()
			.update("UPDATE audit_event SET id = 'not-a-uuid' WHERE id = ?", this.chain.get(1).id().toString());

		assertBrokenAt(2);
	}

	/**
	 * The verifier must report a row it cannot read, not fail with an exception (fails
	 * today: it throws).
	 */
	@Test
	void verifyWhenModifiedPropertiesNoLongerJsonListThenBrokenAtThatEvent() {
		this.database.jdbc()
			.update("UPDATE audit_event SET modified_properties = '{\"displayName\":\"CEO\"}' WHERE id = ?",
					this.chain.get(1).id().toString());

		assertBrokenAt(2);
	}

	@Test
	void verifyWhenEventDeletedInTheMiddleThenBrokenThere() {
		delete(this.chain.get(1));

		AuditVerification verification = this.verifier.verify();

		assertThat(verification.intact()).isFalse();
		assertThat(verification.firstBrokenLink()).isEqualTo(new AuditVerification.BrokenLink(this.store.chainId(), 2,
				this.chain.get(2).id().toString(), "missing event (deleted row)"));
	}

	@Test
	void verifyWhenFirstEventDeletedThenBrokenAtFirst() {
		delete(this.chain.get(0));

		assertBrokenAt(1);
	}

	@Test
	void verifyWhenLastEventDeletedThenChainEndsBeforeItsHead() {
		delete(this.chain.get(2));

		AuditVerification verification = this.verifier.verify();

		assertThat(verification.intact()).isFalse();
		assertThat(verification.firstBrokenLink()).isNotNull().satisfies((broken) -> {
			assertThat(broken.chainId()).isEqualTo(this.store.chainId());
			assertThat(broken.chainSeq()).isEqualTo(3);
			assertThat(broken.eventId()).isNull();
			assertThat(broken.problem()).contains("ends before its recorded head");
		});
	}

	@Test
	void verifyWhenCompletedEventInsertedWithoutChainThenReported() {
		AuditEvent forged = TestAuditEvents.refused();

		insert(forged, this.store.chainId(), null, null, null, null);

		assertForged(forged);
	}

	@Test
	void verifyWhenEventInsertedInUnknownChainThenReported() {
		AuditEvent forged = TestAuditEvents.refused();
		StoredEvent linked = StoredEvent.link(forged, UUID.randomUUID().toString(), 1, AuditHasher.GENESIS);

		insert(forged, linked.chainId(), linked.chainId(), 1L, AuditHasher.GENESIS, linked.hash());

		assertForged(forged);
	}

	@Test
	void verifyWhenEventCorrectlyLinkedAfterChainHeadThenBroken() {
		AuditEvent forged = TestAuditEvents.refused();
		String lastHash = this.database.jdbc()
			.queryForObject("SELECT hash FROM audit_event WHERE id = ?", String.class,
					this.chain.get(2).id().toString());
		StoredEvent linked = StoredEvent.link(forged, this.store.chainId(), 4, lastHash);

		insert(forged, this.store.chainId(), this.store.chainId(), 4L, lastHash, linked.hash());

		AuditVerification verification = this.verifier.verify();
		assertThat(verification.intact()).isFalse();
		assertThat(verification.firstBrokenLink()).isNotNull()
			.extracting(AuditVerification.BrokenLink::chainId)
			.isEqualTo(this.store.chainId());
	}

	@Test
	void verifyWhenEventInsertedBeforeChainStartThenBroken() {
		AuditEvent forged = TestAuditEvents.refused();
		StoredEvent linked = StoredEvent.link(forged, this.store.chainId(), 0, AuditHasher.GENESIS);

		insert(forged, this.store.chainId(), this.store.chainId(), 0L, AuditHasher.GENESIS, linked.hash());

		assertBrokenAt(1);
	}

	@Test
	void verifyWhenOldestEventsPurgedThenIntact() {
		assertThat(this.store.purgeBefore(TestAuditEvents.ARRIVED.plusSeconds(2))).isEqualTo(4);

		assertThat(this.verifier.verify()).isEqualTo(new AuditVerification(true, 2, 1, null));
	}

	@Test
	void verifyWhenEventChangedAfterPurgeThenBroken() {
		this.store.purgeBefore(TestAuditEvents.ARRIVED.plusSeconds(1));

		this.database.jdbc()
			.update("UPDATE audit_event SET reason = 'allowed_by_admin' WHERE id = ?",
					this.chain.get(2).id().toString());

		assertBrokenAt(3);
	}

	@Test
	void verifyWhenFirstKeptEventDeletedAfterPurgeThenBroken() {
		this.store.purgeBefore(TestAuditEvents.ARRIVED.plusSeconds(1));

		delete(this.chain.get(1));

		assertBrokenAt(2);
	}

	private void assertBrokenAt(long chainSeq) {
		AuditVerification verification = this.verifier.verify();
		assertThat(verification.intact()).as("intact").isFalse();
		assertThat(verification.firstBrokenLink()).isNotNull().satisfies((broken) -> {
			assertThat(broken.chainId()).isEqualTo(this.store.chainId());
			assertThat(broken.chainSeq()).isEqualTo(chainSeq);
		});
	}

	private void assertForged(AuditEvent forged) {
		AuditVerification verification = this.verifier.verify();
		assertThat(verification.intact()).isFalse();
		assertThat(verification.firstBrokenLink()).isEqualTo(new AuditVerification.BrokenLink(null, 0,
				forged.id().toString(), "event outside every chain (row inserted)"));
	}

	private void delete(AuditEvent event) {
		assertThat(this.database.jdbc().update("DELETE FROM audit_event WHERE id = ?", event.id().toString())).isOne();
	}

	private void insert(AuditEvent event, String writerId, @Nullable String chainId, @Nullable Long chainSeq,
			@Nullable String previousHash, @Nullable String hash) {
		List<Object> values = new ArrayList<>(Arrays.asList(AuditRows.values(event)));
		values.addAll(Arrays.asList(writerId, chainId, chainSeq, previousHash, hash));
		this.database.jdbc()
			.update("INSERT INTO audit_event (" + AuditRows.COLUMNS
					+ ", writer_id, chain_id, chain_seq, previous_hash, hash) VALUES ("
					+ "?, ".repeat(AuditRows.COLUMN_COUNT + 4) + "?)", values.toArray());
	}

}
