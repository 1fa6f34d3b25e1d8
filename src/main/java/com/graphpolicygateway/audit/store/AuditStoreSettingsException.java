package com.graphpolicygateway.audit.store;

/**
 * The audit store's configuration cannot be used: an H2 URL, a SQLite URL without the
 * settings the trail needs, or a new SQLite trail beside an earlier H2 trail. Start-up
 * reports it as a failure analysis (its message, and where to read on), not a stack
 * trace.
 */
public final class AuditStoreSettingsException extends IllegalStateException {

	AuditStoreSettingsException(String message) {
		super(message);
	}

}
