package com.graphpolicygateway.audit.store;

/**
 * What the audit store's database needs from the writer beyond its transactions: making
 * each commit durable where the commit alone does not, and keeping its files compact.
 * Both run on the writer's thread.
 */
public interface AuditStoreUpkeep {

	/**
	 * For databases whose commit is durable and whose files look after themselves
	 * (PostgreSQL).
	 */
	AuditStoreUpkeep NONE = new AuditStoreUpkeep() {
	};

	/**
	 * Runs after each commit, before the events in it are acknowledged.
	 * @throws org.springframework.dao.DataAccessException when the commit could not be
	 * made durable
	 */
	default void afterCommit() {
	}

	/**
	 * Runs after a batch has been written and acknowledged: a moment when no caller waits
	 * on the writer.
	 */
	default void afterBatch() {
	}

}
