package com.graphpolicygateway.audit.store;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link AuditStoreSettingsException} at start-up as what is wrong and what to
 * do, the way Spring Boot reports a property that does not bind.
 */
final class AuditStoreSettingsFailureAnalyzer extends AbstractFailureAnalyzer<AuditStoreSettingsException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, AuditStoreSettingsException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Set spring.datasource.url to the embedded SQLite default or to PostgreSQL (docs/audit-trail.md, "
						+ "\"Stores\").",
				cause);
	}

}
