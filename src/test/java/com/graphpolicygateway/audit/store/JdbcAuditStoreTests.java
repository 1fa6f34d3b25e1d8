package com.graphpolicygateway.audit.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.mockito.invocation.Invocation;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.CannotCreateTransactionException;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditHasher;
import com.graphpolicygateway.audit.event.StoredEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.query.AuditEventView;
import com.graphpolicygateway.audit.query.JdbcAuditReader;
import com.graphpolicygateway.audit.verify.AuditVerification;
import com.graphpolicygateway.graph.OperationAudit;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.mockingDetails;
import static org.mockito.Mockito.spy;

/**
 * Tests for {@link JdbcAuditStore}, on SQLite and PostgreSQL.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class JdbcAuditStoreTests {

	private final AuditDatabases.Engine engine;

	private AuditDatabases.Database database;

	JdbcAuditStoreTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void createDatabase() {
		this.database = AuditDatabases.create(this.engine);
	}

	@AfterEach
	void dropDatabase() {
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void writeWhenPendingThenStoredOutsideEveryChain() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.pending().build();

		assertThat(store.write(List.of(pending), List.of())).isEmpty();

		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(pending);
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("writer_id", store.chainId())
			.containsEntry("chain_id", null)
			.containsEntry("chain_seq", null)
			.containsEntry("previous_hash", null)
			.containsEntry("hash", null);
		assertThat(head(store)).containsEntry("last_seq", 0L).containsEntry("last_hash", AuditHasher.GENESIS);
	}

	@Test
	void writeWhenPendingThenClosedThenOneChainedRowWithOutcome() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.pending().build();
		AuditEvent succeeded = TestAuditEvents.succeeded(pending);

		store.write(List.of(pending), List.of());
		assertThat(store.write(List.of(), List.of(succeeded))).isEmpty();

		String hash = StoredEvent.link(succeeded, store.chainId(), 1, AuditHasher.GENESIS).hash();
		assertThat(TestAuditStores.count(this.database)).isOne();
		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(succeeded);
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("activity_result", "success")
			.containsEntry("upstream_status", 204)
			.containsEntry("latency_ms", 42L)
			.containsEntry("graph_request_id", succeeded.graphRequestId())
			.containsEntry("writer_id", store.chainId())
			.containsEntry("chain_id", store.chainId())
			.containsEntry("chain_seq", 1L)
			.containsEntry("previous_hash", AuditHasher.GENESIS)
			.containsEntry("hash", hash);
		assertThat(head(store)).containsEntry("last_seq", 1L).containsEntry("last_hash", hash);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenOutcomeCarriesABeforeImageThenOldValuesAndItsColumnsClosedIntoThePendingRowAndVerified() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.pending().build();
		store.write(List.of(pending), List.of());
		AuditEvent succeeded = TestAuditEvents.succeeded(pending)
			.withBeforeImage(
					List.of(new AuditEvent.ModifiedProperty("displayName", "Adele V.", "Adele Vance"),
							new AuditEvent.ModifiedProperty("jobTitle", "Analyst", "Retail Manager")),
					new AuditEvent.BeforeImage(AuditEvent.BeforeImage.CAPTURED, null, 17L));

		assertThat(store.write(List.of(), List.of(succeeded))).isEmpty();

		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(succeeded);
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("before_image_status", "captured")
			.containsEntry("before_image_reason", null)
			.containsEntry("before_image_latency_ms", 17L)
			.containsEntry("hash", StoredEvent.link(succeeded, store.chainId(), 1, AuditHasher.GENESIS).hash());
		assertThat((String) TestAuditStores.row(this.database, pending.id()).get("modified_properties"))
			.contains("\"oldValue\":\"Adele V.\"");
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();

		this.database.jdbc()
			.update("UPDATE audit_event SET before_image_status = 'unavailable', before_image_reason = 'timeout'");
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isFalse();
	}

	@Test
	void writeWhenAnotherWritersPendingRowClosedAsUnknownThenItsModifiedPropertiesKeptAndVerified() {
		JdbcAuditStore stopped = TestAuditStores.started(this.database);
		JdbcAuditStore survivor = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.pending().build();
		stopped.write(List.of(pending), List.of());
		AuditEvent recovered = survivor.stalePendingEvents(TestAuditEvents.ARRIVED.plusSeconds(1), 10).get(0);

		assertThat(survivor.write(List.of(),
				List.of(recovered.completed(AuditEvent.UNKNOWN, "allow", "outcome_unknown", null, null, null))))
			.isEmpty();

		assertThat(TestAuditStores.read(this.database, pending.id()).modifiedProperties())
			.isEqualTo(pending.modifiedProperties());
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("before_image_status", null);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenPendingAndOutcomeInOneBatchThenOneChainedRow() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.pending().build();

		assertThat(store.write(List.of(pending), List.of(TestAuditEvents.succeeded(pending)))).isEmpty();

		assertThat(TestAuditStores.count(this.database)).isOne();
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("activity_result", "success")
			.containsEntry("chain_seq", 1L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenCompletedWithoutPendingThenInsertedWhole() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent refused = TestAuditEvents.refused();

		assertThat(store.write(List.of(), List.of(refused))).isEmpty();

		assertThat(TestAuditStores.read(this.database, refused.id())).isEqualTo(refused);
		assertThat(TestAuditStores.row(this.database, refused.id())).containsEntry("writer_id", store.chainId())
			.containsEntry("chain_id", store.chainId())
			.containsEntry("chain_seq", 1L)
			.containsEntry("previous_hash", AuditHasher.GENESIS)
			.containsEntry("hash", StoredEvent.link(refused, store.chainId(), 1, AuditHasher.GENESIS).hash());
	}

	@Test
	void writeWhenDeviceWipeThenItsOperationAndResourceTypeStoredAndReadBack() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.deviceWipe().build();

		store.write(List.of(pending), List.of());
		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(pending);
		AuditEvent succeeded = TestAuditEvents.succeeded(pending);
		store.write(List.of(), List.of(succeeded));

		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(succeeded);
		assertThat(TestAuditStores.row(this.database, pending.id()))
			.containsEntry("operation", OperationCatalogue.DEVICE_WIPE)
			.containsEntry("resource_type", OperationAudit.MANAGED_DEVICE)
			.containsEntry("target_user_id", TestAuditEvents.DEVICE_ID);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenSeedOperationThenStoredNotLeftNull() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent refused = TestAuditEvents.refused();

		store.write(List.of(), List.of(refused));

		assertThat(TestAuditStores.row(this.database, refused.id()))
			.containsEntry("operation", AuditEvent.SEED_OPERATION)
			.containsEntry("resource_type", AuditEvent.SEED_RESOURCE_TYPE);
	}

	/**
	 * A row stored before the trail stored the operation reads as it is (no operation),
	 * so that its hash still matches, and the API shows it as the seed's.
	 */
	@Test
	void readWhenRowStoredBeforeOperationsThenNoneAndShownAsTheSeeds() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent refused = TestAuditEvents.pending()
			.recordedBeforeOperations()
			.build()
			.completed("refused", "refuse", "permission_denied", null, null, 1L);
		store.write(List.of(), List.of(refused));

		AuditEvent read = TestAuditStores.read(this.database, refused.id());

		assertThat(read).isEqualTo(refused);
		assertThat(read.operation()).isNull();
		assertThat(read.resourceType()).isNull();
		AuditEventView view = new JdbcAuditReader(this.database.jdbc()).find(refused.id().toString()).orElseThrow();
		assertThat(view.operation()).isEqualTo(OperationCatalogue.USER_UPDATE);
		assertThat(view.resources()).singleElement().satisfies((resource) -> {
			assertThat(resource.type()).isEqualTo(OperationAudit.USER);
			assertThat(resource.resourceId()).isEqualTo(TestAuditEvents.TARGET);
		});
	}

	@Test
	void writeWhenOptionalValuesNullThenReadBackEqual() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent refused = TestAuditEvents.pending()
			.actor(AuditEvent.Actor.unknown(null))
			.targetUserId(null)
			.properties(new AuditEvent.ModifiedProperty("jobTitle", null, null))
			.policyVersion(null)
			.traceId(null)
			.build()
			.completed("refused", "refuse", "invalid_token", null, null, null);

		store.write(List.of(), List.of(refused));

		assertThat(TestAuditStores.read(this.database, refused.id())).isEqualTo(refused);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenValuesHoldNonAsciiAndEmojiThenReadBackEqualAndVerified() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent refused = TestAuditEvents.pending()
			.properties(new AuditEvent.ModifiedProperty("displayName", null, "Adèle Vance 😀"),
					new AuditEvent.ModifiedProperty("aboutMe", null, "line\nbreak \"quoted\" \\ tab\t"))
			.build()
			.completed("refused", "refuse", "policy_denied", null, null, 1L);

		store.write(List.of(), List.of(refused));

		assertThat(TestAuditStores.read(this.database, refused.id())).isEqualTo(refused);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	/**
	 * A JSON body may carry an escaped lone surrogate (a high surrogate without its
	 * pair), and cutting a long value can split a pair: the trail must still verify.
	 * Fails on PostgreSQL: the driver stores the lone surrogate as '?', so the row no
	 * longer matches its hash.
	 */
	@Test
	void writeWhenValueHoldsUnpairedSurrogateThenReadBackEqualAndVerified() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent refused = TestAuditEvents.pending()
			.properties(new AuditEvent.ModifiedProperty("displayName", null, "Adele \uD83D"))
			.build()
			.completed("refused", "refuse", "policy_denied", null, null, 1L);

		store.write(List.of(), List.of(refused));

		assertThat(TestAuditStores.read(this.database, refused.id())).isEqualTo(refused);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenSeveralBatchesThenChainContiguous() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent first = TestAuditEvents.pending().build();
		AuditEvent second = TestAuditEvents.pending().build();
		store.write(List.of(first, second), List.of(TestAuditEvents.refused()));
		store.write(List.of(TestAuditEvents.pending().build()),
				List.of(TestAuditEvents.succeeded(second), TestAuditEvents.refused()));
		store.write(List.of(), List.of(TestAuditEvents.succeeded(first)));

		List<Map<String, Object>> chain = chainRows(store.chainId());

		assertThat(chain).extracting((row) -> row.get("chain_seq")).containsExactly(1L, 2L, 3L, 4L);
		assertLinked(chain);
		assertThat(head(store)).containsEntry("last_seq", 4L).containsEntry("last_hash", chain.get(3).get("hash"));
		AuditVerification verification = TestAuditStores.verifier(this.database).verify();
		assertThat(verification.intact()).isTrue();
		assertThat(verification.eventsChecked()).isEqualTo(4);
	}

	@Test
	void writeWhenTwoStoresShareDatabaseThenEachAppendsToItsOwnChain() {
		JdbcAuditStore replicaA = TestAuditStores.started(this.database);
		JdbcAuditStore replicaB = TestAuditStores.started(this.database);
		AuditEvent pendingA = TestAuditEvents.pending().build();
		AuditEvent pendingB = TestAuditEvents.pending().build();
		replicaA.write(List.of(pendingA), List.of(TestAuditEvents.refused()));
		replicaB.write(List.of(pendingB), List.of(TestAuditEvents.refused(), TestAuditEvents.refused()));
		replicaA.write(List.of(), List.of(TestAuditEvents.succeeded(pendingA)));
		replicaB.write(List.of(), List.of(TestAuditEvents.succeeded(pendingB)));
		replicaA.write(List.of(), List.of(TestAuditEvents.refused()));

		List<Map<String, Object>> chainA = chainRows(replicaA.chainId());
		List<Map<String, Object>> chainB = chainRows(replicaB.chainId());

		assertThat(chainA).extracting((row) -> row.get("chain_seq")).containsExactly(1L, 2L, 3L);
		assertThat(chainB).extracting((row) -> row.get("chain_seq")).containsExactly(1L, 2L, 3L);
		assertLinked(chainA);
		assertLinked(chainB);
		AuditVerification verification = TestAuditStores.verifier(this.database).verify();
		assertThat(verification.intact()).isTrue();
		assertThat(verification.chains()).isEqualTo(2);
		assertThat(verification.eventsChecked()).isEqualTo(6);
	}

	@Test
	void writeWhenClosingAnotherWritersPendingEventThenChainedInOwnChain() {
		JdbcAuditStore stopped = TestAuditStores.started(this.database);
		JdbcAuditStore survivor = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.pending().build();
		stopped.write(List.of(pending), List.of());

		AuditEvent lost = pending.completed(AuditEvent.UNKNOWN, "allow", "outcome_unknown", null, null, null);
		assertThat(survivor.write(List.of(), List.of(lost))).isEmpty();

		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("activity_result", "unknown")
			.containsEntry("writer_id", stopped.chainId())
			.containsEntry("chain_id", survivor.chainId())
			.containsEntry("chain_seq", 1L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenEventAlreadyClosedElsewhereThenReportedMissingAndChainNotAdvanced() {
		JdbcAuditStore replicaA = TestAuditStores.started(this.database);
		JdbcAuditStore replicaB = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.pending().build();
		replicaA.write(List.of(pending), List.of(TestAuditEvents.succeeded(pending)));

		AuditEvent lost = pending.completed(AuditEvent.UNKNOWN, "allow", "outcome_unknown", null, null, null);
		AuditEvent refused = TestAuditEvents.refused();

		assertThat(replicaB.write(List.of(), List.of(lost, refused))).containsExactly(pending.id());
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("activity_result", "success")
			.containsEntry("chain_id", replicaA.chainId());
		assertThat(TestAuditStores.row(this.database, refused.id())).containsEntry("chain_seq", 1L);
		assertThat(head(replicaB)).containsEntry("last_seq", 1L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenOutcomesOfOwnPendingEventsThenClosedInOneBatchAndChainVerifies() {
		JdbcTemplate jdbc = spy(this.database.jdbc());
		JdbcAuditStore store = started(jdbc);
		List<AuditEvent> pending = List.of(TestAuditEvents.pending().build(), TestAuditEvents.pending().build(),
				TestAuditEvents.pending().build());
		store.write(pending, List.of());
		clearInvocations(jdbc);
		List<AuditEvent> outcomes = pending.stream().map(TestAuditEvents::succeeded).toList();

		assertThat(store.write(List.of(), outcomes)).isEmpty();

		assertThat(statements(jdbc)).containsExactly("batch of 3: UPDATE audit_event", "UPDATE audit_chain");
		assertThat(chainRows(store.chainId())).extracting((row) -> row.get("hash"))
			.containsExactlyElementsOf(hashes(store.chainId(), outcomes));
		assertThat(TestAuditStores.row(this.database, pending.get(1).id())).containsEntry("writer_id", store.chainId())
			.containsEntry("activity_result", "success");
		assertThat(store.ownPendingCount()).isZero();
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenOutcomesAndWholeRefusalsMixedThenOneBatchEachAndChainInQueueOrder() {
		JdbcTemplate jdbc = spy(this.database.jdbc());
		JdbcAuditStore store = started(jdbc);
		AuditEvent first = TestAuditEvents.pending().build();
		AuditEvent second = TestAuditEvents.pending().build();
		store.write(List.of(first, second), List.of());
		clearInvocations(jdbc);
		AuditEvent refused = TestAuditEvents.refused();
		AuditEvent alsoRefused = TestAuditEvents.refused();
		List<AuditEvent> queued = List.of(refused, TestAuditEvents.succeeded(first), alsoRefused,
				TestAuditEvents.succeeded(second));

		assertThat(store.write(List.of(), queued, Set.of(refused.id(), alsoRefused.id()))).isEmpty();

		assertThat(statements(jdbc)).containsExactly("batch of 2: UPDATE audit_event",
				"batch of 2: INSERT INTO audit_event", "UPDATE audit_chain");
		assertThat(TestAuditStores.chain(this.database, store.chainId())).containsExactlyElementsOf(ids(queued));
		assertThat(chainRows(store.chainId())).extracting((row) -> row.get("hash"))
			.containsExactlyElementsOf(hashes(store.chainId(), queued));
		assertThat(TestAuditStores.read(this.database, alsoRefused.id())).isEqualTo(alsoRefused);
		assertThat(TestAuditStores.row(this.database, alsoRefused.id())).containsEntry("writer_id", store.chainId());
		assertThat(head(store)).containsEntry("last_seq", 4L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenOwnPendingRowClosedElsewhereMeanwhileThenWrittenOneByOneWithoutGap() {
		JdbcTemplate jdbc = spy(this.database.jdbc());
		JdbcAuditStore store = started(jdbc);
		JdbcAuditStore otherReplica = TestAuditStores.started(this.database);
		List<AuditEvent> pending = List.of(TestAuditEvents.pending().build(), TestAuditEvents.pending().build(),
				TestAuditEvents.pending().build());
		store.write(pending, List.of());
		assertThat(store.ownPendingCount()).isEqualTo(3);
		AuditEvent recovered = pending.get(1)
			.completed(AuditEvent.UNKNOWN, "allow", "outcome_unknown", null, null, null);
		otherReplica.write(List.of(), List.of(recovered));
		clearInvocations(jdbc);
		AuditEvent refused = TestAuditEvents.refused();
		List<AuditEvent> queued = List.of(TestAuditEvents.succeeded(pending.get(0)),
				TestAuditEvents.succeeded(pending.get(1)), TestAuditEvents.succeeded(pending.get(2)), refused);

		assertThat(store.write(List.of(), queued, Set.of(refused.id()))).containsExactly(pending.get(1).id());

		assertThat(statements(jdbc)).startsWith("batch of 3: UPDATE audit_event", "UPDATE audit_event");
		List<AuditEvent> written = List.of(queued.get(0), queued.get(2), refused);
		assertThat(TestAuditStores.chain(this.database, store.chainId())).containsExactlyElementsOf(ids(written));
		assertThat(chainRows(store.chainId())).extracting((row) -> row.get("hash"))
			.containsExactlyElementsOf(hashes(store.chainId(), written));
		assertThat(TestAuditStores.row(this.database, pending.get(1).id())).containsEntry("activity_result", "unknown")
			.containsEntry("chain_id", otherReplica.chainId());
		assertThat(head(store)).containsEntry("last_seq", 3L);
		assertThat(store.ownPendingCount()).isZero();
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenCompletedListHoldsPendingEventThenRefusedAndNothingWritten() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.pending().build();

		assertThatIllegalArgumentException()
			.isThrownBy(() -> store.write(List.of(TestAuditEvents.pending().build()),
					List.of(TestAuditEvents.refused(), pending)))
			.withMessageContaining(pending.id().toString());

		assertThat(TestAuditStores.count(this.database)).isZero();
		store.write(List.of(), List.of(TestAuditEvents.refused()));
		assertThat(chainRows(store.chainId())).extracting((row) -> row.get("chain_seq")).containsExactly(1L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenTransactionFailsMidwayThenRolledBackAndChainResumesFromLastCommit() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		store.write(List.of(), List.of(TestAuditEvents.refused()));
		AuditEvent pending = TestAuditEvents.pending().build();
		AuditEvent refused = TestAuditEvents.refused();

		// The chain head cannot be updated: the batch's rows are written, then the
		// transaction fails.
		this.database.jdbc().execute("ALTER TABLE audit_chain RENAME TO audit_chain_away");
		try {
			assertThatExceptionOfType(DataAccessException.class)
				.isThrownBy(() -> store.write(List.of(pending), List.of(refused)));
		}
		finally {
			this.database.jdbc().execute("ALTER TABLE audit_chain_away RENAME TO audit_chain");
		}
		assertThat(TestAuditStores.count(this.database)).isOne();

		store.write(List.of(pending), List.of(refused, TestAuditEvents.succeeded(pending)));

		List<Map<String, Object>> chain = chainRows(store.chainId());
		assertThat(chain).extracting((row) -> row.get("chain_seq")).containsExactly(1L, 2L, 3L);
		assertLinked(chain);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void writeWhenDatabaseDownThenFailsAndChainResumesOnceBack() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		store.write(List.of(), List.of(TestAuditEvents.refused()));

		this.database.startOutage();
		assertThatExceptionOfType(CannotCreateTransactionException.class)
			.isThrownBy(() -> store.write(List.of(), List.of(TestAuditEvents.refused())));
		this.database.endOutage();
		store.write(List.of(), List.of(TestAuditEvents.refused()));

		assertThat(chainRows(store.chainId())).extracting((row) -> row.get("chain_seq")).containsExactly(1L, 2L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void stalePendingEventsWhenOtherWritersOldPendingEventsThenOldestFirst() {
		JdbcAuditStore stopped = TestAuditStores.started(this.database);
		JdbcAuditStore survivor = TestAuditStores.started(this.database);
		AuditEvent older = TestAuditEvents.pending().build();
		AuditEvent old = TestAuditEvents.pending().arrived(TestAuditEvents.ARRIVED.plusSeconds(1)).build();
		AuditEvent young = TestAuditEvents.pending().arrived(TestAuditEvents.ARRIVED.plusSeconds(600)).build();
		AuditEvent closed = TestAuditEvents.pending().build();
		stopped.write(List.of(old, young, older, closed), List.of(TestAuditEvents.succeeded(closed)));
		survivor.write(List.of(TestAuditEvents.pending().build()), List.of());

		assertThat(survivor.stalePendingEvents(TestAuditEvents.ARRIVED.plusSeconds(300), 10)).containsExactly(older,
				old);
		assertThat(survivor.stalePendingEvents(TestAuditEvents.ARRIVED.plusSeconds(300), 1)).containsExactly(older);
		assertThat(stopped.stalePendingEvents(TestAuditEvents.ARRIVED.plusSeconds(300), 10)).hasSize(1)
			.allSatisfy((event) -> assertThat(event.id()).isNotIn(older.id(), old.id()));
	}

	@Test
	void purgeBeforeWhenOldestEventsExpiredThenPrefixDeletedAndChainStillVerifies() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		List<AuditEvent> events = new ArrayList<>();
		for (int day = 0; day < 5; day++) {
			events.add(refusedOn(day));
		}
		store.write(List.of(), events);
		List<Map<String, Object>> before = chainRows(store.chainId());

		assertThat(store.purgeBefore(TestAuditEvents.ARRIVED.plus(Duration.ofDays(2)))).isEqualTo(2);

		assertThat(TestAuditStores.chain(this.database, store.chainId())).containsExactly(events.get(2).id().toString(),
				events.get(3).id().toString(), events.get(4).id().toString());
		assertThat(head(store)).containsEntry("first_seq", 3L)
			.containsEntry("anchor_hash", before.get(1).get("hash"))
			.containsEntry("last_seq", 5L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
		store.write(List.of(), List.of(refusedOn(6)));
		AuditVerification verification = TestAuditStores.verifier(this.database).verify();
		assertThat(verification.intact()).isTrue();
		assertThat(verification.eventsChecked()).isEqualTo(4);
	}

	@Test
	void purgeBeforeWhenExpiredEventFollowsYoungerOneThenKeptSoThatChainStaysWhole() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		AuditEvent old = refusedOn(0);
		AuditEvent young = refusedOn(10);
		AuditEvent lateOld = refusedOn(1);
		store.write(List.of(), List.of(old, young, lateOld));

		assertThat(store.purgeBefore(TestAuditEvents.ARRIVED.plus(Duration.ofDays(5)))).isOne();

		assertThat(TestAuditStores.chain(this.database, store.chainId())).containsExactly(young.id().toString(),
				lateOld.id().toString());
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void purgeBeforeWhenWholeChainExpiredThenAllDeletedAndLaterEventsStillVerify() {
		JdbcAuditStore store = TestAuditStores.started(this.database);
		store.write(List.of(), List.of(refusedOn(0), refusedOn(1)));
		String lastHash = (String) head(store).get("last_hash");

		assertThat(store.purgeBefore(TestAuditEvents.ARRIVED.plus(Duration.ofDays(5)))).isEqualTo(2);

		assertThat(TestAuditStores.count(this.database)).isZero();
		assertThat(head(store)).containsEntry("first_seq", 3L)
			.containsEntry("anchor_hash", lastHash)
			.containsEntry("last_seq", 2L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
		store.write(List.of(), List.of(refusedOn(6)));
		assertThat(chainRows(store.chainId())).extracting((row) -> row.get("chain_seq")).containsExactly(3L);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void purgeBeforeWhenSeveralChainsThenEachPurgedAndPendingEventsKept() {
		JdbcAuditStore replicaA = TestAuditStores.started(this.database);
		JdbcAuditStore replicaB = TestAuditStores.started(this.database);
		AuditEvent pending = TestAuditEvents.pending().build();
		replicaA.write(List.of(pending), List.of(refusedOn(0), refusedOn(9)));
		replicaB.write(List.of(), List.of(refusedOn(0), refusedOn(1), refusedOn(9)));

		assertThat(replicaA.purgeBefore(TestAuditEvents.ARRIVED.plus(Duration.ofDays(5)))).isEqualTo(3);

		assertThat(TestAuditStores.chain(this.database, replicaA.chainId())).hasSize(1);
		assertThat(TestAuditStores.chain(this.database, replicaB.chainId())).hasSize(1);
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("activity_result", "pending");
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	private AuditEvent refusedOn(int day) {
		return TestAuditEvents.pending()
			.arrived(TestAuditEvents.ARRIVED.plus(Duration.ofDays(day)))
			.build()
			.completed("refused", "refuse", "policy_denied", null, null, 1L);
	}

	/**
	 * A started store whose statements go through {@code jdbc} (a spy that records them).
	 */
	private JdbcAuditStore started(JdbcTemplate jdbc) {
		JdbcAuditStore store = new JdbcAuditStore(jdbc, this.database.transactions(), UUID.randomUUID().toString());
		store.startChain(TestAuditEvents.ARRIVED.minusSeconds(60));
		return store;
	}

	/**
	 * The statements run through a spied {@link JdbcTemplate}, in order: one entry per
	 * statement ({@code UPDATE audit_chain}) or per batch ({@code batch of 3: UPDATE
	 * audit_event}).
	 */
	private static List<String> statements(JdbcTemplate jdbc) {
		List<String> statements = new ArrayList<>();
		for (Invocation invocation : mockingDetails(jdbc).getInvocations()) {
			Class<?>[] parameters = invocation.getMethod().getParameterTypes();
			Object[] arguments = invocation.getRawArguments();
			if (parameters.length < 2 || !(arguments[0] instanceof String sql)) {
				continue;
			}
			String statement = sql.split(" SET | \\(| WHERE ")[0];
			String name = invocation.getMethod().getName();
			if (name.equals("batchUpdate") && parameters.length == 2 && parameters[1] == List.class) {
				statements.add("batch of " + ((List<?>) arguments[1]).size() + ": " + statement);
			}
			else if ((name.equals("update") && parameters.length == 2 && parameters[1] == Object[].class)
					|| (name.startsWith("queryFor") && parameters[1] == Class.class)) {
				statements.add(statement);
			}
		}
		return statements;
	}

	/** The hashes of {@code events} appended one after the other to a new chain. */
	private static List<String> hashes(String chainId, List<AuditEvent> events) {
		List<String> hashes = new ArrayList<>();
		String previous = AuditHasher.GENESIS;
		for (AuditEvent event : events) {
			previous = StoredEvent.link(event, chainId, hashes.size() + 1, previous).hash();
			hashes.add(previous);
		}
		return hashes;
	}

	private static List<String> ids(List<AuditEvent> events) {
		return events.stream().map((event) -> event.id().toString()).toList();
	}

	private Map<String, Object> head(JdbcAuditStore store) {
		return this.database.jdbc().queryForMap("SELECT * FROM audit_chain WHERE chain_id = ?", store.chainId());
	}

	private List<Map<String, Object>> chainRows(String chainId) {
		return this.database.jdbc()
			.queryForList(
					"SELECT chain_seq, previous_hash, hash FROM audit_event WHERE chain_id = ? ORDER BY chain_seq",
					chainId);
	}

	private static void assertLinked(List<Map<String, Object>> chain) {
		Object previous = AuditHasher.GENESIS;
		for (Map<String, Object> row : chain) {
			assertThat(row.get("previous_hash")).as("previous hash of %s", row.get("chain_seq")).isEqualTo(previous);
			previous = row.get("hash");
		}
	}

}
