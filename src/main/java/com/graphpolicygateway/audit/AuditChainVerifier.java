package com.graphpolicygateway.audit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

/**
 * Walks every hash chain of the audit trail and reports the first broken link: a changed
 * row (its hash no longer matches its content), a deleted row (a gap, or a chain shorter
 * than its head says), or an inserted row (one that belongs to no chain, or breaks the
 * links).
 */
public final class AuditChainVerifier {

	private final JdbcTemplate jdbc;

	AuditChainVerifier(JdbcTemplate jdbc) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		this.jdbc = jdbc;
	}

	/** Checks all chains; blocking, so never call it on an event-loop thread. */
	public AuditVerification verify() {
		List<Map<String, Object>> chains = this.jdbc
			.queryForList("SELECT chain_id, first_seq, anchor_hash, last_seq, last_hash FROM audit_chain ORDER BY "
					+ "started_at, chain_id");
		long checked = 0;
		for (Map<String, Object> chain : chains) {
			ChainCheck check = verifyChain((String) chain.get("chain_id"), number(chain.get("first_seq")),
					(String) chain.get("anchor_hash"), number(chain.get("last_seq")), (String) chain.get("last_hash"));
			checked += check.checked();
			if (check.broken() != null) {
				return new AuditVerification(false, chains.size(), checked, check.broken());
			}
		}
		AuditVerification.BrokenLink stray = strayEvent();
		return new AuditVerification(stray == null, chains.size(), checked, stray);
	}

	private ChainCheck verifyChain(String chainId, long firstSeq, String anchorHash, long lastSeq, String lastHash) {
		AtomicLong expectedSeq = new AtomicLong(firstSeq);
		AtomicReference<String> previous = new AtomicReference<>(anchorHash);
		AtomicReference<AuditVerification.@Nullable BrokenLink> broken = new AtomicReference<>();
		AtomicLong checked = new AtomicLong();
		this.jdbc.query("SELECT " + AuditRows.COLUMNS + ", writer_id, chain_seq, previous_hash, hash FROM audit_event "
				+ "WHERE chain_id = ? ORDER BY chain_seq", (rs) -> {
					if (broken.get() != null) {
						return;
					}
					long seq = rs.getLong("chain_seq");
					String id = rs.getString("id");
					if (seq != expectedSeq.get()) {
						broken.set(new AuditVerification.BrokenLink(chainId, expectedSeq.get(), id,
								(seq > expectedSeq.get()) ? "missing event (deleted row)" : "unexpected event"));
						return;
					}
					String storedPrevious = rs.getString("previous_hash");
					String storedHash = rs.getString("hash");
					if (!previous.get().equals(storedPrevious)) {
						broken.set(new AuditVerification.BrokenLink(chainId, seq, id,
								"previous hash does not match (row deleted or inserted before it)"));
						return;
					}
					StoredEvent recomputed;
					try {
						recomputed = StoredEvent.link(AuditRows.event(rs), rs.getString("writer_id"), chainId, seq,
								storedPrevious);
					}
					catch (RuntimeException ex) {
						broken.set(new AuditVerification.BrokenLink(chainId, seq, id,
								"content cannot be read (row changed)"));
						return;
					}
					if (!recomputed.hash().equals(storedHash)) {
						broken.set(new AuditVerification.BrokenLink(chainId, seq, id,
								"content does not match its hash (row changed)"));
						return;
					}
					checked.incrementAndGet();
					previous.set(storedHash);
					expectedSeq.incrementAndGet();
				}, chainId);
		if (broken.get() == null && (expectedSeq.get() - 1 != lastSeq || !previous.get().equals(lastHash))) {
			broken.set(new AuditVerification.BrokenLink(chainId, expectedSeq.get(), null,
					"chain ends before its recorded head (rows deleted at the end)"));
		}
		return new ChainCheck(checked.get(), broken.get());
	}

	/** A completed event outside every chain was inserted behind the gateway's back. */
	private AuditVerification.@Nullable BrokenLink strayEvent() {
		List<String> stray = this.jdbc.queryForList(
				"SELECT id FROM audit_event WHERE activity_result <> ? AND "
						+ "(chain_id IS NULL OR hash IS NULL OR chain_id NOT IN (SELECT chain_id FROM audit_chain))",
				String.class, AuditEvent.PENDING);
		return stray.isEmpty() ? null
				: new AuditVerification.BrokenLink(null, 0, stray.get(0), "event outside every chain (row inserted)");
	}

	private static long number(@Nullable Object value) {
		return (value instanceof Number number) ? number.longValue() : 0;
	}

	private record ChainCheck(long checked, AuditVerification.@Nullable BrokenLink broken) {
	}

}
