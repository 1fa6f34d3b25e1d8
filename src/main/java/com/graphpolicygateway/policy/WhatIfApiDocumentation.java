package com.graphpolicygateway.policy;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import org.springdoc.core.customizers.OpenApiCustomizer;

import com.graphpolicygateway.graph.OperationCatalogue;

/** {@code POST /policy/what-if} in the OpenAPI document. */
final class WhatIfApiDocumentation implements OpenApiCustomizer {

	private final String adminPermission;

	WhatIfApiDocumentation(String adminPermission) {
		this.adminPermission = adminPermission;
	}

	@Override
	public void customise(OpenAPI openApi) {
		ObjectSchema call = new ObjectSchema();
		call.addProperty("tenantId", new StringSchema().description("The caller's tenant GUID"));
		call.addProperty("applicationId", new StringSchema().description("The calling application's id"));
		call.addProperty("operation",
				new StringSchema()
					.description("The id of the operation called, such as intune-managed-device-wipe; by default "
							+ OperationCatalogue.USER_UPDATE)
					._default(OperationCatalogue.USER_UPDATE));
		call.addProperty("target", new StringSchema()
			.description("The id the call's path names: a user's id or principal name, or a managed device's id"));
		call.addProperty("targetUserId", new StringSchema()
			.description("The user to change (id or principal name); the same as target, kept for the user update"));
		call.addProperty("body", new ObjectSchema().description("The request body; only its property names matter"));
		openApi.path(PolicyConfiguration.WHAT_IF_PATH, new PathItem().post(new Operation().operationId("policyWhatIf")
			.addTagsItem("policy")
			.summary("Decides a hypothetical call of an operation against the current tenant policy.")
			.description("Answers the operation, the decision (allow or refuse), its reason code, the Graph error "
					+ "the caller would get, whether a report-only rule would refuse it, the tenant's blast-radius "
					+ "limit of the operation (operationLimit: max, per, reportOnly; null when none) and the policy "
					+ "version. Nothing is forwarded, audited or counted against the limit. A user target is "
					+ "resolved with Graph as for a real call; when it cannot be, the answer says so (reason "
					+ "target_unresolved, status 503). An unknown or switched-off operation is a 400. Requires "
					+ this.adminPermission + " as a delegated scope (scp) or an application role (roles).")
			.requestBody(new RequestBody().required(true)
				.content(new Content().addMediaType("application/json", new MediaType().schema(call))))
			.addSecurityItem(new SecurityRequirement().addList("bearer"))
			.responses(new ApiResponses().addApiResponse("200", new ApiResponse().description("The decision"))
				.addApiResponse("400", new ApiResponse().description("The hypothetical call is incomplete"))
				.addApiResponse("401", new ApiResponse().description("No valid bearer token (Graph error)"))
				.addApiResponse("403",
						new ApiResponse().description("The token lacks the admin permission (Graph error)")))));
	}

}
