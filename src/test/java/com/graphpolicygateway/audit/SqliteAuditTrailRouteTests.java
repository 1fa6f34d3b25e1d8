package com.graphpolicygateway.audit;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.graphpolicygateway.test.AuditDatabases;

/**
 * The whole-route audit tests of {@link AuditTrailRouteTests} — one event per request
 * under concurrency, verification, tamper detection, recovery — with the gateway writing
 * to the embedded default, a SQLite file in WAL mode, instead of H2 in memory.
 */
class SqliteAuditTrailRouteTests extends AuditTrailRouteTests {

	private static final AuditDatabases.SqliteFile FILE = new AuditDatabases.SqliteFile("audit-route-sqlite-");

	@DynamicPropertySource
	static void sqlite(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", FILE::url);
	}

}
