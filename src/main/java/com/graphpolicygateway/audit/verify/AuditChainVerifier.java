package com.graphpolicygateway.audit.verify;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditHasher;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.StoredEvent;
import com.graphpolicygateway.audit.signing.AuditSigningKey;

/**
 * Verifies the audit trail and reports every problem it finds.
 * <ul>
 * <li>Hash chains: a changed row (its hash no longer matches its content), a deleted row
 * (a gap, or a chain shorter than its head says), an inserted row (one that belongs to no
 * chain, or breaks the links).</li>
 * <li>With the signing key: an event or pending row that no gateway wrote (its MAC does
 * not match: forged, or changed with every later hash recomputed).</li>
 * <li>With the signing key or its public half: the signed checkpoints, which catch a
 * deleted chain, deleted checkpoints and events cut from the end (see
 * {@link AuditCheckpointVerifier}), also against a SIEM's copy of the checkpoints.</li>
 * </ul>
 * Blocking: never call it on an event-loop thread.
 */
public final class AuditChainVerifier {

	private final JdbcTemplate jdbc;

	private final @Nullable AuditSigningKey key;

	private final @Nullable PublicKey checkpointKey;

	/** A verifier of unkeyed hash chains. */
	public AuditChainVerifier(JdbcTemplate jdbc) {
		this(jdbc, null, null);
	}

	/**
	 * A verifier that authenticates events with {@code key} (when not null) and checks
	 * checkpoints with {@code checkpointKey}, or else with {@code key}'s public half.
	 */
	public AuditChainVerifier(JdbcTemplate jdbc, @Nullable AuditSigningKey key, @Nullable PublicKey checkpointKey) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		this.jdbc = jdbc;
		this.key = key;
		this.checkpointKey = (checkpointKey != null) ? checkpointKey : ((key != null) ? key.publicKey() : null);
	}

	/** Verifies the database alone. */
	public AuditVerification verify() {
		return verify(List.of());
	}

	/**
	 * Verifies the database, and it against {@code siemCheckpoints}: the checkpoints a
	 * SIEM received from the audit sinks, which deleting rows cannot reach.
	 */
	public AuditVerification verify(List<AuditCheckpoint> siemCheckpoints) {
		Problems problems = new Problems();
		Map<String, ChainHead> chains = new LinkedHashMap<>();
		this.jdbc.query("SELECT chain_id, first_seq, anchor_hash, last_seq, last_hash, key_id FROM audit_chain "
				+ "ORDER BY started_at, chain_id", (rs) -> {
					chains.put(rs.getString("chain_id"),
							new ChainHead(rs.getString("chain_id"), rs.getLong("first_seq"),
									rs.getString("anchor_hash"), rs.getLong("last_seq"), rs.getString("last_hash"),
									rs.getString("key_id")));
				});
		AuditCheckpointVerifier checkpoints = (this.checkpointKey != null)
				? new AuditCheckpointVerifier(this.jdbc, this.checkpointKey, siemCheckpoints)
				: AuditCheckpointVerifier.none();
		long checked = 0;
		Map<String, ChainWalk> walks = new HashMap<>();
		int unkeyed = 0;
		for (ChainHead chain : chains.values()) {
			boolean keyed = chain.keyId() != null || checkpoints.knowsKeyed(chain.chainId());
			if (!keyed && checkpoints.active()) {
				if (checkpoints.knows(chain.chainId())) {
					unkeyed++; // written before the key: its links verify, nothing more
				}
				else {
					problems.add(chain.chainId(), 0, null,
							"unkeyed chain that no checkpoint knows (inserted behind the gateway's back)");
				}
			}
			ChainWalk walk = walk(chain, keyed && this.key != null, checkpoints.positionsOf(chain.chainId()), problems);
			walks.put(chain.chainId(), walk);
			checked += walk.checked();
		}
		long pending = (this.key != null) ? checkPending(problems) : 0;
		strayEvents(problems);
		long checkpointsChecked = checkpoints.check(chains.keySet(), walks, problems);
		return new AuditVerification(problems.isEmpty(), chains.size(), checked, problems.first(), this.key != null,
				pending, checkpointsChecked, unkeyed, problems.all());
	}

	private ChainWalk walk(ChainHead chain, boolean authenticate, Set<Long> wanted, Problems problems) {
		ChainWalk walk = new ChainWalk(chain.firstSeq(), wanted);
		String chainId = chain.chainId();
		this.jdbc.query("SELECT " + AuditRows.COLUMNS + ", writer_id, chain_seq, previous_hash, hash, key_id, mac "
				+ "FROM audit_event WHERE chain_id = ? ORDER BY chain_seq", (rs) -> {
					if (walk.broken) {
						return;
					}
					long seq = rs.getLong("chain_seq");
					String id = rs.getString("id");
					long expected = walk.end + 1;
					if (seq != expected) {
						walk.broken(problems, chainId, expected, id,
								(seq > expected) ? "missing event (deleted row)" : "unexpected event");
						return;
					}
					String storedPrevious = rs.getString("previous_hash");
					String storedHash = rs.getString("hash");
					String previous = (walk.end < chain.firstSeq()) ? chain.anchorHash() : walk.lastHash;
					if (!previous.equals(storedPrevious)) {
						walk.broken(problems, chainId, seq, id,
								"previous hash does not match (row deleted or inserted before it)");
						return;
					}
					StoredEvent recomputed;
					try {
						recomputed = StoredEvent.link(AuditRows.event(rs), rs.getString("writer_id"), chainId, seq,
								storedPrevious);
					}
					catch (RuntimeException ex) {
						walk.broken(problems, chainId, seq, id, "content cannot be read (row changed)");
						return;
					}
					if (!recomputed.hash().equals(storedHash)) {
						walk.broken(problems, chainId, seq, id, "content does not match its hash (row changed)");
						return;
					}
					if (authenticate
							&& !this.key.authenticatesEvent(storedHash, rs.getString("key_id"), rs.getString("mac"))) {
						// The links hold, so the walk goes on: the checkpoints still
						// judge the positions after it.
						problems.add(chainId, seq, id, "event not written by a gateway holding the signing key "
								+ "(forged, or changed with its hash recomputed)");
						walk.linked(seq, storedHash);
						return;
					}
					walk.verified(seq, storedHash);
				}, chainId);
		if (!walk.broken && (walk.end != chain.lastSeq()
				|| !((walk.end < chain.firstSeq()) ? chain.anchorHash() : walk.lastHash).equals(chain.lastHash()))) {
			problems.add(chainId, walk.end + 1, null, "chain ends before its recorded head (rows deleted at the end)");
		}
		return walk;
	}

	/** Every pending row must have been written by a gateway holding the key. */
	private long checkPending(Problems problems) {
		long[] checked = { 0 };
		this.jdbc.query("SELECT " + AuditRows.COLUMNS + ", writer_id, key_id, pending_mac FROM audit_event "
				+ "WHERE chain_id IS NULL AND activity_result = ?", (rs) -> {
					String id = rs.getString("id");
					boolean authentic;
					try {
						authentic = this.key.authenticatesPending(AuditRows.event(rs), rs.getString("writer_id"),
								rs.getString("key_id"), rs.getString("pending_mac"));
					}
					catch (RuntimeException ex) {
						authentic = false;
					}
					if (authentic) {
						checked[0]++;
					}
					else {
						problems.add(null, 0, id, "pending event not written by a gateway holding the signing key "
								+ "(inserted behind the gateway's back); recovery leaves it pending");
					}
				}, AuditEvent.PENDING);
		return checked[0];
	}

	/** A completed event outside every chain was inserted behind the gateway's back. */
	private void strayEvents(Problems problems) {
		this.jdbc.query(
				"SELECT id FROM audit_event WHERE activity_result <> ? AND "
						+ "(chain_id IS NULL OR hash IS NULL OR chain_id NOT IN (SELECT chain_id FROM audit_chain))",
				(rs) -> {
					problems.add(null, 0, rs.getString("id"), "event outside every chain (row inserted)");
				}, AuditEvent.PENDING);
	}

	/**
	 * A chain's head as {@code audit_chain} records it.
	 *
	 * @param chainId the chain
	 * @param firstSeq its first position kept (retention moves it)
	 * @param anchorHash the previous hash of that first position
	 * @param lastSeq its last position
	 * @param lastHash the hash there
	 * @param keyId the key it was started with, or null
	 */
	record ChainHead(String chainId, long firstSeq, String anchorHash, long lastSeq, String lastHash,
			@Nullable String keyId) {
	}

	/** Where a walk along one chain got to, and the hashes checkpoints asked for. */
	static final class ChainWalk {

		private final Set<Long> wanted;

		private final Map<Long, String> hashes = new HashMap<>();

		/** The last position verified; first_seq − 1 before any. */
		long end;

		String lastHash = AuditHasher.GENESIS;

		boolean broken;

		private long checked;

		ChainWalk(long firstSeq, Set<Long> wanted) {
			this.end = firstSeq - 1;
			this.wanted = wanted;
		}

		void verified(long seq, String hash) {
			linked(seq, hash);
			this.checked++;
		}

		/** The event at {@code seq} is linked to the chain, but not authenticated. */
		void linked(long seq, String hash) {
			this.end = seq;
			this.lastHash = hash;
			if (this.wanted.contains(seq)) {
				this.hashes.put(seq, hash);
			}
		}

		void broken(Problems problems, String chainId, long seq, @Nullable String eventId, String problem) {
			this.broken = true;
			problems.add(chainId, seq, eventId, problem);
		}

		long checked() {
			return this.checked;
		}

		/**
		 * The verified hash at {@code seq}, when the walk got there and was asked to keep
		 * it.
		 */
		@Nullable String hashAt(long seq) {
			return this.hashes.get(seq);
		}

	}

	/** The problems found, in order, at most {@link AuditVerification#MAX_PROBLEMS}. */
	static final class Problems {

		private final List<AuditVerification.BrokenLink> found = new ArrayList<>();

		private final Set<AuditVerification.BrokenLink> seen = new HashSet<>();

		void add(@Nullable String chainId, long seq, @Nullable String eventId, String problem) {
			AuditVerification.BrokenLink link = new AuditVerification.BrokenLink(chainId, seq, eventId, problem);
			if (this.found.size() < AuditVerification.MAX_PROBLEMS && this.seen.add(link)) {
				this.found.add(link);
			}
		}

		boolean isEmpty() {
			return this.found.isEmpty();
		}

		AuditVerification.@Nullable BrokenLink first() {
			return this.found.isEmpty() ? null : this.found.get(0);
		}

		List<AuditVerification.BrokenLink> all() {
			return this.found;
		}

	}

}
