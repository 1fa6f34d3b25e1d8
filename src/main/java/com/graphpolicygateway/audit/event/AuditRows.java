package com.graphpolicygateway.audit.event;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * How an {@link AuditEvent} maps to and from an {@code audit_event} row, shared by the
 * store and the verifier so that both see the same canonical values.
 */
public final class AuditRows {

	public static final String COLUMNS = "id, activity_date_time, activity, activity_operation_type, activity_result, "
			+ "category, correlation_id, actor_type, actor_user_id, actor_user_principal_name, actor_application_id, "
			+ "actor_ip_address, actor_permissions, tenant_id, target_user_id, modified_properties, decision, reason, "
			+ "policy_version, upstream_status, graph_request_id, latency_ms, trace_id, summary_count, summary_first, "
			+ "summary_last, operation, resource_type, before_image_status, before_image_reason, before_image_latency_ms";

	/** How many columns {@link #COLUMNS} names. */
	public static final int COLUMN_COUNT = COLUMNS.split(",").length;

	// ASCII only: every database keeps it exactly, even a lone surrogate sent as \ud83d.
	private static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

	private static final TypeReference<List<AuditEvent.ModifiedProperty>> PROPERTIES = new TypeReference<>() {
	};

	private AuditRows() {
	}

	/** The column values of {@link #COLUMNS}, in order. */
	public static Object[] values(AuditEvent e) {
		return new Object[] { e.id().toString(), new StoredInstant(e.activityDateTime()), e.activity(),
				e.activityOperationType(), e.activityResult(), e.category(), e.correlationId(), e.actor().type(),
				e.actor().userId(), e.actor().userPrincipalName(), e.actor().applicationId(), e.actor().ipAddress(),
				permissions(e.actor()), e.tenantId(), e.targetUserId(), modifiedProperties(e), e.decision(), e.reason(),
				e.policyVersion(), e.upstreamStatus(), e.graphRequestId(), e.latencyMillis(), e.traceId(),
				(e.summary() != null) ? e.summary().count() : null,
				(e.summary() != null) ? new StoredInstant(e.summary().first()) : null,
				(e.summary() != null) ? new StoredInstant(e.summary().last()) : null, e.operation(), e.resourceType(),
				(e.beforeImage() != null) ? e.beforeImage().status() : null,
				(e.beforeImage() != null) ? e.beforeImage().reason() : null,
				(e.beforeImage() != null) ? e.beforeImage().latencyMillis() : null };
	}

	/**
	 * Reads the columns of {@link #COLUMNS} from the current row, as stored: a row
	 * recorded before the operation was has none (see {@link AuditEvent}).
	 */
	public static AuditEvent event(ResultSet rs) throws SQLException {
		AuditEvent.Actor actor = new AuditEvent.Actor(rs.getString("actor_type"), rs.getString("actor_user_id"),
				rs.getString("actor_user_principal_name"), rs.getString("actor_application_id"),
				rs.getString("actor_ip_address"), splitPermissions(rs.getString("actor_permissions")));
		return new AuditEvent(UUID.fromString(rs.getString("id")), StoredInstant.read(rs, "activity_date_time"),
				rs.getString("activity"), rs.getString("activity_operation_type"), rs.getString("activity_result"),
				rs.getString("category"), rs.getString("correlation_id"), actor, rs.getString("tenant_id"),
				rs.getString("target_user_id"), JSON.readValue(rs.getString("modified_properties"), PROPERTIES),
				rs.getString("decision"), rs.getString("reason"), rs.getString("policy_version"),
				(Integer) rs.getObject("upstream_status"), rs.getString("graph_request_id"),
				longOrNull(rs, "latency_ms"), rs.getString("trace_id"), summary(rs), rs.getString("operation"),
				rs.getString("resource_type"), beforeImage(rs));
	}

	private static AuditEvent.@Nullable BeforeImage beforeImage(ResultSet rs) throws SQLException {
		String status = rs.getString("before_image_status");
		if (status == null) {
			return null;
		}
		return new AuditEvent.BeforeImage(status, rs.getString("before_image_reason"),
				longOrNull(rs, "before_image_latency_ms"));
	}

	private static AuditEvent.@Nullable Summary summary(ResultSet rs) throws SQLException {
		Long count = longOrNull(rs, "summary_count");
		if (count == null) {
			return null;
		}
		return new AuditEvent.Summary(count, StoredInstant.read(rs, "summary_first"),
				StoredInstant.read(rs, "summary_last"));
	}

	/** The stored instant: microseconds, which PostgreSQL keeps exactly. */
	public static OffsetDateTime timestamp(Instant instant) {
		return instant.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
	}

	static String permissions(AuditEvent.Actor actor) {
		return String.join(" ", actor.permissions());
	}

	public static String modifiedProperties(AuditEvent event) {
		return JSON.writeValueAsString(event.modifiedProperties());
	}

	private static List<String> splitPermissions(@Nullable String permissions) {
		return (permissions == null || permissions.isEmpty()) ? List.of() : Arrays.asList(permissions.split(" "));
	}

	private static @Nullable Long longOrNull(ResultSet rs, String column) throws SQLException {
		long value = rs.getLong(column);
		return rs.wasNull() ? null : value;
	}

}
