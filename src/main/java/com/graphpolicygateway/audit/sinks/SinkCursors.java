package com.graphpolicygateway.audit.sinks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.util.Assert;

/**
 * The sinks' durable cursors ({@code audit_sink_cursor}): per sink and stream, the last
 * position the sink acknowledged. A stream is {@code event:<chain id>} (position: the
 * chain_seq) or {@code checkpoint:<chain id>} (position: the checkpoint_seq). Cursors
 * only move forward, so that a replica that lost its lease without noticing can cause
 * duplicates but never make another replica skip anything.
 */
final class SinkCursors {

	private static final String UPDATE = "UPDATE audit_sink_cursor SET position = ?, updated_at = CURRENT_TIMESTAMP "
			+ "WHERE sink = ? AND stream = ? AND position < ?";

	private static final String INSERT = "INSERT INTO audit_sink_cursor (sink, stream, position, updated_at) "
			+ "VALUES (?, ?, ?, CURRENT_TIMESTAMP)";

	private final JdbcTemplate jdbc;

	SinkCursors(JdbcTemplate jdbc) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		this.jdbc = jdbc;
	}

	static String eventStream(String chainId) {
		return "event:" + chainId;
	}

	static String checkpointStream(String chainId) {
		return "checkpoint:" + chainId;
	}

	/** The sink's cursors by stream. */
	Map<String, Long> read(String sink) {
		Map<String, Long> cursors = new HashMap<>();
		RowCallbackHandler row = (rs) -> cursors.put(rs.getString("stream"), rs.getLong("position"));
		this.jdbc.query("SELECT stream, position FROM audit_sink_cursor WHERE sink = ?", row, sink);
		return cursors;
	}

	/** Moves the sink's cursors forward to {@code positions} (by stream). */
	void advance(String sink, Map<String, Long> positions) {
		if (positions.isEmpty()) {
			return;
		}
		List<Map.Entry<String, Long>> entries = new ArrayList<>(positions.entrySet());
		int[] updated = this.jdbc.batchUpdate(UPDATE,
				entries.stream()
					.map((entry) -> new Object[] { entry.getValue(), sink, entry.getKey(), entry.getValue() })
					.toList());
		for (int i = 0; i < entries.size(); i++) {
			if (updated[i] == 0) {
				// A new stream, or a cursor already at or past the position.
				insertOrAdvance(sink, entries.get(i).getKey(), entries.get(i).getValue());
			}
		}
	}

	private void insertOrAdvance(String sink, String stream, long position) {
		try {
			this.jdbc.update(INSERT, sink, stream, position);
		}
		catch (DuplicateKeyException ex) {
			this.jdbc.update(UPDATE, position, sink, stream, position);
		}
	}

}
