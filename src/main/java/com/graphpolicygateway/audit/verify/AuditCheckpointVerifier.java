package com.graphpolicygateway.audit.verify;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.springframework.jdbc.core.JdbcTemplate;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.event.AuditHasher;
import com.graphpolicygateway.audit.signing.AuditSigningKey;

/**
 * Checks the signed checkpoints of the audit trail, those in the database and, when
 * given, a SIEM's copy of them:
 * <ul>
 * <li>each signature verifies under the public key;</li>
 * <li>each chain's checkpoints are numbered without a gap, and none of the SIEM's copy is
 * missing from the database or differs from it (deleted or changed checkpoints);</li>
 * <li>every chain a checkpoint names still exists (a deleted chain);</li>
 * <li>each chain still reaches the position its checkpoints state, with the head hash
 * they state (events cut from the end, history rewritten).</li>
 * </ul>
 */
final class AuditCheckpointVerifier {

	private final boolean active;

	/** Checkpoints whose signature verified, by chain and number. */
	private final Map<String, TreeMap<Long, AuditCheckpoint>> valid = new LinkedHashMap<>();

	private final Map<String, TreeMap<Long, AuditCheckpoint>> stored = new LinkedHashMap<>();

	private final List<AuditCheckpoint> siem;

	private final List<AuditCheckpoint> forged = new ArrayList<>();

	private final Set<String> known = new HashSet<>();

	private final Set<String> knownKeyed = new HashSet<>();

	private AuditCheckpointVerifier() {
		this.active = false;
		this.siem = List.of();
	}

	AuditCheckpointVerifier(JdbcTemplate jdbc, PublicKey publicKey, List<AuditCheckpoint> siem) {
		this.active = true;
		this.siem = List.copyOf(siem);
		jdbc.query(AuditCheckpoint.SELECT + " ORDER BY chain_id, checkpoint_seq", (rs) -> {
			AuditCheckpoint checkpoint = AuditCheckpoint.fromRow(rs);
			this.stored.computeIfAbsent(checkpoint.chainId(), (chain) -> new TreeMap<>())
				.put(checkpoint.checkpointSeq(), checkpoint);
		});
		List<AuditCheckpoint> all = new ArrayList<>();
		this.stored.values().forEach((byNumber) -> all.addAll(byNumber.values()));
		all.addAll(this.siem);
		for (AuditCheckpoint checkpoint : all) {
			if (!AuditSigningKey.verify(publicKey, checkpoint.algorithm(), checkpoint.signedContent(),
					checkpoint.signature())) {
				this.forged.add(checkpoint);
				continue;
			}
			this.valid.computeIfAbsent(checkpoint.chainId(), (chain) -> new TreeMap<>())
				.putIfAbsent(checkpoint.checkpointSeq(), checkpoint);
			this.knownKeyed.add(checkpoint.chainId());
			for (String entry : checkpoint.knownChains()) {
				int at = entry.indexOf(AuditCheckpoint.KEYED);
				this.known.add((at < 0) ? entry : entry.substring(0, at));
				if (at >= 0) {
					this.knownKeyed.add(entry.substring(0, at));
				}
			}
		}
	}

	/** A verifier without a key: it checks nothing. */
	static AuditCheckpointVerifier none() {
		return new AuditCheckpointVerifier();
	}

	boolean active() {
		return this.active;
	}

	/** Whether a verified checkpoint names the chain. */
	boolean knows(String chainId) {
		return this.known.contains(chainId) || this.valid.containsKey(chainId);
	}

	/**
	 * Whether a verified checkpoint shows the chain as keyed (or the chain signed one).
	 */
	boolean knowsKeyed(String chainId) {
		return this.knownKeyed.contains(chainId);
	}

	/** The positions the chain's verified checkpoints state. */
	Set<Long> positionsOf(String chainId) {
		Set<Long> positions = new HashSet<>();
		this.valid.getOrDefault(chainId, new TreeMap<>())
			.values()
			.forEach((checkpoint) -> positions.add(checkpoint.chainPosition()));
		return positions;
	}

	/**
	 * Checks the checkpoints against the chains found and walked.
	 * @return how many checkpoints verified
	 */
	long check(Collection<String> chains, Map<String, AuditChainVerifier.ChainWalk> walks,
			AuditChainVerifier.Problems problems) {
		if (!this.active) {
			return 0;
		}
		for (AuditCheckpoint checkpoint : this.forged) {
			problems.add(checkpoint.chainId(), checkpoint.chainPosition(), null,
					"checkpoint " + checkpoint.checkpointSeq() + " is not signed by the audit signing key (forged, "
							+ "changed, or signed with another key: " + checkpoint.keyId() + ")");
		}
		this.stored.forEach((chain, byNumber) -> {
			long expected = byNumber.firstKey();
			if (expected != 1) {
				problems.add(chain, 0, null,
						"checkpoints 1 to " + (expected - 1) + " of the chain are missing " + "(deleted)");
			}
			for (long number : byNumber.keySet()) {
				if (number != expected) {
					problems.add(chain, 0, null,
							"checkpoints " + expected + " to " + (number - 1) + " of the chain are missing (deleted)");
				}
				expected = number + 1;
			}
		});
		for (AuditCheckpoint copy : this.siem) {
			AuditCheckpoint inDatabase = this.stored.getOrDefault(copy.chainId(), new TreeMap<>())
				.get(copy.checkpointSeq());
			if (inDatabase == null) {
				problems.add(copy.chainId(), copy.chainPosition(), null, "checkpoint " + copy.checkpointSeq()
						+ " held by the SIEM is missing from the database (deleted)");
			}
			else if (!inDatabase.equals(copy)) {
				problems.add(copy.chainId(), copy.chainPosition(), null,
						"checkpoint " + copy.checkpointSeq() + " differs from the SIEM's copy (changed)");
			}
		}
		long checked = 0;
		Set<String> deleted = new HashSet<>();
		for (TreeMap<Long, AuditCheckpoint> byNumber : this.valid.values()) {
			for (AuditCheckpoint checkpoint : byNumber.values()) {
				checked++;
				checkHead(checkpoint, chains, walks, problems);
				for (String entry : checkpoint.knownChains()) {
					String chain = entry.contains(AuditCheckpoint.KEYED)
							? entry.substring(0, entry.indexOf(AuditCheckpoint.KEYED)) : entry;
					if (!chains.contains(chain) && deleted.add(chain)) {
						problems.add(chain, 0, null, "chain deleted: checkpoint " + checkpoint.checkpointSeq()
								+ " of chain " + checkpoint.chainId() + " names it");
					}
				}
			}
		}
		return checked;
	}

	private void checkHead(AuditCheckpoint checkpoint, Collection<String> chains,
			Map<String, AuditChainVerifier.ChainWalk> walks, AuditChainVerifier.Problems problems) {
		String chain = checkpoint.chainId();
		long position = checkpoint.chainPosition();
		if (!chains.contains(chain)) {
			problems.add(chain, position, null, "chain deleted: its checkpoint " + checkpoint.checkpointSeq()
					+ " states " + checkpoint.eventCount() + " events up to position " + position);
			return;
		}
		AuditChainVerifier.ChainWalk walk = walks.get(chain);
		if (walk == null || walk.broken && position > walk.end) {
			return; // the break is reported already
		}
		if (position > walk.end) {
			problems.add(chain, position, null, "events cut from the end: checkpoint " + checkpoint.checkpointSeq()
					+ " states position " + position + ", the chain ends at " + walk.end);
			return;
		}
		String hash = (position == 0) ? AuditHasher.GENESIS : walk.hashAt(position);
		if (hash != null && !hash.equals(checkpoint.headHash())) {
			problems.add(chain, position, null, "the event at position " + position + " is not the one checkpoint "
					+ checkpoint.checkpointSeq() + " signed (history rewritten)");
		}
	}

}
