package com.graphpolicygateway.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.graphpolicygateway.test.AuditDatabases;

/**
 * The before-image tests of {@link BeforeImageRouteTests} with the gateway writing to a
 * SQLite file in WAL mode: the V5 columns, the old values closed into the pending row,
 * and verification.
 */
class SqliteBeforeImageRouteTests extends BeforeImageRouteTests {

	private static Path file;

	@DynamicPropertySource
	static void sqlite(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> AuditDatabases.sqliteUrl(file()));
	}

	private static synchronized Path file() {
		if (file == null) {
			try {
				Path directory = Files.createTempDirectory("before-image-route-sqlite-");
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
