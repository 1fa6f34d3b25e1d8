package com.graphpolicygateway.audit.query;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.audit.store.TestAuditStores;
import com.graphpolicygateway.test.AuditDatabases;

/**
 * One gateway process's audit chain in a test database, written by a real
 * {@link JdbcAuditStore}, for tests outside this package (the audit sinks): closed
 * events, pending ones, checkpoints inserted as the signer would (with any signature) and
 * retention's purge.
 */
public final class TestAuditTrail {

	/** The tenant of the events unless said otherwise. */
	public static final String TENANT = TestAuditEvents.TENANT;

	/** A property value that needs escaping in JSON, syslog and ASCII. */
	public static final String AWKWARD_VALUE = "Zoë \"the\" [admin] \\ ]";

	private final AuditDatabases.Database database;

	private final JdbcAuditStore store;

	private TestAuditTrail(AuditDatabases.Database database) {
		this.database = database;
		this.store = TestAuditStores.started(database);
	}

	/** A new gateway process's chain, registered and empty. */
	public static TestAuditTrail start(AuditDatabases.Database database) {
		return new TestAuditTrail(database);
	}

	public String chainId() {
		return this.store.chainId();
	}

	/**
	 * Appends {@code count} closed events of {@link #TENANT}; their ids in chain order.
	 */
	public List<String> append(int count) {
		return append(count, TENANT);
	}

	/** Appends {@code count} closed events of a tenant (none: null); their ids. */
	public List<String> append(int count, @Nullable String tenant) {
		List<AuditEvent> events = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			AuditEvent pending = TestAuditEvents.pending()
				.arrived(Instant.now().truncatedTo(ChronoUnit.MICROS))
				.tenantId(tenant)
				.correlationId(UUID.randomUUID().toString())
				.properties(new AuditEvent.ModifiedProperty("displayName", null, AWKWARD_VALUE))
				.build();
			events.add(TestAuditEvents.succeeded(pending));
		}
		Set<UUID> whole = events.stream().map(AuditEvent::id).collect(Collectors.toSet());
		this.store.write(List.of(), events, whole);
		return events.stream().map((event) -> event.id().toString()).toList();
	}

	/**
	 * Appends one closed event of {@link #TENANT} whose before-image was read: its
	 * {@code displayName} was {@code oldValue}; its id.
	 */
	public String appendWithBeforeImage(String oldValue) {
		AuditEvent event = TestAuditEvents
			.succeeded(TestAuditEvents.pending()
				.arrived(Instant.now().truncatedTo(ChronoUnit.MICROS))
				.correlationId(UUID.randomUUID().toString())
				.build())
			.withBeforeImage(List.of(new AuditEvent.ModifiedProperty("displayName", oldValue, AWKWARD_VALUE)),
					new AuditEvent.BeforeImage(AuditEvent.BeforeImage.CAPTURED, null, 8L));
		this.store.write(List.of(), List.of(event), Set.of(event.id()));
		return event.id().toString();
	}

	/** Writes a pending event (not chained); its id. */
	public String pending() {
		AuditEvent pending = TestAuditEvents.pending().arrived(Instant.now().truncatedTo(ChronoUnit.MICROS)).build();
		this.store.write(List.of(pending), List.of());
		return pending.id().toString();
	}

	/** Inserts checkpoint {@code seq} of this chain at {@code position}. */
	public AuditCheckpoint checkpoint(long seq, long position) {
		AuditCheckpoint checkpoint = new AuditCheckpoint(chainId(), seq, Instant.now().truncatedTo(ChronoUnit.MICROS),
				position, "0".repeat(64), position, List.of(chainId()), "test-key", "ES256", "c2lnbmF0dXJl" + seq);
		this.database.jdbc()
			.update("INSERT INTO audit_checkpoint (chain_id, checkpoint_seq, created_at, chain_position, head_hash, "
					+ "event_count, known_chains, key_id, algorithm, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					checkpoint.chainId(), checkpoint.checkpointSeq(), AuditRows.timestamp(checkpoint.createdAt()),
					checkpoint.chainPosition(), checkpoint.headHash(), checkpoint.eventCount(),
					String.join(",", checkpoint.knownChains()), checkpoint.keyId(), checkpoint.algorithm(),
					checkpoint.signature());
		return checkpoint;
	}

	/** Retention: purges every chain's events that arrived before {@code cutoff}. */
	public int purgeBefore(Instant cutoff) {
		return this.store.purgeBefore(cutoff);
	}

}
