package com.graphpolicygateway.policy;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.policy.Bucket;

/**
 * A tenant's token buckets: one for the whole tenant, one for each caller (user, or
 * application for app-only calls) in it. A bucket left out keeps its built-in size.
 *
 * @param tenant the tenant's bucket
 * @param caller each caller's bucket
 */
public record RateLimits(Bucket tenant, Bucket caller) {

	/**
	 * The tenant bucket when none is set: well under Graph's write quota per app and
	 * tenant.
	 */
	static final Bucket TENANT = new Bucket(600, 20);

	/** Each caller's bucket when none is set. */
	static final Bucket CALLER = new Bucket(120, 10);

	/** Limits when the file sets none. */
	static final RateLimits BUILT_IN = new RateLimits(TENANT, CALLER);

	public RateLimits(@Nullable Bucket tenant, @Nullable Bucket caller) {
		this.tenant = (tenant != null) ? tenant : TENANT;
		this.caller = (caller != null) ? caller : CALLER;
	}

}
