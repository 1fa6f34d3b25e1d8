package com.graphpolicygateway.policy;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The facts of a call the policy decides on.
 *
 * @param tenantId the caller's tenant
 * @param applicationId the calling application
 * @param targetUserId the user to be changed (id or principal name)
 * @param propertyNames the properties the body changes
 * @param at when the call is made
 */
public record PolicyRequest(@Nullable String tenantId, @Nullable String applicationId, String targetUserId,
		List<String> propertyNames, Instant at) {

	public PolicyRequest {
		propertyNames = List.copyOf(propertyNames);
	}

}
