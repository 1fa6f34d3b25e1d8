package com.graphpolicygateway.audit.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.system.Ids;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.FileSystemUtils;

/**
 * One audit writer batch committed by the {@link JdbcAuditStore}, on a SQLite file as the
 * gateway keeps it by default, or on the local PostgreSQL (database {@code jmh_bench},
 * created afresh for each trial and dropped after it), with the schema
 * from the Flyway migrations and a HikariCP pool as the gateway has. The events are made
 * before each invocation, each with its own correlation id and target and one of 2,000
 * callers, as in {@code bench/run}.
 * <p>
 * On PostgreSQL the table is emptied before each iteration so that it does not grow
 * without bound. The SQLite file is not: there the cost of a commit is mostly the pages
 * of the indexes on random values it changed, written to the write-ahead log and synced,
 * which depends on how large those indexes have grown.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
public class AuditStoreBenchmark {

	private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/";

	private static final String DATABASE = "jmh_bench";

	/** Events per batch (the writer's batch size is at most 500 by default). */
	@Param({ "1", "100", "500" })
	public int batchSize;

	/**
	 * Where the audit trail is: {@code sqlite} (a file in a temporary directory, with the
	 * gateway's default URL settings) or {@code postgres} (local).
	 */
	@Param({ "sqlite", "postgres" })
	public String store;

	private final List<String> callers = new ArrayList<>();

	private Path sqliteDirectory;

	private HikariDataSource dataSource;

	private JdbcTemplate jdbc;

	private JdbcAuditStore auditStore;

	/** Pending events of the previous batch, written and waiting for their outcome. */
	private List<AuditEvent> previous;

	private List<AuditEvent> pending;

	private List<AuditEvent> completed;

	private List<AuditEvent> refused;

	@Setup(Level.Trial)
	public void migrate() throws Exception {
		this.dataSource = new HikariDataSource();
		this.dataSource.setMaximumPoolSize(2);
		switch (this.store) {
			case "sqlite" -> {
				this.sqliteDirectory = Files.createTempDirectory("jmh-audit");
				// The gateway's default URL (application.yml) on a file of its own.
				this.dataSource.setJdbcUrl("jdbc:sqlite:" + this.sqliteDirectory.resolve("audit.db")
						+ "?journal_mode=WAL&synchronous=FULL&busy_timeout=10000&transaction_mode=IMMEDIATE");
			}
			case "postgres" -> {
				postgres("DROP DATABASE IF EXISTS " + DATABASE);
				postgres("CREATE DATABASE " + DATABASE);
				this.dataSource.setJdbcUrl(POSTGRES + DATABASE);
				this.dataSource.setUsername("postgres");
			}
			default -> throw new IllegalArgumentException("store must be sqlite or postgres, not " + this.store);
		}
		Flyway.configure().dataSource(this.dataSource).locations("classpath:db/migration").load().migrate();
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.auditStore = new JdbcAuditStore(this.jdbc,
				new TransactionTemplate(new JdbcTransactionManager(this.dataSource)), UUID.randomUUID().toString());
		this.auditStore.startChain(Instant.now());
		for (int i = 0; i < 2000; i++) {
			this.callers.add(UUID.randomUUID().toString());
		}
	}

	private static void postgres(String sql) throws Exception {
		try (Connection connection = DriverManager.getConnection(POSTGRES + "postgres", "postgres", "");
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	@TearDown(Level.Trial)
	public void drop() throws Exception {
		this.dataSource.close();
		if ("postgres".equals(this.store)) {
			postgres("DROP DATABASE IF EXISTS " + DATABASE);
		}
		if (this.sqliteDirectory != null) {
			FileSystemUtils.deleteRecursively(this.sqliteDirectory);
		}
	}

	@Setup(Level.Iteration)
	public void emptyTable() {
		if ("postgres".equals(this.store)) {
			this.jdbc.execute("TRUNCATE TABLE audit_event");
		}
		this.previous = events();
		this.auditStore.write(this.previous, List.of());
	}

	@Setup(Level.Invocation)
	public void makeEvents() {
		this.pending = events();
		this.completed = this.previous.stream()
			.map((event) -> event.completed("success", "allow", "allowed", 204, UUID.randomUUID().toString(), 42L))
			.toList();
		this.refused = events().stream()
			.map((event) -> event.completed("refused", "refuse", "insufficient_scope", null, null, 3L))
			.toList();
	}

	@TearDown(Level.Invocation)
	public void moveOn() {
		this.previous = this.pending;
	}

	private List<AuditEvent> events() {
		Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
		List<AuditEvent> events = new ArrayList<>(this.batchSize);
		for (int i = 0; i < this.batchSize; i++) {
			String caller = this.callers.get(ThreadLocalRandom.current().nextInt(this.callers.size()));
			events.add(TestAuditEvents.pending()
				.id(Ids.timeOrderedGuid(now.toEpochMilli()))
				.arrived(now)
				.correlationId(UUID.randomUUID().toString())
				.actor(new AuditEvent.Actor("Delegated", caller, caller.substring(0, 8) + "@contoso.com",
						TestAuditEvents.APPLICATION_ID, TestAuditEvents.IP_ADDRESS,
						List.of(TestAuditEvents.PERMISSION)))
				.targetUserId(UUID.randomUUID().toString())
				.build());
		}
		return events;
	}

	/**
	 * The pending events of {@code batchSize} calls inserted in one transaction: what a
	 * call waits for before it is forwarded.
	 */
	@Benchmark
	public List<UUID> insertPending() {
		return afterBatch(this.auditStore.write(this.pending, List.of()));
	}

	/**
	 * A steady-state group commit: {@code batchSize} new pending events and the outcomes
	 * of the previous batch's calls, chained, in one transaction.
	 */
	@Benchmark
	public List<UUID> pendingAndOutcomes() {
		return afterBatch(this.auditStore.write(this.pending, this.completed));
	}

	/**
	 * {@code batchSize} refusals (recorded whole, never pending) chained and inserted in
	 * one transaction.
	 */
	@Benchmark
	public List<UUID> insertRefusals() {
		return afterBatch(this.auditStore.write(List.of(), this.refused));
	}

	/**
	 * What the writer does between batches, counted with the batch: a checkpoint of the
	 * chain when one is due (none here: the store has no signing key).
	 */
	private List<UUID> afterBatch(List<UUID> missing) {
		this.auditStore.afterBatch();
		return missing;
	}

}
