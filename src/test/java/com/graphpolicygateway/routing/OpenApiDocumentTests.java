package com.graphpolicygateway.routing;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.graphpolicygateway.test.GatewayIntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document at {@code /v3/api-docs}: every endpoint a caller can use, with the
 * audit filters, the bearer scheme and the permission each needs.
 */
class OpenApiDocumentTests extends GatewayIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Test
	void documentWhenRequestedWithoutTokenThenListsEveryEndpoint() {
		JsonNode document = document();
		assertThat(document.path("openapi").asString()).startsWith("3.");
		assertThat(document.path("info").path("title").asString()).isEqualTo("Graph Policy Gateway");
		JsonNode paths = document.path("paths");
		assertThat(paths.has("/audit/events")).isTrue();
		assertThat(paths.path("/audit/events").has("get")).isTrue();
		assertThat(paths.path("/audit/events/{id}").has("get")).isTrue();
		assertThat(paths.path("/audit/events/export").has("get")).isTrue();
		assertThat(paths.path("/audit/verify").has("get")).isTrue();
		assertThat(paths.path("/audit/checkpoints").has("get")).isTrue();
		assertThat(paths.path("/audit/access").has("get")).isTrue();
		assertThat(paths.path("/audit/access/export").has("get")).isTrue();
		assertThat(paths.path("/audit/access").path("get").path("description").asString())
			.contains("Global auditors only");
		assertThat(paths.path("/policy/what-if").has("post")).isTrue();
		for (String route : List.of("/users/{id}", "/v1.0/users/{id}", "/beta/users/{id}")) {
			assertThat(paths.path(route).has("patch")).as(route).isTrue();
		}
		for (String version : List.of("", "/v1.0", "/beta")) {
			assertThat(paths.path(version + "/users/{id}/wipeManagedAppRegistrationsByDeviceTag").has("post")).isTrue();
			assertThat(paths.path(version + "/deviceManagement/managedDevices/{id}/wipe").has("post")).isTrue();
			assertThat(paths.path(version + "/deviceManagement/managedDevices/{id}/retire").has("post")).isTrue();
		}
	}

	@Test
	void auditListDocumentsEveryFilterAndTheAuditorPermission() {
		JsonNode list = document().path("paths").path("/audit/events").path("get");
		List<String> parameters = list.path("parameters").valueStream().map((p) -> p.path("name").asString()).toList();
		assertThat(parameters).containsExactlyInAnyOrder("tenant", "operation", "actor", "target", "result", "reason",
				"decision", "from", "to", "correlationId", "$top", "$skiptoken");
		assertThat(list.path("description").asString()).contains("AuditLog.Read.All");
		assertThat(list.path("responses").has("400")).isTrue();
		assertThat(list.path("security").get(0).has("bearer")).isTrue();
	}

	@Test
	void bearerSchemeIsDocumented() {
		JsonNode scheme = document().path("components").path("securitySchemes").path("bearer");
		assertThat(JSON.convertValue(scheme, Map.class)).containsEntry("type", "http")
			.containsEntry("scheme", "bearer")
			.containsEntry("bearerFormat", "JWT");
	}

	@Test
	void documentIsAlsoServedAsYaml() {
		this.client.get()
			.uri("/v3/api-docs.yaml")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((yaml) -> assertThat(yaml).contains("openapi: 3.").contains("/audit/events:"));
	}

	private JsonNode document() {
		byte[] body = this.client.get()
			.uri("/v3/api-docs")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBody();
		return JSON.readTree(body);
	}

}
