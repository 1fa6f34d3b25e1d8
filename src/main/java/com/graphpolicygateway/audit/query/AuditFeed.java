package com.graphpolicygateway.audit.query;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.event.StoredInstant;

/**
 * What the audit sinks read: the chains and their heads, the closed events of a chain
 * after a position (as the audit query API shows them) and the checkpoints of a chain
 * after a checkpoint number. Pending events are never read: an event is delivered once it
 * is chained. Blocking: callers run it on their own threads.
 */
public final class AuditFeed {

	// The correlated MAX is answered from the checkpoints' primary key, one probe per
	// chain, so the query costs the number of chains, not of checkpoints.
	private static final String CHAINS = "SELECT c.chain_id, c.started_at, c.first_seq, c.last_seq, "
			+ "(SELECT MAX(k.checkpoint_seq) FROM audit_checkpoint k WHERE k.chain_id = c.chain_id) AS last_checkpoint "
			+ "FROM audit_chain c ORDER BY c.started_at, c.chain_id";

	// The unique index (chain_id, chain_seq) serves both the condition and the order.
	private static final String EVENTS = JdbcAuditReader.SELECT
			+ " WHERE chain_id = ? AND chain_seq > ? ORDER BY chain_seq LIMIT ?";

	private static final String NEXT_EVENT_TIME = "SELECT activity_date_time FROM audit_event "
			+ "WHERE chain_id = ? AND chain_seq > ? ORDER BY chain_seq LIMIT 1";

	private static final String CHECKPOINTS = AuditCheckpoint.SELECT
			+ " WHERE chain_id = ? AND checkpoint_seq > ? ORDER BY checkpoint_seq LIMIT ?";

	private final JdbcTemplate jdbc;

	public AuditFeed(JdbcTemplate jdbc) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		this.jdbc = jdbc;
	}

	/** Every chain with its head, oldest first. */
	public List<Chain> chains() {
		return this.jdbc.query(CHAINS, (rs, row) -> {
			long lastCheckpoint = rs.getLong("last_checkpoint");
			return new Chain(rs.getString("chain_id"), StoredInstant.read(rs, "started_at"), rs.getLong("first_seq"),
					rs.getLong("last_seq"), rs.wasNull() ? 0 : lastCheckpoint);
		});
	}

	/**
	 * At most {@code limit} events of a chain after position {@code after}, in chain
	 * order, as the audit query API shows them.
	 */
	public List<AuditEventView> events(String chainId, long after, int limit) {
		return this.jdbc.query(EVENTS, (rs, row) -> JdbcAuditReader.view(rs), chainId, after, limit);
	}

	/**
	 * When the first event of a chain after position {@code after} reached the gateway.
	 */
	public Optional<Instant> nextEventTime(String chainId, long after) {
		return this.jdbc
			.query(NEXT_EVENT_TIME, (rs, row) -> StoredInstant.read(rs, "activity_date_time"), chainId, after)
			.stream()
			.findFirst();
	}

	/**
	 * At most {@code limit} checkpoints of a chain after number {@code after}, in order.
	 */
	public List<AuditCheckpoint> checkpoints(String chainId, long after, int limit) {
		return this.jdbc.query(CHECKPOINTS, (rs, row) -> AuditCheckpoint.fromRow(rs), chainId, after, limit);
	}

	/**
	 * One gateway process's chain and where it stands.
	 *
	 * @param chainId the chain
	 * @param startedAt when its gateway process started it
	 * @param firstSeq its oldest position still stored (retention moves it forward)
	 * @param lastSeq its newest position (0 while it holds no event)
	 * @param lastCheckpointSeq the number of its newest checkpoint (0 while it has none)
	 */
	public record Chain(String chainId, Instant startedAt, long firstSeq, long lastSeq, long lastCheckpointSeq) {
	}

}
