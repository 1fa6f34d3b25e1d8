package com.graphpolicygateway.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded H2 file, written as the audit writer writes it (small batches, each
 * committed before it is acknowledged), stays small when compacted as the compaction
 * thread does, and grows without end without it. {@code RETENTION_TIME=0} lets H2 rewrite
 * chunks at once instead of after 45 s, so that the test takes seconds; the gateway keeps
 * H2's default.
 */
class EmbeddedH2CompactionTests {

	private static final int BATCHES = 3_000;

	private static final int EVENTS_PER_BATCH = 4;

	private static final int COMPACT_EVERY = 100;

	@TempDir
	Path directory;

	@Test
	void compactedFileStaysFarSmallerThanTheUncompactedOneAndKeepsEveryEvent() throws IOException {
		long uncompacted = writeEvents("plain", false);
		long compacted = writeEvents("compacted", true);
		assertThat(compacted).as("compacted file, bytes (uncompacted: %d)", uncompacted).isLessThan(uncompacted / 4);
	}

	@Test
	void compactionDoesNothingOnAnotherDatabase() {
		DriverManagerDataSource inMemory = new DriverManagerDataSource("jdbc:h2:mem:" + UUID.randomUUID(), "sa", "");
		assertThat(new EmbeddedH2Compaction(inMemory).compact()).as("H2 in memory").isFalse();
		DriverManagerDataSource unreachable = new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/none",
				"postgres", "");
		assertThat(new EmbeddedH2Compaction(unreachable).compact()).as("failures are logged, not thrown").isFalse();
	}

	/**
	 * Writes pending events and their outcomes in small commits; answers the file's size
	 * while the database is open (closing it compacts the file too).
	 */
	private long writeEvents(String name, boolean compact) throws IOException {
		Path file = this.directory.resolve(name);
		try (HikariDataSource dataSource = new HikariDataSource()) {
			dataSource.setJdbcUrl(
					"jdbc:h2:file:" + file + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;CACHE_SIZE=2048;RETENTION_TIME=0");
			dataSource.setUsername("sa");
			Flyway.configure().dataSource(dataSource).load().migrate();
			JdbcAuditStore store = new JdbcAuditStore(new JdbcTemplate(dataSource),
					new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
					UUID.randomUUID().toString());
			store.startChain(TestAuditEvents.ARRIVED.minusSeconds(60));
			EmbeddedH2Compaction compaction = new EmbeddedH2Compaction(dataSource);
			List<AuditEvent> open = List.of();
			for (int batch = 0; batch < BATCHES; batch++) {
				List<AuditEvent> pending = new ArrayList<>();
				for (int i = 0; i < EVENTS_PER_BATCH; i++) {
					pending.add(TestAuditEvents.pending().correlationId(UUID.randomUUID().toString()).build());
				}
				store.write(pending, open.stream().map(TestAuditEvents::succeeded).toList());
				open = pending;
				if (compact && batch % COMPACT_EVERY == 0) {
					compaction.compact();
				}
			}
			store.write(List.of(), open.stream().map(TestAuditEvents::succeeded).toList());
			Integer succeeded = new JdbcTemplate(dataSource)
				.queryForObject("SELECT COUNT(*) FROM audit_event WHERE activity_result = 'success'", Integer.class);
			assertThat(succeeded).as("events").isEqualTo(BATCHES * EVENTS_PER_BATCH);
			assertThat(new AuditChainVerifier(new JdbcTemplate(dataSource)).verify().intact()).as("chain verifies")
				.isTrue();
			return Files.size(Path.of(file + ".mv.db"));
		}
	}

}
