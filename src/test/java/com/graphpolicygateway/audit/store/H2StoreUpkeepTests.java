package com.graphpolicygateway.audit.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.graphpolicygateway.audit.AuditCrashRecoveryTests;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link H2StoreUpkeep}: the embedded H2 audit database keeps its file compact
 * under sustained writes, and refuses clearly where it cannot make commits durable. That
 * a commit is written before it is acknowledged is guarded by the gateway killed under
 * load in {@link AuditCrashRecoveryTests}.
 */
class H2StoreUpkeepTests {

	/** Commits of four pending events and the outcomes of the four before them. */
	private static final int COMMITS = 5_000;

	/**
	 * The time each commit takes on the test's clock: a compaction step every 20 commits
	 * (80 events), about as many events per step as the gateway writes under full load
	 * (1,829 requests/s and at most 20 steps a second in bench/run's H2 stage). On the
	 * test's clock the result does not depend on how fast this machine writes.
	 */
	private static final long COMMIT_NANOS = H2StoreUpkeep.COMPACTION_INTERVAL_NANOS / 20;

	/**
	 * The file may hold the events a few times over while compaction follows the writer
	 * (61–64 MB in three runs); without compaction the same commits made a file of 634
	 * MB.
	 */
	private static final long MAX_FILE_BYTES = 120L << 20;

	@TempDir
	Path directory;

	@Test
	void sustainedWritesThenFileStaysCompact() throws Exception {
		try (HikariDataSource dataSource = h2("sa", "")) {
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			AtomicLong clock = new AtomicLong();
			SimpleMeterRegistry meters = new SimpleMeterRegistry();
			JdbcAuditStore store = new JdbcAuditStore(jdbc,
					new TransactionTemplate(new DataSourceTransactionManager(dataSource)), UUID.randomUUID().toString(),
					H2StoreUpkeep.prepare(jdbc, meters, clock::get));
			store.startChain(TestAuditEvents.ARRIVED);
			List<AuditEvent> open = List.of();
			for (int commit = 0; commit < COMMITS; commit++) {
				List<AuditEvent> pending = new ArrayList<>();
				for (int i = 0; i < 4; i++) {
					pending.add(TestAuditEvents.pending()
						.correlationId(UUID.randomUUID().toString())
						.targetUserId(UUID.randomUUID().toString())
						.build());
				}
				store.write(pending, open.stream().map(TestAuditEvents::succeeded).toList());
				clock.addAndGet(COMMIT_NANOS);
				store.afterBatch();
				open = pending;
			}
			assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_event", Long.class)).isEqualTo(4L * COMMITS);
			long fileSize = Files.size(this.directory.resolve("audit.mv.db"));
			assertThat(fileSize).isLessThan(MAX_FILE_BYTES);
			// What operators see: the file's size, and the steps that kept it there.
			assertThat(meters.get("graph_gateway.audit.h2.file.size").gauge().value()).isEqualTo(fileSize);
			assertThat(meters.get("graph_gateway.audit.h2.compaction").timer().count()).isEqualTo(COMMITS / 20);
		}
	}

	@Test
	void prepareThenWriteDelayAndRetentionTimeSetWhateverTheUrlSaid() {
		try (HikariDataSource dataSource = h2("sa", "", ";WRITE_DELAY=500;RETENTION_TIME=45000")) {
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			H2StoreUpkeep.prepare(jdbc, new SimpleMeterRegistry());
			assertThat(setting(jdbc, "WRITE_DELAY")).isEqualTo("0");
			assertThat(setting(jdbc, "RETENTION_TIME")).isEqualTo("0");
		}
	}

	@Test
	void prepareWhenUserIsNotAdminThenRefusedNamingTheRight() {
		try (HikariDataSource admin = h2("sa", "")) {
			new JdbcTemplate(admin).execute("CREATE USER gateway PASSWORD 'gateway'");
			try (HikariDataSource user = h2("gateway", "gateway")) {
				assertThatExceptionOfType(IllegalStateException.class)
					.isThrownBy(() -> H2StoreUpkeep.prepare(new JdbcTemplate(user), new SimpleMeterRegistry()))
					.withMessageContaining("ADMIN right")
					.withMessageContaining("spring.datasource.username");
			}
		}
	}

	@Test
	void afterCommitWhenDatabaseRefusesThenTransientFailure() {
		try (HikariDataSource admin = h2("sa", "")) {
			JdbcTemplate adminJdbc = new JdbcTemplate(admin);
			adminJdbc.execute("CREATE USER gateway PASSWORD 'gateway' ADMIN");
			try (HikariDataSource user = h2("gateway", "gateway")) {
				H2StoreUpkeep upkeep = H2StoreUpkeep.prepare(new JdbcTemplate(user), new SimpleMeterRegistry());
				upkeep.afterCommit();
				adminJdbc.execute("ALTER USER gateway ADMIN FALSE");
				// The writer retries a transient failure as not written: nothing is
				// acknowledged.
				assertThatExceptionOfType(TransientDataAccessResourceException.class).isThrownBy(upkeep::afterCommit)
					.withMessageContaining("did not sync the audit commit to disk");
			}
		}
	}

	@Test
	void isH2ThenOnlyForH2Urls() {
		assertThat(H2StoreUpkeep.isH2("jdbc:h2:file:./data/audit;CACHE_SIZE=2048")).isTrue();
		assertThat(H2StoreUpkeep.isH2("JDBC:H2:mem:audit")).isTrue();
		assertThat(H2StoreUpkeep.isH2("jdbc:postgresql://db:5432/gateway?prepareThreshold=0")).isFalse();
		assertThat(H2StoreUpkeep.isH2("")).isFalse();
	}

	private HikariDataSource h2(String user, String password) {
		return h2(user, password, "");
	}

	private HikariDataSource h2(String user, String password, String settings) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl("jdbc:h2:file:" + this.directory.resolve("audit") + ";CACHE_SIZE=2048" + settings);
		dataSource.setUsername(user);
		dataSource.setPassword(password);
		dataSource.setMaximumPoolSize(2);
		if (user.equals("sa")) {
			Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		}
		return dataSource;
	}

	private static String setting(JdbcTemplate jdbc, String name) {
		return jdbc.queryForObject(
				"SELECT DISTINCT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = ?", String.class,
				name);
	}

}
