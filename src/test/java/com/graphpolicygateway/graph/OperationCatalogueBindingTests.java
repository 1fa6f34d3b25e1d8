package com.graphpolicygateway.graph;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpMethod;

import com.graphpolicygateway.system.GraphGatewayProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code graph-gateway.operations} as operators write it: bound from YAML into
 * {@link GraphGatewayProperties} and built into the {@link OperationCatalogue}, the way
 * the application does at start-up.
 */
class OperationCatalogueBindingTests {

	@Test
	void bindWhenDocumentedExampleThenOwnOperationDeclaredWipeNarrowedAndDeviceTagWipeOff() throws IOException {
		OperationCatalogue catalogue = catalogue(documentedExample());

		assertThat(catalogue.operations()).extracting(Operation::id)
			.containsExactly(OperationCatalogue.USER_UPDATE, OperationCatalogue.DEVICE_WIPE,
					OperationCatalogue.DEVICE_RETIRE, "intune-managed-device-sync");
		Operation sync = catalogue.find("intune-managed-device-sync").orElseThrow();
		assertThat(sync.method()).isEqualTo(HttpMethod.POST);
		assertThat(sync.path()).isEqualTo("/deviceManagement/managedDevices/{id}/syncDevice");
		assertThat(sync.pathVariables()).containsEntry("id", IdPattern.GUID);
		assertThat(sync.permissions()).containsExactly("DeviceManagementManagedDevices.PrivilegedOperations.All");
		assertThat(sync.intuneRequired()).isTrue();
		assertThat(sync.body().presence()).isEqualTo(BodySchema.Presence.NONE);
		assertThat(sync.audit()).isEqualTo(new OperationAudit("Sync managed device", "Device", "Action",
				OperationAudit.MANAGED_DEVICE, List.of()));
		Operation wipe = catalogue.find(OperationCatalogue.DEVICE_WIPE).orElseThrow();
		assertThat(wipe.body().maxBytes()).isEqualTo(1024);
		assertThat(wipe.body().properties()).containsOnlyKeys("keepEnrollmentData", "keepUserData",
				"persistEsimDataPlan", "macOsUnlockCode");
		assertThat(wipe.audit().redact()).containsExactly("macOsUnlockCode");
	}

	@Test
	void bindWhenBuiltInsAsShippedThenTheFourOperationsOfTheIssue() {
		OperationCatalogue catalogue = catalogue(Map.of());

		assertThat(catalogue.operations()).extracting(Operation::describe)
			.containsExactly("PATCH /users/{id}", "POST /users/{id}/wipeManagedAppRegistrationsByDeviceTag",
					"POST /deviceManagement/managedDevices/{id}/wipe",
					"POST /deviceManagement/managedDevices/{id}/retire");
		assertThat(catalogue.operations()).extracting(Operation::routeId)
			.containsExactly("graph-users-patch", OperationCatalogue.USER_WIPE_BY_DEVICE_TAG,
					OperationCatalogue.DEVICE_WIPE, OperationCatalogue.DEVICE_RETIRE);
	}

	@Test
	void bindWhenRequiredPermissionSetThenItIsTheSeedsPermissionOnly() {
		OperationCatalogue catalogue = catalogue(Map.of("graph-gateway.required-permission", "User.ReadWrite.All"));

		assertThat(catalogue.find(OperationCatalogue.USER_UPDATE).orElseThrow().permissions())
			.containsExactly("User.ReadWrite.All");
		assertThat(catalogue.find(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG).orElseThrow().permissions())
			.containsExactly("DeviceManagementApps.ReadWrite.All");
	}

	@Test
	void bindWhenOperationIdNotLowerCaseWordsThenRefusedNamingTheKey() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> properties(Map.of("graph-gateway.operations.Wipe_All.enabled", "false")))
			.havingRootCause()
			.withMessageContaining("graph-gateway.operations.Wipe_All")
			.withMessageContaining("lower-case letters, digits and dashes");
	}

	@Test
	void bindWhenBodyPresenceUnknownThenRefusedNamingTheKey() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> properties(
					Map.of("graph-gateway.operations.intune-managed-device-wipe.body.presence", "sometimes")))
			.havingRootCause()
			.withMessageContaining("graph-gateway.operations.intune-managed-device-wipe.body.presence must be "
					+ "required, optional or none, but was 'sometimes'");
	}

	/**
	 * The example declaration of {@code docs/operations.md}, bound as the application
	 * binds its YAML.
	 */
	private static GraphGatewayProperties documentedExample() throws IOException {
		String page = Files.readString(Path.of("docs/operations.md"), StandardCharsets.UTF_8);
		int intro = page.indexOf("lets its helpdesk app sync devices through the gateway");
		assertThat(intro).as("the example's introduction in docs/operations.md").isNotNegative();
		int start = page.indexOf("```yaml\n", intro) + "```yaml\n".length();
		String yaml = page.substring(start, page.indexOf("```", start));
		List<PropertySource<?>> sources = new YamlPropertySourceLoader().load("docs/operations.md example",
				new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
		return new Binder(ConfigurationPropertySources.from(sources)).bindOrCreate("graph-gateway",
				GraphGatewayProperties.class);
	}

	private static OperationCatalogue catalogue(Map<String, String> configuration) {
		return catalogue(properties(configuration));
	}

	private static OperationCatalogue catalogue(GraphGatewayProperties properties) {
		return OperationCatalogue.of(properties.operations(), properties.requiredPermission(),
				properties.request().maxBodySize());
	}

	private static GraphGatewayProperties properties(Map<String, String> configuration) {
		return new Binder(new MapConfigurationPropertySource(configuration)).bindOrCreate("graph-gateway",
				GraphGatewayProperties.class);
	}

}
