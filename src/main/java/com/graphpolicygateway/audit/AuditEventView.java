package com.graphpolicygateway.audit;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * An audit event as the query API answers it: Intune's {@code auditEvent} shape (actor,
 * resources with modified properties) plus the gateway's fields and the event's chain
 * link. A summary event carries {@code summary}: how many refusals it stands for, and
 * between when.
 */
public record AuditEventView(String id, Instant activityDateTime, String activity, String activityOperationType,
		String activityResult, String category, @Nullable String correlationId, AuditEvent.Actor actor,
		List<Resource> resources, @Nullable String tenantId, String decision, String reason,
		@Nullable String policyVersion, @Nullable Integer upstreamStatus, @Nullable String graphRequestId,
		@Nullable Long latencyMs, @Nullable String traceId, @Nullable String chainId, @Nullable Long chainSeq,
		@Nullable String hash, @JsonInclude(JsonInclude.Include.NON_NULL) AuditEvent.@Nullable Summary summary) {

	static AuditEventView of(AuditEvent e, @Nullable String chainId, @Nullable Long chainSeq, @Nullable String hash) {
		List<Resource> resources = (e.targetUserId() != null)
				? List.of(new Resource("User", e.targetUserId(), e.modifiedProperties())) : List.of();
		return new AuditEventView(e.id().toString(), e.activityDateTime(), e.activity(), e.activityOperationType(),
				e.activityResult(), e.category(), e.correlationId(), e.actor(), resources, e.tenantId(), e.decision(),
				e.reason(), e.policyVersion(), e.upstreamStatus(), e.graphRequestId(), e.latencyMillis(), e.traceId(),
				chainId, chainSeq, hash, e.summary());
	}

	/**
	 * The changed user.
	 *
	 * @param type always {@code User}
	 * @param resourceId the user id or principal name from the path
	 * @param modifiedProperties the properties the request changes
	 */
	public record Resource(String type, String resourceId, List<AuditEvent.ModifiedProperty> modifiedProperties) {
	}

}
