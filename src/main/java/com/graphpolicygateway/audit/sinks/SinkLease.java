package com.graphpolicygateway.audit.sinks;

import java.time.Duration;

import org.springframework.dao.DuplicateKeyException;
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

	// Milliseconds as a double: the only interval arithmetic H2 and PostgreSQL share.
	private static final String EXPIRY = "CURRENT_TIMESTAMP + CAST(? AS DOUBLE PRECISION) * INTERVAL '0.001' SECOND";

	private static final String RENEW = "UPDATE audit_sink_lease SET owner = ?, expires_at = " + EXPIRY
			+ " WHERE sink = ? AND (owner = ? OR expires_at < CURRENT_TIMESTAMP)";

	private static final String INSERT = "INSERT INTO audit_sink_lease (sink, owner, expires_at) VALUES (?, ?, "
			+ EXPIRY + ")";

	private final JdbcTemplate jdbc;

	private final String sink;

	private final String owner;

	private final Duration duration;

	private volatile long heldUntilNanos;

	private volatile Holder holder = Holder.UNKNOWN;

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
			boolean held = this.jdbc.update(RENEW, this.owner, this.duration.toMillis(), this.sink, this.owner) == 1
					|| insert();
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
			return this.jdbc.update(INSERT, this.sink, this.owner, this.duration.toMillis()) == 1;
		}
		catch (DuplicateKeyException ex) {
			return false; // another replica holds it
		}
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

	/** Who holds a sink's lease, as far as this replica knows. */
	enum Holder {

		THIS_REPLICA, ANOTHER_REPLICA, UNKNOWN

	}

}
