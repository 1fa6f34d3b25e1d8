package com.graphpolicygateway.audit.verify;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.signing.AuditChainSigner;
import com.graphpolicygateway.audit.signing.AuditCheckpointJson;
import com.graphpolicygateway.audit.signing.AuditSigningKeyTests;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar's {@code --verify-audit} mode against a SQLite file database (the embedded
 * store) whose trail was written by the real store: exit code 0 when intact, 1 when a row
 * was changed or deleted, 2 when the database cannot be reached or is an H2 one.
 */
class AuditVerifyCommandTests {

	@TempDir
	Path directory;

	private String url;

	private DriverManagerDataSource dataSource;

	private JdbcTemplate jdbc;

	private AuditEvent allowed;

	private AuditEvent refused;

	@BeforeEach
	void writeTrail() {
		this.url = AuditDatabases.sqliteUrl(this.directory.resolve("audit.db").toAbsolutePath());
		// One data source for the stores and for plain SQL: SQLite has one writer, and a
		// write on a second connection would wait for the store's transaction to end.
		this.dataSource = new DriverManagerDataSource(this.url);
		Flyway.configure().dataSource(this.dataSource).load().migrate();
		this.jdbc = new JdbcTemplate(this.dataSource);
		JdbcAuditStore store = new JdbcAuditStore(this.jdbc,
				new TransactionTemplate(new DataSourceTransactionManager(this.dataSource)),
				UUID.randomUUID().toString());
		store.startChain(Instant.now());
		AuditEvent pending = event(AuditEvent.PENDING, "allow", "allowed");
		this.allowed = pending.completed("success", "allow", "allowed", 204, UUID.randomUUID().toString(), 42L);
		this.refused = event("refused", "refuse", "permission_denied");
		store.write(List.of(pending), List.of());
		store.write(List.of(), List.of(this.allowed, this.refused));
	}

	@Test
	void runWhenTrailIsIntactThenExitCodeZero() {
		Run run = verifyAudit("--spring.datasource.url=" + this.url);

		assertThat(run.exitCode()).isZero();
		assertThat(run.output()).contains("intact").contains("2 events in 1 chains");
	}

	@Test
	void runWhenARowWasChangedThenExitCodeOneNamingTheEvent() {
		this.jdbc.update("UPDATE audit_event SET reason = ? WHERE id = ?", "allowed", this.refused.id().toString());

		Run run = verifyAudit("--spring.datasource.url=" + this.url);

		assertThat(run.exitCode()).isOne();
		assertThat(run.output()).contains("BROKEN").contains(this.refused.id().toString()).contains("row changed");
	}

	@Test
	void runWhenAnOldValueOfABeforeImageWasRewrittenThenExitCodeOneNamingTheEvent() {
		JdbcAuditStore store = new JdbcAuditStore(this.jdbc,
				new TransactionTemplate(new DataSourceTransactionManager(this.dataSource)),
				UUID.randomUUID().toString());
		store.startChain(Instant.now());
		AuditEvent pending = event(AuditEvent.PENDING, "allow", "allowed");
		AuditEvent captured = pending.completed("success", "allow", "allowed", 204, UUID.randomUUID().toString(), 42L)
			.withBeforeImage(List.of(new AuditEvent.ModifiedProperty("displayName", "Adele V.", "Adele Vance")),
					new AuditEvent.BeforeImage(AuditEvent.BeforeImage.CAPTURED, null, 11L));
		store.write(List.of(pending), List.of());
		store.write(List.of(), List.of(captured));
		assertThat(verifyAudit("--spring.datasource.url=" + this.url).exitCode()).isZero();

		this.jdbc.update("UPDATE audit_event SET modified_properties = REPLACE(modified_properties, ?, ?) WHERE id = ?",
				"Adele V.", "Someone else", captured.id().toString());
		Run run = verifyAudit("--spring.datasource.url=" + this.url);

		assertThat(run.exitCode()).isOne();
		assertThat(run.output()).contains("BROKEN").contains(captured.id().toString()).contains("row changed");
	}

	@Test
	void runWhenTheLastRowWasDeletedThenExitCodeOne() {
		this.jdbc.update("DELETE FROM audit_event WHERE id = ?", this.refused.id().toString());

		Run run = verifyAudit("--spring.datasource.url=" + this.url);

		assertThat(run.exitCode()).isOne();
		assertThat(run.output()).contains("BROKEN").contains("rows deleted");
	}

	@Test
	void runWhenDatabaseCannotBeReachedThenExitCodeTwo() throws Exception {
		// A file where its folder should be: SQLite cannot open the database.
		Path notAFolder = Files.writeString(this.directory.resolve("not-a-folder"), "");
		String missing = AuditDatabases.sqliteUrl(notAFolder.resolve("audit.db").toAbsolutePath());

		Run run = verifyAudit("--spring.datasource.url=" + missing);

		assertThat(run.exitCode()).isEqualTo(2);
		assertThat(run.output()).contains("could not be verified").doesNotContain("intact");
	}

	@Test
	void runWhenUrlNamesH2ThenExitCodeTwoSayingH2IsNoLongerSupported() {
		Run run = verifyAudit("--spring.datasource.url=jdbc:h2:file:" + this.directory.resolve("audit"));

		assertThat(run.exitCode()).isEqualTo(2);
		assertThat(run.output()).contains("could not be verified")
			.contains("H2 audit store is no longer supported")
			.doesNotContain("org.h2.Driver");
	}

	@Test
	void runWithTheSigningKeyWhenTrailIntactThenEveryEventAuthenticated() throws Exception {
		Path key = writeKey();
		JdbcAuditStore keyed = keyedStore();
		keyed.write(List.of(), List.of(event("refused", "refuse", "token_invalid")));
		keyed.checkpointNow();

		Run run = verifyAudit("--spring.datasource.url=" + this.url, "--graph-gateway.audit.signing.key=" + key);

		// The unkeyed chain written before the key is known to the keyed chain's
		// checkpoints.
		assertThat(run.exitCode()).isZero();
		assertThat(run.output()).contains("intact")
			.contains("authenticated with the signing key")
			.contains("1 chains predate the signing key");
	}

	@Test
	void runWithTheSiemsCheckpointsWhenTheirChainWasDeletedThenExitCodeOne() throws Exception {
		JdbcAuditStore keyed = keyedStore();
		keyed.write(List.of(), List.of(event("refused", "refuse", "token_invalid")));
		keyed.checkpointNow();
		Path siem = this.directory.resolve("siem.ndjson");
		StringBuilder lines = new StringBuilder();
		this.jdbc.query(AuditCheckpoint.SELECT, (rs) -> {
			lines
				.append(JsonMapper.builder()
					.build()
					.writeValueAsString(AuditCheckpointJson.record(AuditCheckpoint.fromRow(rs))))
				.append('\n');
		});
		Files.writeString(siem, lines);
		Path publicKey = this.directory.resolve("audit-signing.pub.pem");
		Files.writeString(publicKey, AuditTamperTests.KEY.publicKeyPem());
		for (String table : List.of("audit_event", "audit_checkpoint", "audit_chain")) {
			this.jdbc.update("DELETE FROM " + table + " WHERE chain_id = ?", keyed.chainId());
		}

		Run withoutCopy = verifyAudit("--spring.datasource.url=" + this.url, "--public-key", publicKey.toString());
		Run withCopy = verifyAudit("--spring.datasource.url=" + this.url, "--public-key", publicKey.toString(),
				"--checkpoints", siem.toString());

		// The database alone no longer names the deleted chain (only that the older,
		// unkeyed chain is now known to no checkpoint); the SIEM's copy does.
		assertThat(withoutCopy.output()).doesNotContain("chain deleted").doesNotContain(keyed.chainId());
		assertThat(withCopy.exitCode()).isOne();
		assertThat(withCopy.output()).contains("BROKEN")
			.contains("chain deleted")
			.contains("missing from the database (deleted)")
			.contains("2 from the SIEM's file");
	}

	@Test
	void runWithCheckpointsButNoKeyThenExitCodeTwo() throws Exception {
		Path siem = Files.writeString(this.directory.resolve("siem.ndjson"), "");

		Run run = verifyAudit("--spring.datasource.url=" + this.url, "--checkpoints=" + siem);

		assertThat(run.exitCode()).isEqualTo(2);
		assertThat(run.output()).contains("needs the signing key");
	}

	private JdbcAuditStore keyedStore() {
		AuditChainSigner signer = new AuditChainSigner(AuditTamperTests.KEY, this.jdbc, Clock.systemUTC(), 100,
				Duration.ofHours(1));
		JdbcAuditStore store = new JdbcAuditStore(this.jdbc,
				new TransactionTemplate(new DataSourceTransactionManager(this.dataSource)),
				UUID.randomUUID().toString(), signer);
		store.startChain(Instant.now());
		return store;
	}

	private Path writeKey() throws Exception {
		return Files.writeString(this.directory.resolve("audit-signing.pem"), AuditSigningKeyTests.OPENSSL_SEC1_P256);
	}

	private static Run verifyAudit(String... arguments) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
		List<String> args = new ArrayList<>(List.of(AuditVerifyCommand.ARGUMENT));
		args.addAll(List.of(arguments));
		int exitCode = AuditVerifyCommand.run(args.toArray(String[]::new), out);
		return new Run(exitCode, bytes.toString(StandardCharsets.UTF_8));
	}

	private static AuditEvent event(String result, String decision, String reason) {
		AuditEvent.Actor actor = new AuditEvent.Actor("Delegated", UUID.randomUUID().toString(),
				"adele.vance@contoso.example", UUID.randomUUID().toString(), "127.0.0.1",
				List.of("DeviceManagementApps.ReadWrite.All"));
		return new AuditEvent(UUID.randomUUID(), Instant.now(), AuditEvent.ACTIVITY, "Patch", result, "User",
				UUID.randomUUID().toString(), actor, UUID.randomUUID().toString(), "adele.vance@contoso.example",
				List.of(new AuditEvent.ModifiedProperty("displayName", null, "Adele Vance")), decision, reason, null,
				null, null, null, null);
	}

	private record Run(int exitCode, String output) {
	}

}
