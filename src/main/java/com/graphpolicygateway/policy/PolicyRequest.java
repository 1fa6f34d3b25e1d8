package com.graphpolicygateway.policy;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;

/**
 * The facts of a call the policy decides on.
 *
 * @param tenantId the caller's tenant
 * @param applicationId the calling application
 * @param operation the operation called
 * @param target the call's target as sent: a user's id or principal name, a device's id
 * @param propertyNames the properties the body holds
 * @param at when the call is made
 */
public record PolicyRequest(@Nullable String tenantId, @Nullable String applicationId, Operation operation,
		String target, List<String> propertyNames, Instant at) {

	/** The seed's operation, {@code PATCH /users/{id}}, as shipped. */
	private static final Operation USER_UPDATE = OperationCatalogue.builtIn()
		.find(OperationCatalogue.USER_UPDATE)
		.orElseThrow();

	public PolicyRequest {
		propertyNames = List.copyOf(propertyNames);
	}

	/** A call of the seed's operation, {@code PATCH /users/{id}}. */
	public PolicyRequest(@Nullable String tenantId, @Nullable String applicationId, String targetUserId,
			List<String> propertyNames, Instant at) {
		this(tenantId, applicationId, USER_UPDATE, targetUserId, propertyNames, at);
	}

	/**
	 * The target when the operation changes a user; kept for the user-protection rule.
	 */
	public String targetUserId() {
		return this.target;
	}

}
