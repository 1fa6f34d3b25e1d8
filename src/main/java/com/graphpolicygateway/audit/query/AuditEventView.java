package com.graphpolicygateway.audit.query;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.audit.event.AuditEvent;

/**
 * An audit event as the query API answers it: Intune's {@code auditEvent} shape (actor,
 * resources with modified properties) plus the gateway's fields, the catalogue id of the
 * operation called and the event's chain link. A summary event carries {@code summary}:
 * how many refusals it stands for, and between when. An event recorded before the trail
 * stored the operation shows the seed's: {@code intune-mam-user-update} on a
 * {@code User}. An event whose before-image was read carries {@code beforeImage}: whether
 * the old values (each modified property's {@code oldValue}) were captured, why not, and
 * how long the read took.
 */
public record AuditEventView(String id, Instant activityDateTime, String operation, String activity,
		String activityOperationType, String activityResult, String category, @Nullable String correlationId,
		AuditEvent.Actor actor, List<Resource> resources, @Nullable String tenantId, String decision, String reason,
		@Nullable String policyVersion, @Nullable Integer upstreamStatus, @Nullable String graphRequestId,
		@Nullable Long latencyMs, @Nullable String traceId, @Nullable String chainId, @Nullable Long chainSeq,
		@Nullable String hash, @JsonInclude(JsonInclude.Include.NON_NULL) AuditEvent.@Nullable Summary summary,
		@JsonInclude(JsonInclude.Include.NON_NULL) AuditEvent.@Nullable BeforeImage beforeImage) {

	static AuditEventView of(AuditEvent e, @Nullable String chainId, @Nullable Long chainSeq, @Nullable String hash) {
		String operation = (e.operation() != null) ? e.operation() : AuditEvent.SEED_OPERATION;
		String resourceType = (e.resourceType() != null) ? e.resourceType() : AuditEvent.SEED_RESOURCE_TYPE;
		List<Resource> resources = (e.targetUserId() != null)
				? List.of(new Resource(resourceType, e.targetUserId(), e.modifiedProperties())) : List.of();
		return new AuditEventView(e.id().toString(), e.activityDateTime(), operation, e.activity(),
				e.activityOperationType(), e.activityResult(), e.category(), e.correlationId(), e.actor(), resources,
				e.tenantId(), e.decision(), e.reason(), e.policyVersion(), e.upstreamStatus(), e.graphRequestId(),
				e.latencyMillis(), e.traceId(), chainId, chainSeq, hash, e.summary(), e.beforeImage());
	}

	/**
	 * The resource the call targets.
	 *
	 * @param type the operation's resource type ({@code User}, {@code ManagedDevice})
	 * @param resourceId the target's id from the path (a user's id or principal name, a
	 * managed device's id)
	 * @param modifiedProperties the properties the request body holds
	 */
	public record Resource(String type, String resourceId, List<AuditEvent.ModifiedProperty> modifiedProperties) {
	}

}
