package com.graphpolicygateway.audit.event;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.SqlTypeValue;

/**
 * An instant as the audit store keeps it, at microsecond precision: a
 * {@code TIMESTAMP WITH TIME ZONE} on PostgreSQL; on SQLite, which has no date type,
 * fixed-width ISO-8601 text in UTC ({@code 2026-12-07T19:02:39.632818Z}), so that the
 * order of the text is the order of time and the query API's ranges and its index work on
 * it. Bound as a statement argument, it picks the form the statement's database needs, so
 * that one SQL text serves both.
 *
 * @param instant the instant
 */
public record StoredInstant(Instant instant) implements SqlTypeValue {

	private static final DateTimeFormatter TEXT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
		.withZone(ZoneOffset.UTC);

	/** The instant as bound, or null. */
	public static @Nullable StoredInstant of(@Nullable Instant instant) {
		return (instant != null) ? new StoredInstant(instant) : null;
	}

	/** Reads an instant column as either database returns it; null if null. */
	public static @Nullable Instant read(ResultSet rs, String column) throws SQLException {
		Object value = rs.getObject(column);
		if (value == null) {
			return null;
		}
		if (value instanceof String text) {
			return Instant.parse(text); // SQLite
		}
		if (value instanceof Timestamp timestamp) {
			return timestamp.toInstant(); // PostgreSQL
		}
		return rs.getObject(column, OffsetDateTime.class).toInstant();
	}

	/** The text SQLite keeps for an instant. */
	public static String text(Instant instant) {
		return TEXT.format(instant);
	}

	@Override
	public void setTypeValue(PreparedStatement ps, int paramIndex, int sqlType, @Nullable String typeName)
			throws SQLException {
		if (isSqlite(ps)) {
			ps.setString(paramIndex, text(this.instant));
		}
		else {
			ps.setObject(paramIndex, AuditRows.timestamp(this.instant));
		}
	}

	private static boolean isSqlite(PreparedStatement ps) throws SQLException {
		// Through a pool's proxy, the driver's own statement.
		return ps.unwrap(PreparedStatement.class).getClass().getName().startsWith("org.sqlite.");
	}

}
