package com.graphpolicygateway.audit.query;

import java.util.List;
import java.util.stream.Stream;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import org.springdoc.core.customizers.OpenApiCustomizer;

/**
 * The auditors' API in the OpenAPI document ({@code /v3/api-docs}): its functional
 * endpoints, their filters and answers.
 */
public final class AuditApiDocumentation implements OpenApiCustomizer {

	private static final String TAG = "audit";

	private final String auditorPermission;

	public AuditApiDocumentation(String auditorPermission) {
		this.auditorPermission = auditorPermission;
	}

	@Override
	public void customise(OpenAPI openApi) {
		openApi.path("/audit/events", new PathItem().get(operation("listAuditEvents",
				"Audit events matching the filters, newest first, one page at a time. The answer is "
						+ "{\"value\": [...], \"@odata.nextLink\": \"...\"} as Graph pages; follow the link for older "
						+ "events. Tenant auditors see only their token's tenant.")
			.parameters(filters(true))
			.responses(answers("A page of events", "application/json"))));
		openApi.path("/audit/events/{id}",
				new PathItem().get(operation("getAuditEvent", "One audit event, when the caller may see it.")
					.addParametersItem(new Parameter().in("path").name("id").required(true).schema(new StringSchema()))
					.responses(answers("The event", "application/json").addApiResponse("404",
							new ApiResponse().description("No such event visible to the caller (Graph error)")))));
		openApi.path("/audit/events/export", new PathItem().get(operation("exportAuditEvents",
				"Every event matching the filters, streamed as CSV or NDJSON (memory does not grow with the range).")
			.parameters(concat(List.of(query("format", "csv or ndjson (default ndjson)")), filters(false)))
			.responses(answers("The events", "text/csv", "application/x-ndjson"))));
		openApi.path(AuditAccessLogHandler.PATH, new PathItem().get(operation("listAuditAccessLog",
				"Who read the audit trail: the access log's entries matching the filters, newest first, paged as "
						+ "/audit/events is. Every query, export, verification and page view is one entry, refused "
						+ "ones too: the reader as an event's actor, the tenant read (resources[0].resourceId: a "
						+ "tenant GUID or all), its filters and how many events it returned (modifiedProperties "
						+ "filters and count). The tenant filter matches the tenant read. Global auditors only: a "
						+ "tenant auditor is refused 403, and that refusal is an entry too.")
			.parameters(filters(true))
			.responses(answers("A page of entries", "application/json").addApiResponse("503",
					new ApiResponse()
						.description("The read could not be recorded in the access log in time, so it was not answered "
								+ "(Graph error, Retry-After)")))));
		openApi.path(AuditAccessLogHandler.EXPORT_PATH, new PathItem().get(operation("exportAuditAccessLog",
				"Every entry of the access log matching the filters, streamed as CSV or NDJSON. Global auditors only.")
			.parameters(concat(List.of(query("format", "csv or ndjson (default ndjson)")), filters(false)))
			.responses(answers("The entries", "text/csv", "application/x-ndjson"))));
		openApi.path("/audit/checkpoints", new PathItem().get(operation("listAuditCheckpoints",
				"The signed checkpoints of every chain (or of chainId), oldest first, as {\"value\": [...]} or, with "
						+ "format=ndjson, one record per line: the file --verify-audit --checkpoints reads.")
			.parameters(List.of(query("chainId", "Only this chain's checkpoints"),
					query("format", "json (default) or ndjson")))
			.responses(answers("The checkpoints", "application/json", "application/x-ndjson"))));
		openApi.path("/audit/verify", new PathItem().get(operation("verifyAuditTrail",
				"Verifies the trail and reports whether it is intact, and every problem found: the hash chains; "
						+ "with the signing key, every event's MAC and the signed checkpoints.")
			.responses(answers("The verification report", "application/json"))));
	}

	private Operation operation(String id, String description) {
		return new Operation().operationId(id)
			.addTagsItem(TAG)
			.summary(description.substring(0, description.indexOf('.') + 1))
			.description(description + " Requires " + this.auditorPermission
					+ " as a delegated scope (scp) or an application role (roles). Each read is recorded in the "
					+ "audit trail's access log (GET /audit/access) before it is answered; when it cannot be, "
					+ "the read is refused 503.")
			.addSecurityItem(new SecurityRequirement().addList("bearer"));
	}

	private static List<Parameter> filters(boolean paged) {
		List<Parameter> filters = List.of(
				query("tenant", "Tenant GUID (global auditors; others may name only their own)"),
				query("operation",
						"The operation's id in the catalogue, such as intune-managed-device-wipe; events recorded "
								+ "before the trail stored the operation are of intune-mam-user-update"),
				query("actor", "Actor's object id, user principal name or application id"),
				query("target", "The target's id as in the path: a user's id or principal name, a managed device's id"),
				query("result", "success, failure, refused, unknown or pending"),
				query("reason", "Reason code as stored, such as target_protected or allowed"),
				query("decision", "The decision: allow, refuse or would_refuse (a report-only rule's)"),
				query("from", "Events at or after this ISO-8601 instant"),
				query("to", "Events before this ISO-8601 instant"),
				query("correlationId", "The caller's client-request-id"));
		return paged ? concat(filters, List.of(query("$top", "Page size, 1 to 500 (default 50)"),
				query("$skiptoken", "Opaque cursor from @odata.nextLink"))) : filters;
	}

	private static Parameter query(String name, String description) {
		return new Parameter().in("query").name(name).description(description).schema(new StringSchema());
	}

	private static ApiResponses answers(String ok, String... mediaTypes) {
		Content content = new Content();
		for (String mediaType : mediaTypes) {
			content.addMediaType(mediaType, new MediaType().schema(new Schema<>()));
		}
		return new ApiResponses().addApiResponse("200", new ApiResponse().description(ok).content(content))
			.addApiResponse("400",
					new ApiResponse().description("A filter value is invalid; the Graph error names the parameter"))
			.addApiResponse("401", new ApiResponse().description("No valid bearer token (Graph error)"))
			.addApiResponse("403",
					new ApiResponse().description("The token lacks the auditor permission (Graph error)"));
	}

	private static <T> List<T> concat(List<T> first, List<T> second) {
		return Stream.concat(first.stream(), second.stream()).toList();
	}

}
