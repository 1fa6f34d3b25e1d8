package com.graphpolicygateway.audit.event;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.graph.OperationAudit;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.identity.Caller;

/**
 * Audit events for tests: by default the pending event of an allowed PATCH (the seed
 * operation) by a delegated caller, arrived at {@link #ARRIVED} (microsecond precision,
 * as stored).
 */
public final class TestAuditEvents {

	public static final Instant ARRIVED = Instant.parse("2026-11-27T10:00:00.123456Z");

	public static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

	public static final String USER_ID = "2a1f9c7e-5b3d-4e8a-9f60-1c2d3e4f5a6b";

	public static final String USER_PRINCIPAL_NAME = "megan.bowen@contoso.com";

	public static final String APPLICATION_ID = "8d9a2f61-0c55-4d6e-9e0b-1f2a3b4c5d6e";

	public static final String PERMISSION = "DeviceManagementApps.ReadWrite.All";

	public static final String TARGET = "adele.vance@contoso.com";

	public static final String IP_ADDRESS = "203.0.113.7";

	public static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	static final String CORRELATION_ID = "c8b1a7d2-3e4f-4a5b-9c6d-7e8f9a0b1c2d";

	public static final String GRAPH_REQUEST_ID = "0f4e3d2c-1b0a-4987-b6c5-d4e3f2a1b0c9";

	public static final String DEVICE_ID = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";

	private TestAuditEvents() {
	}

	/** The pending event of an allowed call, before Graph answered. */
	public static Builder pending() {
		return new Builder();
	}

	/**
	 * The pending event of an allowed wipe of managed device {@link #DEVICE_ID}, named as
	 * the catalogue names it.
	 */
	public static Builder deviceWipe() {
		return new Builder().operation(OperationCatalogue.DEVICE_WIPE, OperationAudit.MANAGED_DEVICE)
			.activity("Wipe managed device", "Action")
			.category("Device")
			.targetUserId(DEVICE_ID)
			.properties(new AuditEvent.ModifiedProperty("keepUserData", null, "true"));
	}

	/** A refusal recorded whole, without a pending event before it. */
	public static AuditEvent refused() {
		return pending().build().completed("refused", "refuse", "insufficient_scope", null, null, 3L);
	}

	/** {@code pending} once Graph answered 204. */
	public static AuditEvent succeeded(AuditEvent pending) {
		return pending.completed("success", "allow", "allowed", 204, GRAPH_REQUEST_ID, 42L);
	}

	/** The delegated caller the default events are made for. */
	public static Caller caller() {
		return new Caller("Delegated", USER_ID, USER_PRINCIPAL_NAME, APPLICATION_ID, TENANT, List.of(PERMISSION));
	}

	/** An event under construction. */
	public static final class Builder {

		private UUID id = UUID.randomUUID();

		private Instant arrived = ARRIVED;

		private String activity = AuditEvent.ACTIVITY;

		private String operationType = "Patch";

		private String category = "User";

		private @Nullable String operation = AuditEvent.SEED_OPERATION;

		private @Nullable String resourceType = AuditEvent.SEED_RESOURCE_TYPE;

		private @Nullable String correlationId = CORRELATION_ID;

		private @Nullable String tenantId = TENANT;

		private AuditEvent.Actor actor = new AuditEvent.Actor("Delegated", USER_ID, USER_PRINCIPAL_NAME, APPLICATION_ID,
				IP_ADDRESS, List.of(PERMISSION));

		private @Nullable String targetUserId = TARGET;

		private final List<AuditEvent.ModifiedProperty> properties = new ArrayList<>(
				List.of(new AuditEvent.ModifiedProperty("displayName", null, "Adele Vance"),
						new AuditEvent.ModifiedProperty("jobTitle", null, "Retail Manager")));

		private @Nullable String policyVersion = "2026-11-01";

		private @Nullable String traceId = TRACE_ID;

		private Builder() {
		}

		public Builder id(UUID id) {
			this.id = id;
			return this;
		}

		public Builder arrived(Instant arrived) {
			this.arrived = arrived;
			return this;
		}

		Builder activity(String activity, String operationType) {
			this.activity = activity;
			this.operationType = operationType;
			return this;
		}

		Builder category(String category) {
			this.category = category;
			return this;
		}

		/**
		 * The operation and resource type; both null make an event recorded before the
		 * trail stored them.
		 */
		public Builder operation(@Nullable String operation, @Nullable String resourceType) {
			this.operation = operation;
			this.resourceType = resourceType;
			return this;
		}

		/** An event recorded before the trail stored the operation: it has none. */
		public Builder recordedBeforeOperations() {
			return operation(null, null);
		}

		public Builder correlationId(@Nullable String correlationId) {
			this.correlationId = correlationId;
			return this;
		}

		public Builder tenantId(@Nullable String tenantId) {
			this.tenantId = tenantId;
			return this;
		}

		public Builder actor(AuditEvent.Actor actor) {
			this.actor = actor;
			return this;
		}

		public Builder targetUserId(@Nullable String targetUserId) {
			this.targetUserId = targetUserId;
			return this;
		}

		/** Replaces the modified properties. */
		public Builder properties(AuditEvent.ModifiedProperty... properties) {
			this.properties.clear();
			this.properties.addAll(List.of(properties));
			return this;
		}

		public Builder policyVersion(@Nullable String policyVersion) {
			this.policyVersion = policyVersion;
			return this;
		}

		public Builder traceId(@Nullable String traceId) {
			this.traceId = traceId;
			return this;
		}

		public AuditEvent build() {
			return new AuditEvent(this.id, this.arrived, this.activity, this.operationType, AuditEvent.PENDING,
					this.category, this.correlationId, this.actor, this.tenantId, this.targetUserId, this.properties,
					"allow", "allowed", this.policyVersion, null, null, null, this.traceId, null, this.operation,
					this.resourceType);
		}

	}

}
