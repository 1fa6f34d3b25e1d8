package com.graphpolicygateway.audit;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

/**
 * Keeps the trail whole over time, on its own thread: closes pending events left by a
 * gateway process that stopped before their answer (as {@code unknown}, never dropped),
 * at start-up and then every 30 s, and purges events past the retention period once a
 * day.
 */
final class AuditMaintenance implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(AuditMaintenance.class);

	private static final int RECOVERY_BATCH = 1000;

	private final JdbcAuditStore store;

	private final AuditWriter writer;

	private final Clock clock;

	private final Duration staleAfter;

	private final int retentionDays;

	private @Nullable ScheduledExecutorService scheduler;

	/**
	 * @param staleAfter how old another process's pending event must be before it is
	 * taken for lost: longer than any call can take (upstream response timeout plus the
	 * audit write timeout, with a margin)
	 */
	AuditMaintenance(JdbcAuditStore store, AuditWriter writer, Clock clock, Duration staleAfter, int retentionDays) {
		Assert.notNull(store, "store cannot be null");
		Assert.notNull(writer, "writer cannot be null");
		this.store = store;
		this.writer = writer;
		this.clock = clock;
		this.staleAfter = staleAfter;
		this.retentionDays = retentionDays;
	}

	/** Closes lost pending events now; returns how many were queued for closing. */
	int recoverLostEvents() {
		List<AuditEvent> lost = this.store.stalePendingEvents(this.clock.instant().minus(this.staleAfter),
				RECOVERY_BATCH);
		for (AuditEvent event : lost) {
			this.writer
				.complete(event.completed(AuditEvent.UNKNOWN, event.decision(), "outcome_unknown", null, null, null));
		}
		if (!lost.isEmpty()) {
			logger.warn(lost.size() + " pending audit events of a stopped gateway were closed as outcome unknown");
		}
		return lost.size();
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
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "audit-maintenance");
			thread.setDaemon(true);
			return thread;
		});
		executor.scheduleWithFixedDelay(() -> safely(this::recoverLostEvents), 0, 30, TimeUnit.SECONDS);
		executor.scheduleWithFixedDelay(() -> safely(this::purgeExpired), 1, 24 * 60, TimeUnit.MINUTES);
		this.scheduler = executor;
	}

	@Override
	public void stop() {
		ScheduledExecutorService executor = this.scheduler;
		if (executor != null) {
			executor.shutdownNow();
		}
		this.scheduler = null;
	}

	@Override
	public boolean isRunning() {
		return this.scheduler != null;
	}

	@Override
	public int getPhase() {
		// Starts after, and stops before, the writer it feeds.
		return AuditWriter.PHASE + 1;
	}

	private static void safely(Runnable task) {
		try {
			task.run();
		}
		catch (RuntimeException ex) {
			logger.warn("Audit maintenance failed; will retry: " + ex.getMessage());
		}
	}

}
