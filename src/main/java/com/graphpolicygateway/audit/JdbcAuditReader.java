package com.graphpolicygateway.audit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

/**
 * Reads the audit trail for the query API: newest first, in pages cut by a keyset cursor
 * (time, then id), so pages stay stable while new events arrive. Blocking: callers run it
 * off the event loop.
 */
final class JdbcAuditReader {

	private static final String SELECT = "SELECT " + AuditRows.COLUMNS + ", chain_id, chain_seq, hash FROM audit_event";

	private final JdbcTemplate jdbc;

	JdbcAuditReader(JdbcTemplate jdbc) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		this.jdbc = jdbc;
	}

	/** One page of at most {@code query.top()} events, and whether more follow. */
	Page page(AuditQuery query) {
		List<Object> arguments = new ArrayList<>();
		String sql = SELECT + query.where(arguments) + " ORDER BY activity_date_time DESC, id DESC";
		List<AuditEventView> rows = this.jdbc.query((connection) -> {
			var statement = connection.prepareStatement(sql);
			statement.setMaxRows(query.top() + 1);
			for (int i = 0; i < arguments.size(); i++) {
				statement.setObject(i + 1, arguments.get(i));
			}
			return statement;
		}, (rs, row) -> view(rs));
		boolean more = rows.size() > query.top();
		List<AuditEventView> events = more ? rows.subList(0, query.top()) : rows;
		return new Page(List.copyOf(events), more);
	}

	Optional<AuditEventView> find(String id) {
		return this.jdbc.query(SELECT + " WHERE id = ?", (rs, row) -> view(rs), id).stream().findFirst();
	}

	private static AuditEventView view(ResultSet rs) throws SQLException {
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
	record Page(List<AuditEventView> events, boolean more) {
	}

}
