package com.graphpolicygateway.routing;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import com.graphpolicygateway.graph.BodySchema;
import com.graphpolicygateway.graph.OperationCatalogue;

/**
 * The gateway's OpenAPI document ({@code /v3/api-docs}): its title, the bearer token
 * scheme every endpoint uses, and the Graph route, which is a gateway route rather than a
 * handler springdoc could find.
 */
final class GatewayApiDocumentation implements OpenApiCustomizer {

	private final OperationCatalogue catalogue;

	GatewayApiDocumentation(OperationCatalogue catalogue) {
		this.catalogue = catalogue;
	}

	@Override
	public void customise(OpenAPI openApi) {
		openApi.info(new Info().title("Graph Policy Gateway")
			.description("Enforces tenant policy on the Microsoft Graph operations of its catalogue (Intune MAM "
					+ "\"Update user\", device-tag wipe, managed device wipe and retire, and any the operator declares), "
					+ "audits every call and relays Graph's answer unchanged. Errors use Graph's error shape.")
			.version("v1"));
		openApi.components(((openApi.getComponents() != null) ? openApi.getComponents() : new Components())
			.addSecuritySchemes("bearer", new SecurityScheme().type(SecurityScheme.Type.HTTP)
				.scheme("bearer")
				.bearerFormat("JWT")
				.description("An Entra ID access token for the gateway's own API (never one for Microsoft Graph)")));
		for (com.graphpolicygateway.graph.Operation operation : this.catalogue.operations()) {
			for (String path : operation.paths()) {
				PathItem item = (openApi.getPaths() != null && openApi.getPaths().get(path) != null)
						? openApi.getPaths().get(path) : new PathItem();
				item.operation(PathItem.HttpMethod.valueOf(operation.method().name()), describe(operation, path));
				openApi.path(path, item);
			}
		}
	}

	private Operation describe(com.graphpolicygateway.graph.Operation operation, String path) {
		Operation described = new Operation().operationId(operation.id() + path.replaceAll("[^A-Za-z0-9]", ""))
			.addTagsItem("graph")
			.summary(operation.audit().activity() + " in Microsoft Graph, if the tenant policy allows it ("
					+ operation.id() + ").")
			.description(
					"Checks the token, the permission (" + String.join(" or ", operation.permissions())
							+ "), the request, the tenant policy"
							+ (operation.intuneRequired() ? " and Intune license" : "")
							+ ", writes the audit event, then forwards to Graph and relays its answer unchanged."
							+ (path.equals(operation.path()) ? " Forwarded to "
									+ com.graphpolicygateway.graph.Operation.DEFAULT_VERSION + operation.path() + "."
									: ""));
		operation.pathVariables()
			.forEach((name,
					pattern) -> described.addParametersItem(new Parameter().in("path")
						.name(name)
						.required(true)
						.description("Must be " + pattern.description())
						.schema(new StringSchema())));
		return described
			.addParametersItem(new Parameter().in("header")
				.name("client-request-id")
				.description("Your correlation id (a GUID); the gateway makes one when absent")
				.schema(new StringSchema()))
			.requestBody(new RequestBody().required(operation.body().presence() == BodySchema.Presence.REQUIRED)
				.content(new Content().addMediaType("application/json", new MediaType().schema(new ObjectSchema()))))
			.addSecurityItem(new SecurityRequirement().addList("bearer"))
			.responses(new ApiResponses().addApiResponse("204", new ApiResponse().description("Graph's answer"))
				.addApiResponse("400", new ApiResponse().description("The request is malformed (Graph error)"))
				.addApiResponse("401", new ApiResponse().description("No valid bearer token (Graph error)"))
				.addApiResponse("403", new ApiResponse()
					.description("Permission missing, refused by the tenant policy, or the operation's "
							+ "blast-radius limit reached (OperationLimitExceeded, with Retry-After); Graph error"))
				.addApiResponse("429", new ApiResponse().description("Rate limit reached; see Retry-After"))
				.addApiResponse("503", new ApiResponse().description(
						"Audit store, license check, blast-radius count, a required before-image or Graph unavailable; "
								+ "see Retry-After")));
	}

}
