package com.graphpolicygateway.audit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar's {@code --verify-audit} mode against an H2 file database whose trail was
 * written by the real store: exit code 0 when intact, 1 when a row was changed or
 * deleted, 2 when the database cannot be reached.
 */
class AuditVerifyCommandTests {

	@TempDir
	Path directory;

	private String url;

	private JdbcTemplate jdbc;

	private AuditEvent allowed;

	private AuditEvent refused;

	@BeforeEach
	void writeTrail() {
		this.url = "jdbc:h2:file:" + this.directory.resolve("audit").toAbsolutePath();
		DriverManagerDataSource dataSource = new DriverManagerDataSource(this.url, "sa", "");
		Flyway.configure().dataSource(dataSource).load().migrate();
		this.jdbc = new JdbcTemplate(dataSource);
		JdbcAuditStore store = new JdbcAuditStore(this.jdbc,
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)), UUID.randomUUID().toString());
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
	void runWhenTheLastRowWasDeletedThenExitCodeOne() {
		this.jdbc.update("DELETE FROM audit_event WHERE id = ?", this.refused.id().toString());

		Run run = verifyAudit("--spring.datasource.url=" + this.url);

		assertThat(run.exitCode()).isOne();
		assertThat(run.output()).contains("BROKEN").contains("rows deleted");
	}

	@Test
	void runWhenDatabaseCannotBeReachedThenExitCodeTwo() {
		String missing = "jdbc:h2:file:" + this.directory.resolve("missing").toAbsolutePath() + ";IFEXISTS=TRUE";

		Run run = verifyAudit("--spring.datasource.url=" + missing);

		assertThat(run.exitCode()).isEqualTo(2);
		assertThat(run.output()).contains("could not be verified").doesNotContain("intact");
	}

	private static Run verifyAudit(String datasourceUrl) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
		int exitCode = AuditVerifyCommand.run(new String[] { AuditVerifyCommand.ARGUMENT, datasourceUrl,
				"--spring.datasource.username=sa", "--spring.datasource.password=" }, out);
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
