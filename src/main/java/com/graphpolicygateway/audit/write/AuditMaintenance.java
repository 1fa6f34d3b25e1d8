package com.graphpolicygateway.audit.write;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.system.PeriodicTasks;
import com.graphpolicygateway.system.ShutdownPhases;

/**
 * Keeps the trail whole over time, on its own thread: closes pending events left by a
 * gateway process that stopped before their answer (as {@code unknown}, never dropped),
 * at start-up and then every 30 s, and purges events past the retention period once a
 * day. With a signing key it closes only the pending events a gateway wrote (their MAC
 * matches): one written straight into the database is left as it is, reported in the log
 * and by verification, never adopted into a chain.
 */
public final class AuditMaintenance implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(AuditMaintenance.class);

	private static final int RECOVERY_BATCH = 1000;

	private final JdbcAuditStore store;

	private final AuditWriter writer;

	private final Clock clock;

	private final Duration staleAfter;

	private final int retentionDays;

	private final PeriodicTasks tasks = new PeriodicTasks("audit-maintenance");

	/** Pending rows found not written by a gateway, reported once each. */
	private final Set<UUID> unauthenticated = ConcurrentHashMap.newKeySet();

	private final Counter forged;

	/**
	 * @param staleAfter how old another process's pending event must be before it is
	 * taken for lost: longer than any call can take (upstream response timeout plus the
	 * audit write timeout, with a margin)
	 */
	public AuditMaintenance(JdbcAuditStore store, AuditWriter writer, Clock clock, Duration staleAfter,
			int retentionDays) {
		this(store, writer, clock, staleAfter, retentionDays, new SimpleMeterRegistry());
	}

	public AuditMaintenance(JdbcAuditStore store, AuditWriter writer, Clock clock, Duration staleAfter,
			int retentionDays, MeterRegistry meters) {
		Assert.notNull(store, "store cannot be null");
		Assert.notNull(writer, "writer cannot be null");
		this.store = store;
		this.writer = writer;
		this.clock = clock;
		this.staleAfter = staleAfter;
		this.retentionDays = retentionDays;
		this.forged = Counter.builder("graph_gateway.audit.unauthenticated")
			.description("Pending audit events found in the database that no gateway wrote (their MAC does not match)")
			.register(meters);
		// Look at least as often as an event becomes stale, and at most every 30 s.
		Duration sweep = (staleAfter.compareTo(Duration.ofSeconds(30)) < 0) ? staleAfter : Duration.ofSeconds(30);
		this.tasks.every(sweep, Duration.ZERO, this::recoverLostEvents)
			.every(Duration.ofDays(1), Duration.ofMinutes(1), this::purgeExpired);
	}

	/** Closes lost pending events now; returns how many were queued for closing. */
	public int recoverLostEvents() {
		Instant before = this.clock.instant().minus(this.staleAfter);
		int closed = 0;
		JdbcAuditStore.StalePending last = null;
		while (closed < RECOVERY_BATCH) {
			List<JdbcAuditStore.StalePending> page = this.store.stalePendingEvents(before, last, RECOVERY_BATCH);
			for (JdbcAuditStore.StalePending pending : page) {
				if (this.store.authentic(pending)) {
					AuditEvent event = pending.event();
					this.writer.complete(
							event.completed(AuditEvent.UNKNOWN, event.decision(), "outcome_unknown", null, null, null));
					closed++;
				}
				else if (this.unauthenticated.add(pending.event().id())) {
					this.forged.increment();
					logger.error("AUDIT TAMPERING: pending event " + pending.event().id() + " (writer "
							+ pending.writerId() + ") was not written by a gateway holding the audit signing key; "
							+ "it is not closed, and /audit/verify reports it");
				}
			}
			if (page.size() < RECOVERY_BATCH) {
				break;
			}
			last = page.get(page.size() - 1);
		}
		if (closed > 0) {
			logger.warn(closed + " pending audit events of a stopped gateway were closed as outcome unknown");
		}
		return closed;
	}

	/** Purges events older than the retention period; returns how many were deleted. */
	int purgeExpired() {
		if (this.retentionDays == 0) {
			return 0;
		}
		int deleted = this.store.purgeBefore(this.clock.instant().minus(Duration.ofDays(this.retentionDays)));
		if (deleted > 0) {
			logger.info(deleted + " audit events older than " + this.retentionDays + " days were purged");
		}
		return deleted;
	}

	@Override
	public void start() {
		this.tasks.start();
	}

	@Override
	public void stop() {
		this.tasks.stop();
	}

	@Override
	public boolean isRunning() {
		return this.tasks.isRunning();
	}

	@Override
	public int getPhase() {
		// Starts after, and stops before, the writer it feeds.
		return ShutdownPhases.AUDIT_MAINTENANCE;
	}

}
