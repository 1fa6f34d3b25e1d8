package com.graphpolicygateway.audit.sinks;

import java.time.Duration;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

import com.graphpolicygateway.system.ShutdownPhases;
import com.graphpolicygateway.system.PeriodicTasks;

/**
 * The configured sinks' deliveries, started after the audit writer and stopped before it,
 * and the thread that takes and renews their leases (three times per lease duration), so
 * that a delivery that waits on a slow sink keeps its lease. A stopping gateway releases
 * its leases, so that another replica takes over at once.
 */
final class AuditSinks implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(AuditSinks.class);

	private final List<AuditSinkDelivery> deliveries;

	private final PeriodicTasks leases = new PeriodicTasks("audit-sink-leases");

	private volatile boolean running;

	AuditSinks(List<AuditSinkDelivery> deliveries, Duration leaseDuration) {
		Assert.notNull(deliveries, "deliveries cannot be null");
		this.deliveries = List.copyOf(deliveries);
		this.leases.every(leaseDuration.dividedBy(3), Duration.ZERO, this::keepLeases);
	}

	List<AuditSinkDelivery> deliveries() {
		return this.deliveries;
	}

	/** Takes free or expired leases and renews held ones, for running deliveries. */
	void keepLeases() {
		for (AuditSinkDelivery delivery : this.deliveries) {
			if (!delivery.isRunning()) {
				continue;
			}
			try {
				boolean held = delivery.lease().held();
				if (delivery.lease().acquireOrRenew() && !held) {
					logger.info("Audit sink '" + delivery.name() + "' is delivered by this gateway");
					delivery.wakeup();
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Audit sink '" + delivery.name() + "': its lease could not be renewed ("
						+ ex.getClass().getName() + ")");
			}
		}
	}

	@Override
	public void start() {
		this.deliveries.forEach(AuditSinkDelivery::start);
		this.leases.start();
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		this.leases.stop();
		this.deliveries.forEach((delivery) -> delivery.stop(true));
	}

	/**
	 * Stops delivering without releasing the leases, as a gateway that dies would: for
	 * tests of the takeover.
	 */
	void halt() {
		this.running = false;
		this.leases.stop();
		this.deliveries.forEach((delivery) -> delivery.stop(false));
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// Starts after, and stops before, the audit writer whose events it reads.
		return ShutdownPhases.AUDIT_SINKS;
	}

}
