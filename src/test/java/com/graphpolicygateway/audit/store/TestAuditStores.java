package com.graphpolicygateway.audit.store;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.signing.AuditChainSigner;
import com.graphpolicygateway.audit.signing.AuditSigningKey;
import com.graphpolicygateway.audit.verify.AuditChainVerifier;
import com.graphpolicygateway.test.AuditDatabases;

/**
 * Audit stores of gateway processes sharing one test database, and what they stored.
 */
public final class TestAuditStores {

	private TestAuditStores() {
	}

	/** The store of a new gateway process, its chain registered. */
	public static JdbcAuditStore started(AuditDatabases.Database database) {
		JdbcAuditStore store = unstarted(database);
		store.startChain(TestAuditEvents.ARRIVED.minusSeconds(60));
		return store;
	}

	/** The store of a new gateway process whose writer has not started yet. */
	public static JdbcAuditStore unstarted(AuditDatabases.Database database) {
		return new JdbcAuditStore(database.jdbc(), database.transactions(), UUID.randomUUID().toString());
	}

	/**
	 * The store of a new gateway process holding the signing {@code key}, its chain
	 * registered (and checkpointed) at {@code clock}'s time; it signs a checkpoint every
	 * {@code checkpointEvents} events.
	 */
	public static JdbcAuditStore keyed(AuditDatabases.Database database, AuditSigningKey key, Clock clock,
			int checkpointEvents) {
		AuditChainSigner signer = new AuditChainSigner(key, database.jdbc(), clock, checkpointEvents,
				Duration.ofHours(1));
		JdbcAuditStore store = new JdbcAuditStore(database.jdbc(), database.transactions(),
				UUID.randomUUID().toString(), signer);
		store.startChain(clock.instant());
		return store;
	}

	public static AuditChainVerifier verifier(AuditDatabases.Database database) {
		return new AuditChainVerifier(database.jdbc());
	}

	/** The event as stored, read the way the verifier reads it. */
	public static AuditEvent read(AuditDatabases.Database database, UUID id) {
		return database.jdbc()
			.queryForObject("SELECT " + AuditRows.COLUMNS + " FROM audit_event WHERE id = ?",
					(rs, rowNum) -> AuditRows.event(rs), id.toString());
	}

	/** The stored row, every column, keys in any case. */
	public static Map<String, Object> row(AuditDatabases.Database database, UUID id) {
		return database.jdbc().queryForMap("SELECT * FROM audit_event WHERE id = ?", id.toString());
	}

	public static int count(AuditDatabases.Database database) {
		Integer count = database.jdbc().queryForObject("SELECT COUNT(*) FROM audit_event", Integer.class);
		return (count != null) ? count : 0;
	}

	/** Events appended to a chain (no longer pending). */
	public static int chained(AuditDatabases.Database database) {
		Integer count = database.jdbc()
			.queryForObject("SELECT COUNT(*) FROM audit_event WHERE chain_id IS NOT NULL", Integer.class);
		return (count != null) ? count : 0;
	}

	/** The ids of a chain's events, in chain order. */
	public static List<String> chain(AuditDatabases.Database database, String chainId) {
		return database.jdbc()
			.queryForList("SELECT id FROM audit_event WHERE chain_id = ? ORDER BY chain_seq", String.class, chainId);
	}

}
