package com.graphpolicygateway.audit.sinks;

import java.time.Duration;

import org.springframework.dao.DuplicateKeyException;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

/**
 * One replica's claim on delivering a sink ({@code audit_sink_lease}): held until it
 * expires, renewed while the replica delivers, taken over by another replica once it has
 * expired, released when the gateway stops. Expiry is judged by the database's clock
 * alone, so the replicas' clocks do not matter; this replica counts its lease as held for
 * the lease's duration from the moment it asked, which is never longer than the database
 * grants.
 */
final class SinkLease {

	// PostgreSQL: milliseconds as a double, times an interval.
	private static final Statements DATABASE_CLOCK = new Statements(
			"CURRENT_TIMESTAMP + CAST(? AS DOUBLE PRECISION) * INTERVAL '0.001' SECOND", "CURRENT_TIMESTAMP");

	// SQLite has no date type: its clock as fixed-width text, only ever compared with
	// itself (an embedded store has one process, one clock).
	private static final Statements SQLITE_CLOCK = new Statements(
			"strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+' || (? / 1000.0) || ' seconds')",
			"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");

	private final JdbcTemplate jdbc;

	private final String sink;

	private final String owner;

	private final Duration duration;

	private volatile long heldUntilNanos;

	private volatile Holder holder = Holder.UNKNOWN;

	private volatile @Nullable Statements statements;

	SinkLease(JdbcTemplate jdbc, String sink, String owner, Duration duration) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		Assert.hasText(sink, "sink cannot be empty");
		Assert.hasText(owner, "owner cannot be empty");
		Assert.isTrue(!duration.isNegative() && !duration.isZero(), "duration must be positive");
		this.jdbc = jdbc;
		this.sink = sink;
		this.owner = owner;
		this.duration = duration;
		this.heldUntilNanos = System.nanoTime();
	}

	/**
	 * Takes the lease if it is free or expired, or renews it if this replica holds it.
	 * @return whether this replica holds it now
	 */
	boolean acquireOrRenew() {
		long asked = System.nanoTime();
		try {
			boolean held = this.jdbc.update(statements().renew(), this.owner, this.duration.toMillis(), this.sink,
					this.owner) == 1 || insert();
			this.heldUntilNanos = held ? asked + this.duration.toNanos() : asked;
			this.holder = held ? Holder.THIS_REPLICA : Holder.ANOTHER_REPLICA;
			return held;
		}
		catch (RuntimeException ex) {
			this.holder = Holder.UNKNOWN;
			throw ex;
		}
	}

	private boolean insert() {
		try {
			return this.jdbc.update(statements().insert(), this.sink, this.owner, this.duration.toMillis()) == 1;
		}
		catch (DuplicateKeyException ex) {
			return false; // another replica holds it
		}
	}

	private Statements statements() {
		Statements known = this.statements;
		if (known == null) {
			Boolean sqlite = this.jdbc.execute((ConnectionCallback<Boolean>) (connection) -> "SQLite"
				.equalsIgnoreCase(connection.getMetaData().getDatabaseProductName()));
			known = Boolean.TRUE.equals(sqlite) ? SQLITE_CLOCK : DATABASE_CLOCK;
			this.statements = known;
		}
		return known;
	}

	/** Whether this replica holds the lease now. */
	boolean held() {
		return System.nanoTime() - this.heldUntilNanos < 0;
	}

	/** Who held the lease at the last attempt. */
	Holder holder() {
		return held() ? Holder.THIS_REPLICA : (this.holder == Holder.THIS_REPLICA) ? Holder.UNKNOWN : this.holder;
	}

	/** Gives the lease up, so that another replica takes over at once. */
	void release() {
		this.heldUntilNanos = System.nanoTime();
		this.holder = Holder.UNKNOWN;
		this.jdbc.update("DELETE FROM audit_sink_lease WHERE sink = ? AND owner = ?", this.sink, this.owner);
	}

	String owner() {
		return this.owner;
	}

	Duration duration() {
		return this.duration;
	}

	/**
	 * The lease's statements on one database's clock.
	 *
	 * @param expiry the SQL of the expiry, the lease's duration in milliseconds from now
	 * (one argument)
	 * @param now the SQL of the time now, as {@code expiry} writes it
	 */
	private record Statements(String expiry, String now) {

		String renew() {
			return "UPDATE audit_sink_lease SET owner = ?, expires_at = " + this.expiry
					+ " WHERE sink = ? AND (owner = ? OR expires_at < " + this.now + ")";
		}

		String insert() {
			return "INSERT INTO audit_sink_lease (sink, owner, expires_at) VALUES (?, ?, " + this.expiry + ")";
		}

	}

	/** Who holds a sink's lease, as far as this replica knows. */
	enum Holder {

		THIS_REPLICA, ANOTHER_REPLICA, UNKNOWN

	}

}
