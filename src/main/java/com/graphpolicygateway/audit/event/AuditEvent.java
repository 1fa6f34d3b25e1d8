package com.graphpolicygateway.audit.event;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.graph.OperationAudit;
import com.graphpolicygateway.graph.OperationCatalogue;

/**
 * One request's audit event, shaped after Intune's {@code auditEvent} plus what the
 * gateway adds: tenant, decision, reason, policy version and the upstream's answer.
 * Immutable; the outcome is added with {@link #completed}.
 * <p>
 * Events recorded before the trail stored the operation have none ({@code operation} and
 * {@code resourceType} null, as their rows): they were all of the seed operation, and
 * read as {@link #SEED_OPERATION} on a {@link #SEED_RESOURCE_TYPE}. They stay null here
 * so that such a row keeps its hash.
 *
 * @param id the event id
 * @param activityDateTime when the request reached the gateway (microsecond precision)
 * @param activity what was attempted
 * @param activityOperationType the operation ({@code Patch})
 * @param activityResult {@code pending}, {@code success}, {@code failure},
 * {@code refused} or {@code unknown}
 * @param category the audit category ({@code User})
 * @param correlationId the caller's client-request-id
 * @param actor who made the request
 * @param tenantId the caller's tenant, when the token was trusted
 * @param targetUserId the user the request changes
 * @param modifiedProperties the properties the body changes
 * @param decision {@code allow} or {@code refuse}
 * @param reason why the decision was taken (a reason code)
 * @param policyVersion the tenant policy version the decision used
 * @param upstreamStatus Graph's HTTP status, when the call reached Graph
 * @param graphRequestId Graph's request-id, when the call reached Graph
 * @param latencyMillis time from arrival to the answer
 * @param traceId the W3C trace id of the request, when it carried one
 * @param summary set on a summary event, which stands for refusals whose own events could
 * not be queued
 * @param operation the catalogue id of the operation called
 * ({@code intune-managed-device-wipe}); null in events recorded before it was stored
 * @param resourceType the type of the resource the call targets ({@code User},
 * {@code ManagedDevice}); null in events recorded before it was stored
 * @param beforeImage whether the values the change replaced were read from Graph, set
 * only when the tenant captures them for the operation (null in every other event)
 */
public record AuditEvent(UUID id, Instant activityDateTime, String activity, String activityOperationType,
		String activityResult, String category, @Nullable String correlationId, Actor actor, @Nullable String tenantId,
		@Nullable String targetUserId, List<ModifiedProperty> modifiedProperties, String decision, String reason,
		@Nullable String policyVersion, @Nullable Integer upstreamStatus, @Nullable String graphRequestId,
		@Nullable Long latencyMillis, @Nullable String traceId, @Nullable Summary summary, @Nullable String operation,
		@Nullable String resourceType, @Nullable BeforeImage beforeImage) {

	/** Activity of the seed operation's requests. */
	public static final String ACTIVITY = "Patch user";

	/** The operation of every event recorded before the trail stored the operation. */
	public static final String SEED_OPERATION = OperationCatalogue.USER_UPDATE;

	/** The resource type of every event recorded before the trail stored it. */
	public static final String SEED_RESOURCE_TYPE = OperationAudit.USER;

	/** Result of an event whose outcome is not written yet. */
	public static final String PENDING = "pending";

	/** Result of an event whose outcome was lost (gateway stopped before the answer). */
	public static final String UNKNOWN = "unknown";

	public AuditEvent {
		modifiedProperties = List.copyOf(modifiedProperties);
	}

	/** An event without a before-image. */
	public AuditEvent(UUID id, Instant activityDateTime, String activity, String activityOperationType,
			String activityResult, String category, @Nullable String correlationId, Actor actor,
			@Nullable String tenantId, @Nullable String targetUserId, List<ModifiedProperty> modifiedProperties,
			String decision, String reason, @Nullable String policyVersion, @Nullable Integer upstreamStatus,
			@Nullable String graphRequestId, @Nullable Long latencyMillis, @Nullable String traceId,
			@Nullable Summary summary, @Nullable String operation, @Nullable String resourceType) {
		this(id, activityDateTime, activity, activityOperationType, activityResult, category, correlationId, actor,
				tenantId, targetUserId, modifiedProperties, decision, reason, policyVersion, upstreamStatus,
				graphRequestId, latencyMillis, traceId, summary, operation, resourceType, null);
	}

	/** An event of the seed operation, on a user. */
	public AuditEvent(UUID id, Instant activityDateTime, String activity, String activityOperationType,
			String activityResult, String category, @Nullable String correlationId, Actor actor,
			@Nullable String tenantId, @Nullable String targetUserId, List<ModifiedProperty> modifiedProperties,
			String decision, String reason, @Nullable String policyVersion, @Nullable Integer upstreamStatus,
			@Nullable String graphRequestId, @Nullable Long latencyMillis, @Nullable String traceId,
			@Nullable Summary summary) {
		this(id, activityDateTime, activity, activityOperationType, activityResult, category, correlationId, actor,
				tenantId, targetUserId, modifiedProperties, decision, reason, policyVersion, upstreamStatus,
				graphRequestId, latencyMillis, traceId, summary, SEED_OPERATION, SEED_RESOURCE_TYPE);
	}

	/** An event of one request (not a summary) of the seed operation, on a user. */
	public AuditEvent(UUID id, Instant activityDateTime, String activity, String activityOperationType,
			String activityResult, String category, @Nullable String correlationId, Actor actor,
			@Nullable String tenantId, @Nullable String targetUserId, List<ModifiedProperty> modifiedProperties,
			String decision, String reason, @Nullable String policyVersion, @Nullable Integer upstreamStatus,
			@Nullable String graphRequestId, @Nullable Long latencyMillis, @Nullable String traceId) {
		this(id, activityDateTime, activity, activityOperationType, activityResult, category, correlationId, actor,
				tenantId, targetUserId, modifiedProperties, decision, reason, policyVersion, upstreamStatus,
				graphRequestId, latencyMillis, traceId, null);
	}

	/** The same event with its outcome. */
	public AuditEvent completed(String result, String decision, String reason, @Nullable Integer upstreamStatus,
			@Nullable String graphRequestId, @Nullable Long latencyMillis) {
		return new AuditEvent(this.id, this.activityDateTime, this.activity, this.activityOperationType, result,
				this.category, this.correlationId, this.actor, this.tenantId, this.targetUserId,
				this.modifiedProperties, decision, reason, this.policyVersion, upstreamStatus, graphRequestId,
				latencyMillis, this.traceId, this.summary, this.operation, this.resourceType, this.beforeImage);
	}

	/**
	 * The same event with what the change replaced: {@code properties} (the same names as
	 * this event's, now with their old values where read) and how the read went.
	 */
	public AuditEvent withBeforeImage(List<ModifiedProperty> properties, BeforeImage beforeImage) {
		return new AuditEvent(this.id, this.activityDateTime, this.activity, this.activityOperationType,
				this.activityResult, this.category, this.correlationId, this.actor, this.tenantId, this.targetUserId,
				properties, this.decision, this.reason, this.policyVersion, this.upstreamStatus, this.graphRequestId,
				this.latencyMillis, this.traceId, this.summary, this.operation, this.resourceType, beforeImage);
	}

	/**
	 * Who made the request.
	 *
	 * @param type {@code Delegated}, {@code Application} or {@code Unknown} (token not
	 * trusted)
	 * @param userId the user's object id ({@code oid})
	 * @param userPrincipalName the user's principal name
	 * @param applicationId the calling application ({@code azp}/{@code appid})
	 * @param ipAddress the client address as the gateway saw it
	 * @param permissions the scopes or roles the token held
	 */
	public record Actor(String type, @Nullable String userId, @Nullable String userPrincipalName,
			@Nullable String applicationId, @Nullable String ipAddress, List<String> permissions) {

		public Actor {
			permissions = List.copyOf(permissions);
		}

		/** An actor whose token was not trusted: only the address is known. */
		public static Actor unknown(@Nullable String ipAddress) {
			return new Actor("Unknown", null, null, null, ipAddress, List.of());
		}

	}

	/**
	 * What a summary event stands for: refusals that could not be recorded one by one
	 * (the audit queue was full), of the same operation, in the same tenant, for the same
	 * reason.
	 *
	 * @param count how many refusals
	 * @param first when the first of them reached the gateway
	 * @param last when the last of them reached the gateway
	 */
	public record Summary(long count, Instant first, Instant last) {

		public Summary {
			if (count < 1) {
				throw new IllegalArgumentException("A summary stands for at least one refusal, not " + count);
			}
		}

	}

	/**
	 * How the read of a change's before-image went: the properties the body changes, read
	 * from Graph before the change was forwarded (never the redacted ones), as part of
	 * the change's own event.
	 *
	 * @param status {@link #CAPTURED} (the old values are in the modified properties) or
	 * {@link #UNAVAILABLE}
	 * @param reason why it is unavailable: {@code timeout}, {@code graph_404},
	 * {@code throttled}, {@code graph_error_503}, {@code graph_unreachable}, ...; null
	 * when captured
	 * @param latencyMillis how long the read took
	 */
	public record BeforeImage(String status, @Nullable String reason, @Nullable Long latencyMillis) {

		/** The old values were read. */
		public static final String CAPTURED = "captured";

		/** The old values could not be read, for {@link #reason()}. */
		public static final String UNAVAILABLE = "unavailable";

		public boolean captured() {
			return CAPTURED.equals(this.status);
		}

	}

	/**
	 * One property the request changes.
	 *
	 * @param displayName the property name
	 * @param oldValue its value before the change, when known
	 * @param newValue its value in the request (redacted or cut when configured)
	 */
	public record ModifiedProperty(String displayName, @Nullable String oldValue, @Nullable String newValue) {
	}

}
