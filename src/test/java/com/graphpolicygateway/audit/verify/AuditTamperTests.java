package com.graphpolicygateway.audit.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.json.JsonMapper;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.StoredEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.signing.AuditCheckpointJson;
import com.graphpolicygateway.audit.signing.AuditSigningKey;
import com.graphpolicygateway.audit.signing.AuditSigningKeyTests;
import com.graphpolicygateway.audit.signing.SigningKeyFiles;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.audit.store.TestAuditStores;
import com.graphpolicygateway.audit.write.AuditMaintenance;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.graph.OperationAudit;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.test.AuditDatabases;
import com.graphpolicygateway.test.LogCapture;
import com.graphpolicygateway.test.TestClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an insider with write access to the audit database can try, and what the signing
 * key catches, on SQLite and PostgreSQL: a changed event with every later hash
 * recomputed, a forged pending or closed event, a deleted chain, deleted checkpoints
 * (against the SIEM's copy) and events cut from the end.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class AuditTamperTests {

	static final AuditSigningKey KEY = SigningKeyFiles.fromPem(AuditSigningKeyTests.OPENSSL_SEC1_P256);

	@RegisterExtension
	final LogCapture logs = LogCapture.of(AuditMaintenance.class);

	private final AuditDatabases.Engine engine;

	private final TestClock clock = new TestClock(TestAuditEvents.ARRIVED);

	private AuditDatabases.Database database;

	/** Chain A: six events, a checkpoint every two. */
	private JdbcAuditStore first;

	/** Chain B: two refusals, started while A ran. */
	private JdbcAuditStore second;

	private final List<AuditEvent> firstChain = new ArrayList<>();

	@TempDir
	Path directory;

	AuditTamperTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void writeTwoKeyedChains() {
		this.database = AuditDatabases.create(this.engine);
		this.first = TestAuditStores.keyed(this.database, KEY, this.clock, 2);
		this.second = TestAuditStores.keyed(this.database, KEY, this.clock, 2);
		for (int i = 0; i < 6; i++) {
			AuditEvent pending = TestAuditEvents.pending().arrived(TestAuditEvents.ARRIVED.plusSeconds(i)).build();
			this.first.write(List.of(pending), List.of());
			AuditEvent closed = TestAuditEvents.succeeded(pending);
			this.first.write(List.of(), List.of(closed));
			this.first.afterBatch();
			this.firstChain.add(closed);
		}
		this.second.write(List.of(), List.of(TestAuditEvents.refused(), TestAuditEvents.refused()));
		this.second.afterBatch();
		this.first.checkpointNow();
		this.second.checkpointNow();
	}

	@AfterEach
	void dropDatabase() {
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void verifyWhenUntouchedThenIntactAndEverythingAuthenticated() {
		this.first.write(List.of(TestAuditEvents.pending().build()), List.of());

		AuditVerification report = keyed().verify();

		assertThat(report.problems()).isEmpty();
		assertThat(report.intact()).isTrue();
		assertThat(report.eventsChecked()).isEqualTo(8);
		assertThat(report.eventsAuthenticated()).isTrue();
		assertThat(report.pendingChecked()).isOne();
		// Chain A: at start, at 2, 4 and 6; chain B: at start and at 2.
		assertThat(report.checkpointsChecked()).isEqualTo(6);
	}

	@Test
	void verifyWhenEventChangedAndEveryLaterHashRecomputedThenOnlyTheKeyCatchesIt() {
		rewrite(this.first.chainId(), 3, "reason", "permission_denied");

		assertThat(unkeyed().verify().intact()).as("the unkeyed chain cannot tell").isTrue();
		AuditVerification report = keyed().verify();
		assertThat(report.intact()).isFalse();
		assertThat(report.firstBrokenLink().eventId()).isEqualTo(this.firstChain.get(2).id().toString());
		assertThat(report.firstBrokenLink().problem()).contains("not written by a gateway holding the signing key");
		assertThat(problems(report)).anyMatch((problem) -> problem.contains("history rewritten"));
	}

	@Test
	void verifyWhenOperationChangedAndEveryLaterHashRecomputedThenOnlyTheKeyCatchesIt() {
		rewrite(this.first.chainId(), 3, "operation", OperationCatalogue.DEVICE_WIPE);

		assertThat(unkeyed().verify().intact()).as("the unkeyed chain cannot tell").isTrue();
		AuditVerification report = keyed().verify();
		assertThat(report.intact()).isFalse();
		assertThat(report.firstBrokenLink().eventId()).isEqualTo(this.firstChain.get(2).id().toString());
		assertThat(report.firstBrokenLink().problem()).contains("not written by a gateway holding the signing key");
	}

	@Test
	void verifyWhenPendingEventsOperationChangedThenReported() {
		AuditEvent pending = TestAuditEvents.deviceWipe().build();
		this.first.write(List.of(pending), List.of());

		this.database.jdbc()
			.update("UPDATE audit_event SET operation = ?, resource_type = ? WHERE id = ?",
					OperationCatalogue.DEVICE_RETIRE, OperationAudit.MANAGED_DEVICE, pending.id().toString());

		AuditVerification report = keyed().verify();
		assertThat(report.intact()).isFalse();
		assertThat(report.problems()).singleElement().satisfies((problem) -> {
			assertThat(problem.eventId()).isEqualTo(pending.id().toString());
			assertThat(problem.problem()).startsWith("pending event not written by a gateway holding the signing key");
		});
	}

	/**
	 * Events a keyed gateway stored before the trail stored the operation (NULL columns)
	 * stay authenticated: their MACs and hashes were made without these columns.
	 */
	@Test
	void verifyWhenEventsStoredBeforeOperationsThenIntactAndAuthenticated() {
		AuditEvent closed = TestAuditEvents.pending().recordedBeforeOperations().build();
		AuditEvent open = TestAuditEvents.pending().recordedBeforeOperations().build();
		this.first.write(List.of(closed, open), List.of());
		this.first.write(List.of(), List.of(TestAuditEvents.succeeded(closed)));

		AuditVerification report = keyed().verify();

		assertThat(TestAuditStores.row(this.database, closed.id())).containsEntry("operation", null);
		assertThat(report.problems()).isEmpty();
		assertThat(report.eventsChecked()).isEqualTo(9);
		assertThat(report.pendingChecked()).isOne();
	}

	@Test
	void verifyWhenClosedEventForgedAtTheEndOfAChainThenReported() {
		AuditEvent forged = TestAuditEvents.succeeded(TestAuditEvents.pending().build());
		appendForged(this.first.chainId(), forged);

		assertThat(unkeyed().verify().intact()).as("the unkeyed chain cannot tell").isTrue();
		AuditVerification report = keyed().verify();
		assertThat(report.intact()).isFalse();
		assertThat(report.firstBrokenLink().eventId()).isEqualTo(forged.id().toString());
	}

	@Test
	void verifyWhenPendingEventForgedThenReportedAndRecoveryLeavesItPending() {
		AuditEvent forged = TestAuditEvents.pending().targetUserId("breakglass@contoso.com").build();
		insertPending(forged, UUID.randomUUID().toString(), null, null);
		AuditEvent badMac = TestAuditEvents.pending().build();
		insertPending(badMac, UUID.randomUUID().toString(), KEY.keyId(), "0".repeat(64));
		AuditEvent genuine = TestAuditEvents.pending().build();
		this.second.write(List.of(genuine), List.of());

		AuditVerification report = keyed().verify();
		assertThat(report.intact()).isFalse();
		assertThat(report.problems()).extracting(AuditVerification.BrokenLink::eventId)
			.containsExactlyInAnyOrder(forged.id().toString(), badMac.id().toString());
		assertThat(report.pendingChecked()).isOne();

		// A survivor's recovery closes the genuine lost event, never the forged ones.
		JdbcAuditStore survivor = TestAuditStores.keyed(this.database, KEY, this.clock, 2);
		AuditWriter writer = new AuditWriter(survivor, 100, 10, this.clock, new SimpleMeterRegistry());
		this.clock.advance(Duration.ofHours(1));
		AuditMaintenance maintenance = new AuditMaintenance(survivor, writer, this.clock, Duration.ofMinutes(5), 0);
		writer.start();
		try {
			assertThat(maintenance.recoverLostEvents()).isOne();
		}
		finally {
			writer.stop();
		}
		assertThat(result(genuine)).isEqualTo(AuditEvent.UNKNOWN);
		assertThat(result(forged)).isEqualTo(AuditEvent.PENDING);
		assertThat(result(badMac)).isEqualTo(AuditEvent.PENDING);
		assertThat(this.logs.errors()).hasSize(2)
			.allMatch((line) -> line.startsWith("AUDIT TAMPERING: pending event "))
			.anyMatch((line) -> line.contains(forged.id().toString()))
			.anyMatch((line) -> line.contains(badMac.id().toString()))
			.noneMatch((line) -> line.contains(genuine.id().toString()));
	}

	@Test
	void verifyWhenAWholeChainIsDeletedThenAnotherChainsCheckpointNamesIt() {
		deleteChain(this.second.chainId(), true);

		assertThat(unkeyed().verify().intact()).as("the unkeyed chains cannot tell").isTrue();
		AuditVerification report = keyed().verify();
		assertThat(report.intact()).isFalse();
		assertThat(report.problems()).anyMatch((problem) -> this.second.chainId().equals(problem.chainId())
				&& problem.problem().startsWith("chain deleted"));
	}

	@Test
	void verifyWhenTheOnlyChainAndAllItsCheckpointsAreDeletedThenTheSiemsCopyReportsIt() throws IOException {
		Path siem = exportCheckpoints();
		deleteChain(this.second.chainId(), true);
		deleteChain(this.first.chainId(), true);

		assertThat(keyed().verify().intact()).as("nothing left in the database to tell").isTrue();
		AuditVerification report = keyed().verify(AuditCheckpointJson.read(siem));
		assertThat(report.intact()).isFalse();
		assertThat(problems(report)).anyMatch((problem) -> problem.startsWith("chain deleted"))
			.anyMatch((problem) -> problem.contains("missing from the database"));
	}

	@Test
	void verifyWhenCheckpointsDeletedThenGapsAndTheSiemsCopyReportThem() throws IOException {
		Path siem = exportCheckpoints();
		// A middle one leaves a gap; the last ones leave none.
		this.database.jdbc()
			.update("DELETE FROM audit_checkpoint WHERE chain_id = ? AND checkpoint_seq = 2", this.first.chainId());
		assertThat(problems(keyed().verify())).containsExactly("checkpoints 2 to 2 of the chain are missing (deleted)");
		this.database.jdbc()
			.update("DELETE FROM audit_checkpoint WHERE chain_id = ? AND checkpoint_seq = 2", this.second.chainId());

		AuditVerification report = keyed().verify(AuditCheckpointJson.read(siem));
		assertThat(report.problems())
			.anyMatch((problem) -> this.second.chainId().equals(problem.chainId())
					&& problem.problem().equals("checkpoint 2 held by the SIEM is missing from the database (deleted)"))
			.anyMatch((problem) -> this.first.chainId().equals(problem.chainId())
					&& problem.problem().contains("missing from the database"));
	}

	@Test
	void verifyWhenEventsCutFromTheEndAndTheHeadMovedBackThenTheLastCheckpointCatchesIt() {
		String chain = this.first.chainId();
		this.database.jdbc().update("DELETE FROM audit_event WHERE chain_id = ? AND chain_seq > 3", chain);
		String head = this.database.jdbc()
			.queryForObject("SELECT hash FROM audit_event WHERE chain_id = ? AND chain_seq = 3", String.class, chain);
		this.database.jdbc()
			.update("UPDATE audit_chain SET last_seq = 3, last_hash = ? WHERE chain_id = ?", head, chain);

		assertThat(unkeyed().verify().intact()).as("the unkeyed chain cannot tell").isTrue();
		AuditVerification report = keyed().verify();
		assertThat(problems(report))
			.contains("events cut from the end: checkpoint 3 states position 4, the chain ends at 3")
			.contains("events cut from the end: checkpoint 4 states position 6, the chain ends at 3");
	}

	@Test
	void verifyWhenCheckpointChangedOrSignedWithAnotherKeyThenReported() {
		this.database.jdbc()
			.update("UPDATE audit_checkpoint SET event_count = 1 WHERE chain_id = ? AND checkpoint_seq = 2",
					this.first.chainId());

		assertThat(problems(keyed().verify()))
			.containsExactly("checkpoint 2 is not signed by the audit signing key (forged, changed, or signed with "
					+ "another key: " + KEY.keyId() + ")");
	}

	@Test
	void verifyWhenUnkeyedChainInsertedThenReported() {
		JdbcAuditStore intruder = TestAuditStores.started(this.database);
		intruder.write(List.of(), List.of(TestAuditEvents.refused()));

		assertThat(problems(keyed().verify()))
			.containsExactly("unkeyed chain that no checkpoint knows (inserted behind the gateway's back)");
	}

	@Test
	void verifyWithThePublicKeyAloneThenCheckpointsButNotEventsAreChecked() {
		rewrite(this.first.chainId(), 6, "reason", "permission_denied");

		AuditVerification report = new AuditChainVerifier(this.database.jdbc(), null, KEY.publicKey()).verify();

		assertThat(report.eventsAuthenticated()).isFalse();
		assertThat(problems(report))
			.containsExactly("the event at position 6 is not the one checkpoint 4 signed (history rewritten)");
	}

	private AuditChainVerifier keyed() {
		return new AuditChainVerifier(this.database.jdbc(), KEY, null);
	}

	private AuditChainVerifier unkeyed() {
		return new AuditChainVerifier(this.database.jdbc());
	}

	private static List<String> problems(AuditVerification report) {
		return report.problems().stream().map(AuditVerification.BrokenLink::problem).toList();
	}

	private String result(AuditEvent event) {
		return this.database.jdbc()
			.queryForObject("SELECT activity_result FROM audit_event WHERE id = ?", String.class,
					event.id().toString());
	}

	/** What the SIEM holds: every checkpoint the sinks sent, as NDJSON. */
	private Path exportCheckpoints() throws IOException {
		JsonMapper json = JsonMapper.builder().build();
		StringBuilder lines = new StringBuilder();
		this.database.jdbc().query(AuditCheckpoint.SELECT, (rs) -> {
			lines.append(json.writeValueAsString(AuditCheckpointJson.record(AuditCheckpoint.fromRow(rs)))).append('\n');
		});
		Path file = this.directory.resolve("siem-checkpoints.ndjson");
		Files.writeString(file, lines, StandardCharsets.UTF_8);
		return file;
	}

	/**
	 * Changes a column of the event at {@code seq} and recomputes its hash and every
	 * later one, and the chain's head: what someone who read this code and has write
	 * access does.
	 */
	private void rewrite(String chain, long seq, String column, Object value) {
		this.database.jdbc()
			.update("UPDATE audit_event SET " + column + " = ? WHERE chain_id = ? AND chain_seq = ?", value, chain,
					seq);
		String previous = this.database.jdbc()
			.queryForObject("SELECT previous_hash FROM audit_event WHERE chain_id = ? AND chain_seq = ?", String.class,
					chain, seq);
		List<Map<String, Object>> rows = this.database.jdbc()
			.queryForList("SELECT id, writer_id, chain_seq FROM audit_event WHERE chain_id = ? AND chain_seq >= ? "
					+ "ORDER BY chain_seq", chain, seq);
		for (Map<String, Object> row : rows) {
			UUID id = UUID.fromString((String) row.get("id"));
			long at = ((Number) row.get("chain_seq")).longValue();
			StoredEvent relinked = StoredEvent.link(TestAuditStores.read(this.database, id),
					(String) row.get("writer_id"), chain, at, previous);
			this.database.jdbc()
				.update("UPDATE audit_event SET previous_hash = ?, hash = ? WHERE id = ?", previous, relinked.hash(),
						id.toString());
			previous = relinked.hash();
		}
		this.database.jdbc().update("UPDATE audit_chain SET last_hash = ? WHERE chain_id = ?", previous, chain);
	}

	/**
	 * Appends a well-linked event with no valid MAC, and moves the chain's head to it.
	 */
	private void appendForged(String chain, AuditEvent forged) {
		Map<String, Object> head = this.database.jdbc()
			.queryForMap("SELECT last_seq, last_hash FROM audit_chain WHERE chain_id = ?", chain);
		long seq = ((Number) head.get("last_seq")).longValue() + 1;
		StoredEvent linked = StoredEvent.link(forged, chain, seq, (String) head.get("last_hash"));
		insert(forged, chain, chain, seq, linked.previousHash(), linked.hash(), KEY.keyId(), null, "f".repeat(64));
		this.database.jdbc()
			.update("UPDATE audit_chain SET last_seq = ?, last_hash = ? WHERE chain_id = ?", seq, linked.hash(), chain);
	}

	private void insertPending(AuditEvent pending, String writerId, String keyId, String mac) {
		insert(pending, writerId, null, null, null, null, keyId, mac, null);
	}

	private void insert(AuditEvent event, String writerId, String chainId, Long chainSeq, String previousHash,
			String hash, String keyId, String pendingMac, String mac) {
		List<Object> values = new ArrayList<>(Arrays.asList(AuditRows.values(event)));
		values.addAll(Arrays.asList(writerId, chainId, chainSeq, previousHash, hash, keyId, pendingMac, mac));
		this.database.jdbc()
			.update("INSERT INTO audit_event (" + AuditRows.COLUMNS + ", writer_id, chain_id, chain_seq, "
					+ "previous_hash, hash, key_id, pending_mac, mac) VALUES ("
					+ "?, ".repeat(AuditRows.COLUMN_COUNT + 7) + "?)", values.toArray());
	}

	private void deleteChain(String chain, boolean withCheckpoints) {
		this.database.jdbc().update("DELETE FROM audit_event WHERE chain_id = ?", chain);
		this.database.jdbc().update("DELETE FROM audit_chain WHERE chain_id = ?", chain);
		if (withCheckpoints) {
			this.database.jdbc().update("DELETE FROM audit_checkpoint WHERE chain_id = ?", chain);
		}
	}

}
