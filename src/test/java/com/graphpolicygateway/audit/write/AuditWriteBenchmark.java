package com.graphpolicygateway.audit.write;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.flywaydb.core.Flyway;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.store.JdbcAuditStore;

/**
 * Compares the audit writer's group commit with one transaction per request: many callers
 * open a pending event, wait for its commit (as the gateway does before forwarding), then
 * complete it. Run through {@code bench/audit-writes}; not part of the test suite.
 */
public final class AuditWriteBenchmark {

	private AuditWriteBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		String database = (args.length > 0) ? args[0] : "sqlite";
		int requests = (args.length > 1) ? Integer.parseInt(args[1]) : 20_000;
		int callers = (args.length > 2) ? Integer.parseInt(args[2]) : 64;
		System.out.printf("database=%s requests=%d concurrent callers=%d%n", database, requests, callers);
		System.out.println("| mode | batch size | requests/s | open→commit p50 ms | p99 ms | max ms | GC ms |");
		System.out.println("|---|---|---|---|---|---|---|");
		int[] batchSizes = Arrays.stream(System.getProperty("bench.batch-sizes", "1,500").split(","))
			.mapToInt((size) -> Integer.parseInt(size.trim()))
			.toArray();
		for (int batchSize : batchSizes) {
			HikariDataSource dataSource = dataSource(database);
			run(dataSource, batchSize, Math.min(requests, 2_000), callers); // warm-up
			Result result = run(dataSource, batchSize, requests, callers);
			dropSchema(dataSource);
			System.out.printf("| %s | %d | %.0f | %.2f | %.2f | %.2f | %d |%n",
					(batchSize == 1) ? "one insert per request" : "group commit", batchSize, result.perSecond(),
					result.p50(), result.p99(), result.max(), result.gcMillis());
		}
	}

	private static Result run(DataSource dataSource, int batchSize, int requests, int callers) throws Exception {
		JdbcAuditStore store = new JdbcAuditStore(new JdbcTemplate(dataSource),
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)), UUID.randomUUID().toString());
		AuditWriter writer = new AuditWriter(store, 100_000, batchSize, Clock.systemUTC(), new SimpleMeterRegistry());
		writer.start();
		ExecutorService pool = Executors.newFixedThreadPool(callers);
		long[] latencies = new long[requests];
		long gcBefore = gcMillis();
		long start = System.nanoTime();
		List<CompletableFuture<Void>> done = new ArrayList<>(requests);
		for (int i = 0; i < requests; i++) {
			int n = i;
			done.add(CompletableFuture.runAsync(() -> {
				AuditEvent pending = event();
				long opened = System.nanoTime();
				writer.open(pending).join();
				latencies[n] = System.nanoTime() - opened;
				writer.complete(pending.completed("success", "allow", "allowed", 204, "r", 3L));
			}, pool));
		}
		CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
		writer.stop();
		long elapsed = System.nanoTime() - start;
		pool.shutdown();
		pool.awaitTermination(10, TimeUnit.SECONDS);
		Arrays.sort(latencies);
		Integer unchained = new JdbcTemplate(dataSource).queryForObject(
				"SELECT COUNT(*) FROM audit_event WHERE chain_id = ? AND hash IS NULL", Integer.class, store.chainId());
		if (unchained != null && unchained > 0) {
			throw new IllegalStateException(unchained + " events were left unchained");
		}
		return new Result(requests / (elapsed / 1e9), latencies[requests / 2] / 1e6,
				latencies[(int) (requests * 0.99)] / 1e6, latencies[requests - 1] / 1e6, gcMillis() - gcBefore);
	}

	/**
	 * Time the collectors took so far (pauses and, for concurrent ones, their cycles).
	 */
	private static long gcMillis() {
		return ManagementFactory.getGarbageCollectorMXBeans()
			.stream()
			.mapToLong(GarbageCollectorMXBean::getCollectionTime)
			.filter((millis) -> millis > 0)
			.sum();
	}

	private static AuditEvent event() {
		return new AuditEvent(UUID.randomUUID(), Instant.now(), AuditEvent.ACTIVITY, "Patch", AuditEvent.PENDING,
				"User", UUID.randomUUID().toString(),
				new AuditEvent.Actor("Delegated", UUID.randomUUID().toString(), "adele@contoso.example",
						UUID.randomUUID().toString(), "127.0.0.1", List.of("DeviceManagementApps.ReadWrite.All")),
				"72f988bf-86f1-41af-91ab-2d7cd011db47", "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
				List.of(new AuditEvent.ModifiedProperty("displayName", null, "Adele Vance")), "allow", "allowed", null,
				null, null, null, null);
	}

	/** A pooled data source, as the gateway uses, on a fresh database or schema. */
	private static HikariDataSource dataSource(String database) throws IOException {
		HikariDataSource dataSource = new HikariDataSource();
		switch (database) {
			case "sqlite" -> {
				// The embedded default: SQLite in WAL mode, each commit synced to the
				// write-ahead log (synchronous=FULL); its page cache lives outside the
				// Java heap.
				Files.createDirectories(Path.of("/tmp/audit-write-bench"));
				dataSource.setJdbcUrl("jdbc:sqlite:/tmp/audit-write-bench/" + UUID.randomUUID()
						+ ".db?journal_mode=WAL&synchronous=FULL&busy_timeout=10000");
			}
			case "postgres" -> {
				String schema = "audit_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
				new JdbcTemplate(new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:5432/test", "postgres", ""))
					.execute("CREATE SCHEMA " + schema);
				dataSource.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test?currentSchema=" + schema);
				dataSource.setUsername("postgres");
			}
			default -> throw new IllegalArgumentException("database must be sqlite or postgres, not " + database);
		}
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		// -Dbench.drop-indexes=ix_a,ix_b: what the audit store's indexes cost its writes.
		for (String index : System.getProperty("bench.drop-indexes", "").split(",")) {
			if (!index.isBlank()) {
				new JdbcTemplate(dataSource).execute("DROP INDEX " + index.trim());
			}
		}
		return dataSource;
	}

	private static void dropSchema(HikariDataSource dataSource) {
		String url = dataSource.getJdbcUrl();
		if (url.contains("currentSchema=")) {
			new JdbcTemplate(dataSource)
				.execute("DROP SCHEMA " + url.substring(url.indexOf("currentSchema=") + 14) + " CASCADE");
		}
		dataSource.close();
	}

	private record Result(double perSecond, double p50, double p99, double max, long gcMillis) {
	}

}
