package com.graphpolicygateway.audit.query;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.StoredInstant;

/**
 * Reads the audit trail for the query API: newest first, in pages cut by a keyset cursor
 * (time, then id), so pages stay stable while new events arrive. Blocking: callers run it
 * off the event loop.
 */
public final class JdbcAuditReader {

	/** The columns {@link #view} reads; shared with {@link AuditFeed}. */
	static final String SELECT = "SELECT " + AuditRows.COLUMNS + ", chain_id, chain_seq, hash FROM audit_event";

	private final JdbcTemplate jdbc;

	public JdbcAuditReader(JdbcTemplate jdbc) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		this.jdbc = jdbc;
	}

	/**
	 * One page of at most {@code query.top()} events, and whether more follow; never an
	 * entry of the access log.
	 */
	Page page(AuditQuery query) {
		List<Object> arguments = new ArrayList<>();
		return page(query, query.eventsWhere(arguments), arguments);
	}

	/** One page of at most {@code query.top()} entries of the access log. */
	Page accessLogPage(AuditQuery query) {
		List<Object> arguments = new ArrayList<>();
		return page(query, query.accessLogWhere(arguments), arguments);
	}

	/**
	 * How many events (or, with {@code accessLog}, entries of the access log) the query
	 * matches, all pages together.
	 */
	long count(AuditQuery query, boolean accessLog) {
		List<Object> arguments = new ArrayList<>();
		String where = accessLog ? query.accessLogWhere(arguments) : query.eventsWhere(arguments);
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM audit_event" + where, Long.class,
				arguments.toArray());
		return (count != null) ? count : 0;
	}

	private Page page(AuditQuery query, String where, List<Object> arguments) {
		AuditQuery.Cursor after = query.after();
		if (after != null) {
			// Implied by the cursor's condition, but only this form bounds an index scan:
			// without it every page reads, and discards, all events newer than itself.
			where += " AND activity_date_time <= ?";
			arguments.add(new StoredInstant(after.time()));
		}
		// The limit belongs in the SQL: with the driver's setMaxRows alone, PostgreSQL
		// plans, runs and sends every matching row.
		String sql = SELECT + where + " ORDER BY activity_date_time DESC, id DESC LIMIT ?";
		arguments.add(query.top() + 1);
		List<AuditEventView> rows = this.jdbc.query(sql, (rs, row) -> view(rs), arguments.toArray());
		boolean more = rows.size() > query.top();
		List<AuditEventView> events = more ? rows.subList(0, query.top()) : rows;
		return new Page(List.copyOf(events), more);
	}

	/** The event with this id; never an entry of the access log. */
	public Optional<AuditEventView> find(String id) {
		return this.jdbc.query(SELECT + " WHERE id = ? AND " + AuditQuery.NOT_ACCESS_LOG, (rs, row) -> view(rs), id)
			.stream()
			.findFirst();
	}

	/** Reads a row of {@link #SELECT} as the API shows it. */
	static AuditEventView view(ResultSet rs) throws SQLException {
		long seq = rs.getLong("chain_seq");
		Long chainSeq = rs.wasNull() ? null : seq;
		return AuditEventView.of(AuditRows.event(rs), rs.getString("chain_id"), chainSeq, rs.getString("hash"));
	}

	/**
	 * A page of events.
	 *
	 * @param events the events, newest first
	 * @param more whether older events match too
	 */
	public record Page(List<AuditEventView> events, boolean more) {
	}

}
