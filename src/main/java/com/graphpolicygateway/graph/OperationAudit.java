package com.graphpolicygateway.graph;

import java.util.List;

/**
 * How an operation's audit events are named, after Intune's {@code auditEvent}.
 *
 * @param activity the activity name ({@code Wipe managed device})
 * @param category the category ({@code Device})
 * @param operationType the activity's operation type ({@code Patch}, {@code Action})
 * @param resourceType the type of the resource the call targets ({@code User},
 * {@code ManagedDevice})
 * @param redact body properties whose values are stored as {@code [redacted]}, beside
 * those every operation redacts
 */
public record OperationAudit(String activity, String category, String operationType, String resourceType,
		List<String> redact) {

	/** The resource type of users, which {@code protected-users} protect. */
	public static final String USER = "User";

	/** The resource type of managed devices, which {@code protected-devices} protect. */
	public static final String MANAGED_DEVICE = "ManagedDevice";

	public OperationAudit {
		redact = List.copyOf(redact);
	}

}
