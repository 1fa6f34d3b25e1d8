package com.graphpolicygateway.audit.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditHasher;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.StoredInstant;
import com.graphpolicygateway.audit.event.StoredEvent;
import com.graphpolicygateway.audit.signing.AuditChainSigner;

/**
 * The audit trail in a relational database (SQLite or PostgreSQL). Blocking: only the
 * audit writer's own thread and the verifier call it, never a Netty event loop. Each
 * instance appends to its own hash chain, so several gateway replicas can share one
 * database without coordinating. With a {@link AuditChainSigner}, every row it writes
 * carries the MAC of its content under the signing key, and the chain is checkpointed.
 */
public final class JdbcAuditStore {

	private static final String INSERT = "INSERT INTO audit_event (" + AuditRows.COLUMNS
			+ ", writer_id, chain_id, chain_seq, previous_hash, hash, key_id, pending_mac, mac) VALUES ("
			+ "?, ".repeat(AuditRows.COLUMN_COUNT + 7) + "?)";

	/**
	 * Writes a pending row's outcome: the outcome columns, and what only the outcome
	 * knows of the request, the values its change replaced (modified properties, read
	 * after the pending row was written) and how that read went.
	 */
	private static final String CLOSE = "UPDATE audit_event SET activity_result = ?, decision = ?, reason = ?, "
			+ "upstream_status = ?, graph_request_id = ?, latency_ms = ?, modified_properties = ?, "
			+ "before_image_status = ?, before_image_reason = ?, before_image_latency_ms = ?, chain_id = ?, chain_seq = ?, "
			+ "previous_hash = ?, hash = ?, key_id = ?, mac = ? WHERE id = ? AND chain_id IS NULL AND writer_id = ?";

	private static final int MAX_OWN_PENDING = 50_000;

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final String chainId;

	private final @Nullable AuditChainSigner signer;

	private long lastSeq;

	private String lastHash = AuditHasher.GENESIS;

	private boolean chainStarted;

	/**
	 * Ids of this store's committed pending events whose outcome is not written yet:
	 * their outcomes can be closed in one batch without looking for their row first.
	 * Bounded: an outcome that never comes (dropped from a full queue) must not keep its
	 * id forever; the oldest are forgotten, and their outcomes take the slower path.
	 */
	private final Set<UUID> ownPending = Collections.newSetFromMap(new LinkedHashMap<UUID, Boolean>() {
		@Override
		protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
			return size() > MAX_OWN_PENDING;
		}
	});

	/** A store whose rows are not authenticated. */
	public JdbcAuditStore(JdbcTemplate jdbc, TransactionTemplate transactions, String chainId) {
		this(jdbc, transactions, chainId, null);
	}

	/**
	 * A store whose rows are authenticated and whose chain is checkpointed by
	 * {@code signer}, when not null.
	 */
	public JdbcAuditStore(JdbcTemplate jdbc, TransactionTemplate transactions, String chainId,
			@Nullable AuditChainSigner signer) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		Assert.notNull(transactions, "transactions cannot be null");
		Assert.hasText(chainId, "chainId cannot be empty");
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.chainId = chainId;
		this.signer = signer;
	}

	public String chainId() {
		return this.chainId;
	}

	/**
	 * Signs a checkpoint when one is due: the writer calls it after each batch, and when
	 * idle.
	 */
	public void afterBatch() {
		if (this.signer != null && this.chainStarted) {
			this.signer.checkpointIfDue(this.chainId, this.lastSeq, this.lastHash, false);
		}
	}

	/**
	 * Signs a checkpoint of where the chain stands now, unless the last one says so
	 * already: the writer stops.
	 */
	public void checkpointNow() {
		if (this.signer != null && this.chainStarted) {
			this.signer.checkpointIfDue(this.chainId, this.lastSeq, this.lastHash, true);
		}
	}

	/** The signing key's id, or null when the trail is not keyed. */
	@Nullable String keyId() {
		return (this.signer != null) ? this.signer.keyId() : null;
	}

	/**
	 * Registers this store's chain before the first write; later calls (restarts) do
	 * nothing.
	 */
	public void startChain(Instant now) {
		if (this.chainStarted) {
			return;
		}
		this.jdbc.update(
				"INSERT INTO audit_chain (chain_id, started_at, first_seq, anchor_hash, last_seq, last_hash, key_id) "
						+ "VALUES (?, ?, 1, ?, 0, ?, ?)",
				this.chainId, new StoredInstant(now), AuditHasher.GENESIS, AuditHasher.GENESIS, keyId());
		this.chainStarted = true;
		// The chain's first checkpoint says it exists, before it holds any event.
		checkpointNow();
	}

	/**
	 * Writes one batch in one transaction: pending events (not yet chained), then
	 * completed events appended to the chain, either closing their pending row or
	 * inserted whole.
	 * @return the ids of completed events whose pending row was not found (already closed
	 * elsewhere); they are not written and the chain does not advance for them
	 */
	public List<UUID> write(List<AuditEvent> pending, List<AuditEvent> completed) {
		return write(pending, completed, Set.of());
	}

	/**
	 * Writes one batch in one transaction, as {@link #write(List, List)} does, with one
	 * statement per kind of row where it can: the outcomes of this store's own pending
	 * events are closed with one batch update, and the events in {@code whole} inserted
	 * with one batch insert. When a pending row turns out to be closed elsewhere
	 * meanwhile (another replica's recovery), that transaction is rolled back and the
	 * batch is written again event by event, so that the chain never has a gap.
	 * @param whole ids of completed events that never were pending (refusals recorded
	 * whole)
	 * @return the ids of completed events whose pending row was not found (already closed
	 * elsewhere); they are not written and the chain does not advance for them
	 */
	public List<UUID> write(List<AuditEvent> pending, List<AuditEvent> completed, Set<UUID> whole) {
		for (AuditEvent event : completed) {
			if (event.activityResult().equals(AuditEvent.PENDING)) {
				throw new IllegalArgumentException("A pending event cannot be chained: " + event.id());
			}
		}
		Set<UUID> pendingIds = pending.stream().map(AuditEvent::id).collect(Collectors.toSet());
		boolean batched = completed.stream()
			.allMatch((event) -> isOwnPending(event.id(), pendingIds) || whole.contains(event.id()));
		if (batched) {
			try {
				return commit(pending, completed, () -> appendBatched(completed, pendingIds));
			}
			catch (ClosedElsewhereException ex) {
				// Rolled back: one by one, the rows closed elsewhere are skipped.
			}
		}
		return commit(pending, completed, () -> appendOneByOne(completed, pendingIds));
	}

	private List<UUID> commit(List<AuditEvent> pending, List<AuditEvent> completed, Supplier<Appended> appender) {
		List<UUID> missing = this.transactions.execute((status) -> {
			if (!pending.isEmpty()) {
				this.jdbc.batchUpdate(INSERT, pending.stream().map(this::pendingRow).toList());
			}
			Appended appended = appender.get();
			if (appended.seq() != this.lastSeq) {
				this.jdbc.update("UPDATE audit_chain SET last_seq = ?, last_hash = ? WHERE chain_id = ?",
						appended.seq(), appended.hash(), this.chainId);
			}
			// Only a committed transaction moves the chain on in memory.
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					JdbcAuditStore.this.lastSeq = appended.seq();
					JdbcAuditStore.this.lastHash = appended.hash();
					pending.forEach((event) -> JdbcAuditStore.this.ownPending.add(event.id()));
					completed.forEach((event) -> JdbcAuditStore.this.ownPending.remove(event.id()));
				}
			});
			return appended.missing();
		});
		return (missing != null) ? missing : List.of();
	}

	private boolean isOwnPending(UUID id, Set<UUID> insertedNow) {
		return this.ownPending.contains(id) || insertedNow.contains(id);
	}

	/**
	 * Chains the completed events with one batch update of the pending rows and one batch
	 * insert of the events recorded whole; the chain is the one {@link #appendOneByOne}
	 * would write.
	 * @throws ClosedElsewhereException when a pending row was not found
	 */
	private Appended appendBatched(List<AuditEvent> completed, Set<UUID> insertedNow) {
		long seq = this.lastSeq;
		String hash = this.lastHash;
		List<Object[]> closes = new ArrayList<>();
		List<Object[]> inserts = new ArrayList<>();
		for (AuditEvent event : completed) {
			StoredEvent linked = StoredEvent.link(event, this.chainId, seq + 1, hash);
			if (isOwnPending(event.id(), insertedNow)) {
				closes.add(closeRow(linked));
			}
			else {
				inserts.add(chainedRow(linked));
			}
			seq = linked.chainSeq();
			hash = linked.hash();
		}
		if (!closes.isEmpty()) {
			int[] updated = this.jdbc.batchUpdate(CLOSE, closes);
			if (updated.length != closes.size() || Arrays.stream(updated).anyMatch((count) -> count != 1)) {
				throw new ClosedElsewhereException();
			}
		}
		if (!inserts.isEmpty()) {
			this.jdbc.batchUpdate(INSERT, inserts);
		}
		return new Appended(seq, hash, List.of());
	}

	private Appended appendOneByOne(List<AuditEvent> completed, Set<UUID> insertedNow) {
		long seq = this.lastSeq;
		String hash = this.lastHash;
		List<UUID> missing = new ArrayList<>();
		for (AuditEvent event : completed) {
			StoredEvent linked = append(event, seq + 1, hash, insertedNow);
			if (linked == null) {
				missing.add(event.id());
				continue;
			}
			seq = linked.chainSeq();
			hash = linked.hash();
		}
		return new Appended(seq, hash, missing.isEmpty() ? List.of() : Collections.unmodifiableList(missing));
	}

	/**
	 * Chains a completed event: closes its pending row (usually this writer's own; after
	 * a crash another writer's), or inserts it whole when it never was pending. The hash
	 * covers the writer that received the request.
	 * @return the linked event, or null when its pending row was already closed elsewhere
	 */
	private @Nullable StoredEvent append(AuditEvent event, long seq, String previousHash, Set<UUID> insertedNow) {
		StoredEvent own = StoredEvent.link(event, this.chainId, this.chainId, seq, previousHash);
		if (close(own) == 1) {
			return own;
		}
		List<String> writers = this.jdbc.queryForList(
				"SELECT writer_id FROM audit_event WHERE id = ? AND chain_id IS NULL", String.class,
				event.id().toString());
		if (!writers.isEmpty()) {
			StoredEvent recovered = StoredEvent.link(event, writers.get(0), this.chainId, seq, previousHash);
			return (close(recovered) == 1) ? recovered : null;
		}
		if (insertedNow.contains(event.id()) || contains(event.id())) {
			return null;
		}
		this.jdbc.update(INSERT, chainedRow(own));
		return own;
	}

	private int close(StoredEvent linked) {
		return this.jdbc.update(CLOSE, closeRow(linked));
	}

	private Object[] closeRow(StoredEvent linked) {
		AuditEvent e = linked.event();
		AuditEvent.BeforeImage before = e.beforeImage();
		return new Object[] { e.activityResult(), e.decision(), e.reason(), e.upstreamStatus(), e.graphRequestId(),
				e.latencyMillis(), AuditRows.modifiedProperties(e), (before != null) ? before.status() : null,
				(before != null) ? before.reason() : null, (before != null) ? before.latencyMillis() : null,
				linked.chainId(), linked.chainSeq(), linked.previousHash(), linked.hash(), keyId(), eventMac(linked),
				e.id().toString(), linked.writerId() };
	}

	/** Whether the trail holds an event with this id, pending or completed. */
	public boolean contains(UUID id) {
		Integer count = this.jdbc.queryForObject("SELECT COUNT(*) FROM audit_event WHERE id = ?", Integer.class,
				id.toString());
		return count != null && count > 0;
	}

	/** A pending row of this store's writer, authenticated under the key. */
	private Object[] pendingRow(AuditEvent event) {
		String mac = (this.signer != null) ? this.signer.key().pendingMac(event, this.chainId) : null;
		return row(event, this.chainId, null, null, null, null, keyId(), mac, null);
	}

	/** A chained event inserted whole, authenticated under the key. */
	private Object[] chainedRow(StoredEvent linked) {
		return row(linked.event(), linked.writerId(), linked.chainId(), linked.chainSeq(), linked.previousHash(),
				linked.hash(), keyId(), null, eventMac(linked));
	}

	private @Nullable String eventMac(StoredEvent linked) {
		return (this.signer != null) ? this.signer.key().eventMac(linked.hash()) : null;
	}

	private static Object[] row(AuditEvent event, String writerId, @Nullable Object chainId, @Nullable Object chainSeq,
			@Nullable Object previousHash, @Nullable Object hash, @Nullable Object keyId, @Nullable Object pendingMac,
			@Nullable Object mac) {
		Object[] values = AuditRows.values(event);
		Object[] row = new Object[values.length + 8];
		System.arraycopy(values, 0, row, 0, values.length);
		row[values.length] = writerId;
		row[values.length + 1] = chainId;
		row[values.length + 2] = chainSeq;
		row[values.length + 3] = previousHash;
		row[values.length + 4] = hash;
		row[values.length + 5] = keyId;
		row[values.length + 6] = pendingMac;
		row[values.length + 7] = mac;
		return row;
	}

	/** Pending events of other writers that reached the gateway before {@code before}. */
	public List<AuditEvent> stalePendingEvents(Instant before, int limit) {
		return stalePendingEvents(before, null, limit).stream().map(StalePending::event).toList();
	}

	/**
	 * Pending events of other writers that reached the gateway before {@code before},
	 * oldest first, after {@code after} (the last one a previous call returned, so that a
	 * caller can read on past those it did not close), with what authenticates them.
	 */
	public List<StalePending> stalePendingEvents(Instant before, @Nullable StalePending after, int limit) {
		Instant afterTime = (after != null) ? after.event().activityDateTime() : Instant.EPOCH;
		String afterId = (after != null) ? after.event().id().toString() : "";
		return this.jdbc.query("SELECT " + AuditRows.COLUMNS + ", writer_id, key_id, pending_mac FROM audit_event "
				+ "WHERE activity_result = ? AND writer_id <> ? AND activity_date_time < ? "
				+ "AND (activity_date_time > ? OR (activity_date_time = ? AND id > ?)) ORDER BY activity_date_time, id",
				(rs) -> {
					List<StalePending> events = new ArrayList<>();
					while (rs.next() && events.size() < limit) {
						events.add(new StalePending(AuditRows.event(rs), rs.getString("writer_id"),
								rs.getString("key_id"), rs.getString("pending_mac")));
					}
					return events;
				}, AuditEvent.PENDING, this.chainId, new StoredInstant(before), new StoredInstant(afterTime),
				new StoredInstant(afterTime), afterId);
	}

	/**
	 * Whether a pending row was written by a gateway: always without a signing key (the
	 * trail cannot tell), with one when its MAC matches.
	 */
	public boolean authentic(StalePending pending) {
		return this.signer == null || this.signer.key()
			.authenticatesPending(pending.event(), pending.writerId(), pending.keyId(), pending.pendingMac());
	}

	/**
	 * Another writer's pending row, with what authenticates it.
	 *
	 * @param event the pending event
	 * @param writerId the writer that inserted it
	 * @param keyId the key its MAC was made with, if any
	 * @param pendingMac its MAC, if any
	 */
	public record StalePending(AuditEvent event, String writerId, @Nullable String keyId, @Nullable String pendingMac) {
	}

	/**
	 * Deletes each chain's oldest events that reached the gateway before {@code cutoff},
	 * as a prefix of the chain, and moves the chain's anchor so that the rest stays
	 * verifiable.
	 * @return the number of events deleted
	 */
	public int purgeBefore(Instant cutoff) {
		List<String> chains = this.jdbc.queryForList("SELECT chain_id FROM audit_chain", String.class);
		int deleted = 0;
		for (String chain : chains) {
			Integer purged = this.transactions.execute((status) -> purgeChain(chain, cutoff));
			deleted += (purged != null) ? purged : 0;
		}
		return deleted;
	}

	private int purgeChain(String chain, Instant cutoff) {
		// Lock the chain head so that no event is appended between finding the cut and
		// deleting: an update that changes nothing locks the row on PostgreSQL, and the
		// database on SQLite, which has no SELECT ... FOR UPDATE.
		this.jdbc.update("UPDATE audit_chain SET last_seq = last_seq WHERE chain_id = ?", chain);
		var head = this.jdbc.queryForMap("SELECT last_seq, last_hash FROM audit_chain WHERE chain_id = ?", chain);
		Long firstKept = this.jdbc.queryForObject(
				"SELECT MIN(chain_seq) FROM audit_event WHERE chain_id = ? AND activity_date_time >= ?", Long.class,
				chain, new StoredInstant(cutoff));
		long newFirst;
		String anchor;
		if (firstKept != null) {
			newFirst = firstKept;
			anchor = this.jdbc.queryForObject(
					"SELECT previous_hash FROM audit_event WHERE chain_id = ? AND chain_seq = ?", String.class, chain,
					firstKept);
		}
		else {
			newFirst = ((Number) head.get("last_seq")).longValue() + 1;
			anchor = (String) head.get("last_hash");
		}
		int deleted = this.jdbc.update("DELETE FROM audit_event WHERE chain_id = ? AND chain_seq < ?", chain, newFirst);
		if (deleted > 0) {
			this.jdbc.update("UPDATE audit_chain SET first_seq = ?, anchor_hash = ? WHERE chain_id = ?", newFirst,
					anchor, chain);
		}
		return deleted;
	}

	/** Number of pending events whose outcome this store expects (bounded). */
	int ownPendingCount() {
		return this.ownPending.size();
	}

	/** Where the chain stands after appending completed events in a transaction. */
	private record Appended(long seq, String hash, List<UUID> missing) {
	}

	/** A pending row to close in a batch was not found: the batch must be rolled back. */
	private static final class ClosedElsewhereException extends RuntimeException {

		ClosedElsewhereException() {
			super(null, null, false, false);
		}

	}

}
