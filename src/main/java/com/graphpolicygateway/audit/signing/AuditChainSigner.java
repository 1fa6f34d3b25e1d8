package com.graphpolicygateway.audit.signing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.StoredInstant;

/**
 * What a signing key adds to one gateway's chain: the MACs of its rows, and a signed
 * checkpoint every {@code checkpointEvents} events or {@code checkpointInterval} while
 * the chain grows, when it starts and when it stops. Used by the audit writer's thread
 * only.
 */
public final class AuditChainSigner {

	private static final Log logger = LogFactory.getLog(AuditChainSigner.class);

	private static final String INSERT = "INSERT INTO audit_checkpoint (chain_id, checkpoint_seq, created_at, "
			+ "chain_position, head_hash, event_count, known_chains, key_id, algorithm, signature) "
			+ "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

	private final AuditSigningKey key;

	private final JdbcTemplate jdbc;

	private final Clock clock;

	private final int checkpointEvents;

	private final Duration checkpointInterval;

	private long checkpoints;

	/** The chain position of the last checkpoint; -1 before the first. */
	private long checkpointedPosition = -1;

	private Instant checkpointedAt = Instant.MIN;

	public AuditChainSigner(AuditSigningKey key, JdbcTemplate jdbc, Clock clock, int checkpointEvents,
			Duration checkpointInterval) {
		Assert.notNull(key, "key cannot be null");
		Assert.notNull(jdbc, "jdbc cannot be null");
		Assert.notNull(clock, "clock cannot be null");
		Assert.isTrue(checkpointEvents > 0, "checkpointEvents must be positive");
		Assert.notNull(checkpointInterval, "checkpointInterval cannot be null");
		this.key = key;
		this.jdbc = jdbc;
		this.clock = clock;
		this.checkpointEvents = checkpointEvents;
		this.checkpointInterval = checkpointInterval;
	}

	public AuditSigningKey key() {
		return this.key;
	}

	public String keyId() {
		return this.key.keyId();
	}

	/**
	 * Signs a checkpoint of the chain standing at {@code position} with head
	 * {@code headHash} when one is due: {@code force}d (the chain starts or stops) and
	 * the chain moved since the last one, or enough events or time have passed since it.
	 * A checkpoint that cannot be written is tried again next time.
	 */
	public void checkpointIfDue(String chainId, long position, String headHash, boolean force) {
		if (position == this.checkpointedPosition) {
			return;
		}
		Instant now = this.clock.instant();
		boolean due = force || this.checkpointedPosition < 0
				|| position - this.checkpointedPosition >= this.checkpointEvents
				|| !now.isBefore(this.checkpointedAt.plus(this.checkpointInterval));
		if (!due) {
			return;
		}
		try {
			write(chainId, position, headHash, now);
			this.checkpointedPosition = position;
			this.checkpointedAt = now;
		}
		catch (DataAccessException ex) {
			logger.warn("Audit checkpoint of chain " + chainId + " at " + position
					+ " could not be written; trying again after the next batch: " + ex.getClass().getSimpleName());
		}
	}

	private void write(String chainId, long position, String headHash, Instant now) {
		// Each chain with the key it was started with, so that a keyed chain made to look
		// unkeyed later is caught.
		List<String> known = this.jdbc.query("SELECT chain_id, key_id FROM audit_chain ORDER BY chain_id",
				(rs, row) -> AuditCheckpoint.knownChain(rs.getString("chain_id"), rs.getString("key_id")));
		Long firstSeq = this.jdbc.queryForObject("SELECT first_seq FROM audit_chain WHERE chain_id = ?", Long.class,
				chainId);
		long held = Math.max(0, position - ((firstSeq != null) ? firstSeq : 1) + 1);
		AuditCheckpoint unsigned = new AuditCheckpoint(chainId, this.checkpoints + 1,
				AuditRows.timestamp(now).toInstant(), position, headHash, held, known, this.key.keyId(),
				this.key.algorithm(), "");
		AuditCheckpoint checkpoint = unsigned.signed(this.key.signature(unsigned.signedContent()));
		this.jdbc.update(INSERT, checkpoint.chainId(), checkpoint.checkpointSeq(),
				new StoredInstant(checkpoint.createdAt()), checkpoint.chainPosition(), checkpoint.headHash(),
				checkpoint.eventCount(), String.join(",", checkpoint.knownChains()), checkpoint.keyId(),
				checkpoint.algorithm(), checkpoint.signature());
		this.checkpoints++;
	}

}
