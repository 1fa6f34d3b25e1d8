package com.graphpolicygateway.policy;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.util.Assert;

/**
 * Shows which policy is enforced and whether the last reload failed. A failed reload
 * keeps the gateway up (it enforces the last good policy) but is shown with its error.
 */
final class PolicyHealthIndicator extends AbstractHealthIndicator {

	private final PolicyStore store;

	PolicyHealthIndicator(PolicyStore store) {
		Assert.notNull(store, "store cannot be null");
		this.store = store;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		CompiledPolicy policy = this.store.current();
		builder.up()
			.withDetail("file", this.store.file().toString())
			.withDetail("version", policy.version())
			.withDetail("tenants", policy.tenantCount())
			.withDetail("loadedAt", this.store.loadedAt().toString());
		String error = this.store.lastError();
		if (error != null) {
			builder.withDetail("lastReloadError", error);
		}
	}

}
