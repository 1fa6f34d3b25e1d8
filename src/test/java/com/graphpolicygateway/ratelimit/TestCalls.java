package com.graphpolicygateway.ratelimit;

import java.util.UUID;

/**
 * Bucket keys of calls, as the rate-limit filter makes them ({@code tenant:<tid>} and
 * {@code caller:<tid>:<oid>}), for tenants and callers no other test uses.
 */
final class TestCalls {

	private TestCalls() {
	}

	/** A call of a new caller in a new tenant. */
	static Call call() {
		return tenant().caller();
	}

	/** A new tenant, whose callers share its bucket. */
	static Tenant tenant() {
		return new Tenant(UUID.randomUUID().toString());
	}

	/**
	 * A tenant.
	 *
	 * @param id the tenant id
	 */
	record Tenant(String id) {

		/** A call of a new caller in this tenant. */
		Call caller() {
			return new Call("tenant:" + this.id, "caller:" + this.id + ":" + UUID.randomUUID());
		}

	}

	/**
	 * The two buckets a call takes from.
	 *
	 * @param tenantKey the tenant's bucket
	 * @param callerKey the caller's bucket
	 */
	record Call(String tenantKey, String callerKey) {
	}

}
