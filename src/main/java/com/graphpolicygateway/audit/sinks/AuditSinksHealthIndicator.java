package com.graphpolicygateway.audit.sinks;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.Assert;

/**
 * The sinks' state in {@code /actuator/health} ({@code auditSinks}): per sink its lag,
 * the class of its last error (never the message) and which replica delivers it. A sink
 * that fails or lags is {@link #DEGRADED}, never {@code DOWN}: the gateway keeps serving
 * and recording, and the trail waits in the database.
 */
final class AuditSinksHealthIndicator implements HealthIndicator {

	/** A sink fails or lags; sorted between {@code OUT_OF_SERVICE} and {@code UP}. */
	static final Status DEGRADED = new Status("DEGRADED", "An audit sink fails or lags behind");

	private final AuditSinks sinks;

	AuditSinksHealthIndicator(AuditSinks sinks) {
		Assert.notNull(sinks, "sinks cannot be null");
		this.sinks = sinks;
	}

	@Override
	public Health health() {
		boolean degraded = false;
		Map<String, Object> details = new LinkedHashMap<>();
		for (AuditSinkDelivery delivery : this.sinks.deliveries()) {
			AuditSinkDelivery.State state = delivery.state();
			degraded |= state.degraded();
			Map<String, Object> sink = new LinkedHashMap<>();
			sink.put("type", state.type());
			sink.put("status", state.degraded() ? DEGRADED.getCode() : Status.UP.getCode());
			sink.put("lagEvents", state.lagEvents());
			sink.put("lagSeconds", state.lag().toSeconds());
			sink.put("deliveredBy", switch (state.holder()) {
				case THIS_REPLICA -> "this replica";
				case ANOTHER_REPLICA -> "another replica";
				case UNKNOWN -> "unknown";
			});
			if (state.consecutiveFailures() > 0) {
				sink.put("consecutiveFailures", state.consecutiveFailures());
				sink.put("lastError", state.lastError());
			}
			details.put(delivery.name(), sink);
		}
		return Health.status(degraded ? DEGRADED : Status.UP).withDetails(details).build();
	}

}
