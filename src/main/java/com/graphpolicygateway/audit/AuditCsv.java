package com.graphpolicygateway.audit;

import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * Audit events as CSV (RFC 4180): one line per event, values quoted when needed, and
 * values that a spreadsheet would run as a formula prefixed with an apostrophe. A summary
 * event fills the last three columns: how many refusals it stands for, and between when.
 */
final class AuditCsv {

	static final String HEADER = "id,activityDateTime,activityResult,decision,reason,tenantId,actorType,actorUserId,"
			+ "actorUserPrincipalName,actorApplicationId,actorIpAddress,targetUserId,modifiedProperties,"
			+ "upstreamStatus,graphRequestId,correlationId,policyVersion,latencyMs,summaryCount,summaryFirst,summaryLast\r\n";

	private AuditCsv() {
	}

	static String row(AuditEventView e) {
		String target = e.resources().isEmpty() ? null : e.resources().get(0).resourceId();
		String properties = e.resources().isEmpty() ? null
				: e.resources()
					.get(0)
					.modifiedProperties()
					.stream()
					.map((p) -> p.displayName() + "=" + ((p.newValue() != null) ? p.newValue() : ""))
					.collect(Collectors.joining("; "));
		List<@Nullable Object> values = java.util.Arrays.asList(e.id(), e.activityDateTime(), e.activityResult(),
				e.decision(), e.reason(), e.tenantId(), e.actor().type(), e.actor().userId(),
				e.actor().userPrincipalName(), e.actor().applicationId(), e.actor().ipAddress(), target, properties,
				e.upstreamStatus(), e.graphRequestId(), e.correlationId(), e.policyVersion(), e.latencyMs(),
				(e.summary() != null) ? e.summary().count() : null, (e.summary() != null) ? e.summary().first() : null,
				(e.summary() != null) ? e.summary().last() : null);
		return values.stream().map(AuditCsv::cell).collect(Collectors.joining(",")) + "\r\n";
	}

	static String cell(@Nullable Object value) {
		if (value == null) {
			return "";
		}
		String text = value.toString();
		if (!text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
			text = "'" + text;
		}
		if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
			return "\"" + text.replace("\"", "\"\"") + "\"";
		}
		return text;
	}

}
