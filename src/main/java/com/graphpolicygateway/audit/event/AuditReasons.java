package com.graphpolicygateway.audit.event;

import java.util.List;

/**
 * Every reason an audit event can carry, as the reason tables of docs/audit-trail.md and
 * docs/tenant-policy.md list them: the audit page offers them as choices, so that a
 * filter names a stored value (an error code such as {@code TargetUserProtected} is what
 * a caller sees, never what the trail stores).
 */
public final class AuditReasons {

	/** The reasons, allowed first, then refusals in the order a request meets them. */
	public static final List<String> ALL = List.of("allowed", "audit_read",
			// The tenant policy, its rules in their order.
			"tenant_not_allowed", "caller_not_allowed", "operation_not_allowed", "target_protected",
			"target_unresolved", "property_not_allowed", "change_freeze", "tenant_unlicensed", "license_check_failed",
			// The gateway's own refusals and failures.
			"token_invalid", "permission_denied", "invalid_request", "body_too_large", "unsupported_media_type",
			"body_timeout", "not_routed", "method_not_allowed", "audit_unavailable", "upstream_unreachable",
			"upstream_timeout", "rate_limited", "operation_limit", "operation_limit_unavailable", "circuit_open",
			"upstream_token_refused", "upstream_token_failed", "before_image_unavailable", "dependency_unavailable",
			"client_disconnected", "outcome_unknown");

	private AuditReasons() {
	}

}
