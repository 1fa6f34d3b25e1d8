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
 * @param readable whether the operation changes the resource at its own path, which a
 * {@code GET} of that path reads: the values the change replaces can then be captured
 * (the tenant policy's {@code capture-before})
 */
public record OperationAudit(String activity, String category, String operationType, String resourceType,
		List<String> redact, boolean readable) {

	/** The resource type of users, which {@code protected-users} protect. */
	public static final String USER = "User";

	/** The resource type of managed devices, which {@code protected-devices} protect. */
	public static final String MANAGED_DEVICE = "ManagedDevice";

	public OperationAudit {
		redact = List.copyOf(redact);
	}

	/** How the events of an operation whose resource is not read are named. */
	public OperationAudit(String activity, String category, String operationType, String resourceType,
			List<String> redact) {
		this(activity, category, operationType, resourceType, redact, false);
	}

	/** Whether {@code property} is among this operation's own redacted properties. */
	public boolean redacts(String property) {
		return this.redact.stream().anyMatch((name) -> name.equalsIgnoreCase(property));
	}

}
