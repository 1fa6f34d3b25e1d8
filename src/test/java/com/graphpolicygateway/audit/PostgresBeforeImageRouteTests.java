package com.graphpolicygateway.audit;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.graphpolicygateway.test.AuditDatabases;

/**
 * The before-image tests of {@link BeforeImageRouteTests} with the gateway writing to
 * real PostgreSQL instead of the embedded SQLite file: the old values closed into the
 * pending row, the new columns, and verification.
 */
class PostgresBeforeImageRouteTests extends BeforeImageRouteTests {

	private static AuditDatabases.Schema schema;

	@DynamicPropertySource
	static void postgresql(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> schema().url());
		registry.add("spring.datasource.username", () -> schema().user());
		registry.add("spring.datasource.password", () -> schema().password());
	}

	private static synchronized AuditDatabases.Schema schema() {
		if (schema == null) {
			schema = AuditDatabases.postgresqlSchema();
		}
		return schema;
	}

}
