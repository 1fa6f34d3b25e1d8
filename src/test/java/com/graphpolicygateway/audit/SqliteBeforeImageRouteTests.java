package com.graphpolicygateway.audit;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.graphpolicygateway.test.AuditDatabases;

/**
 * The before-image tests of {@link BeforeImageRouteTests} with the gateway writing to a
 * SQLite file in WAL mode: the V5 columns, the old values closed into the pending row,
 * and verification.
 */
class SqliteBeforeImageRouteTests extends BeforeImageRouteTests {

	private static final AuditDatabases.SqliteFile FILE = new AuditDatabases.SqliteFile("before-image-route-sqlite-");

	@DynamicPropertySource
	static void sqlite(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", FILE::url);
	}

}
