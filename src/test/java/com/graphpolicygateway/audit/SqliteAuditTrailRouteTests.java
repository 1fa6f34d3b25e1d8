package com.graphpolicygateway.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.graphpolicygateway.test.AuditDatabases;

/**
 * The whole-route audit tests of {@link AuditTrailRouteTests} — one event per request
 * under concurrency, verification, tamper detection, recovery — with the gateway writing
 * to the embedded default, a SQLite file in WAL mode, instead of H2 in memory.
 */
class SqliteAuditTrailRouteTests extends AuditTrailRouteTests {

	private static Path file;

	@DynamicPropertySource
	static void sqlite(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> AuditDatabases.sqliteUrl(file()));
	}

	private static synchronized Path file() {
		if (file == null) {
			try {
				Path directory = Files.createTempDirectory("audit-route-sqlite-");
				directory.toFile().deleteOnExit();
				file = directory.resolve("audit.db");
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		return file;
	}

}
