package com.graphpolicygateway.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.util.unit.DataSize;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.system.OperationDeclaration;
import com.graphpolicygateway.test.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Tests for {@link OperationCatalogue}: the built-in operations as shipped, how a
 * request's method and path find their operation (or the methods declared at the path, or
 * the operations it is aimed under), the operator's declarations laid over the built-in
 * ones, and the start-up messages of invalid declarations, each naming its key.
 */
class OperationCatalogueTests {

	/**
	 * A start-up failure is logged by Spring Boot: kept off the console, and asserted.
	 */
	@RegisterExtension
	final LogCapture logs = LogCapture.of("org.springframework.boot.SpringApplication",
			"org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter");

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String DEVICE_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

	static final String APPS = "DeviceManagementApps.ReadWrite.All";

	static final String PRIVILEGED = "DeviceManagementManagedDevices.PrivilegedOperations.All";

	static final String SYNC = "intune-managed-device-sync";

	@Test
	void builtInThenTheFourIntuneOperationsInTheirOrderWithTheirMethodPathAndPermission() {
		assertThat(OperationCatalogue.builtIn().operations())
			.extracting(Operation::id, Operation::method, Operation::path, Operation::permissions)
			.containsExactly(tuple(OperationCatalogue.USER_UPDATE, HttpMethod.PATCH, "/users/{id}", Set.of(APPS)),
					tuple(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG, HttpMethod.POST,
							"/users/{id}/wipeManagedAppRegistrationsByDeviceTag", Set.of(APPS)),
					tuple(OperationCatalogue.DEVICE_WIPE, HttpMethod.POST, "/deviceManagement/managedDevices/{id}/wipe",
							Set.of(PRIVILEGED)),
					tuple(OperationCatalogue.DEVICE_RETIRE, HttpMethod.POST,
							"/deviceManagement/managedDevices/{id}/retire", Set.of(PRIVILEGED)));
		assertThat(OperationCatalogue.builtIn().operations()).allSatisfy((operation) -> {
			assertThat(operation.intuneRequired()).isTrue();
			assertThat(operation.targetVariable()).isEqualTo("id");
			assertThat(operation.paths()).containsExactly(operation.path(), "/v1.0" + operation.path(),
					"/beta" + operation.path());
		});
	}

	@Test
	void builtInThenEachOperationsIdPatternBodyAndAuditNamesAreGraphs() {
		Operation update = builtIn(OperationCatalogue.USER_UPDATE);
		Operation tagWipe = builtIn(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG);
		Operation wipe = builtIn(OperationCatalogue.DEVICE_WIPE);
		Operation retire = builtIn(OperationCatalogue.DEVICE_RETIRE);

		assertThat(update.routeId()).isEqualTo(OperationCatalogue.USER_UPDATE_ROUTE_ID);
		assertThat(update.pathVariables()).containsExactly(Map.entry("id", IdPattern.USER));
		assertThat(update.body().presence()).isEqualTo(BodySchema.Presence.REQUIRED);
		assertThat(update.body().additionalProperties()).isTrue();
		assertThat(update.body().odataType()).isEqualTo("#microsoft.graph.user");
		assertThat(update.audit())
			.isEqualTo(new OperationAudit("Patch user", "User", "Patch", "User", List.of(), true));

		assertThat(tagWipe.pathVariables()).containsExactly(Map.entry("id", IdPattern.USER));
		assertThat(tagWipe.body())
			.isEqualTo(new BodySchema(BodySchema.Presence.REQUIRED, Map.of("deviceTag", BodySchema.JsonType.STRING),
					Set.of("deviceTag"), false, (int) DataSize.ofMegabytes(1).toBytes(), null));
		assertThat(tagWipe.audit()).isEqualTo(
				new OperationAudit("Wipe managed apps by device tag", "Application", "Action", "User", List.of()));
		assertThat(tagWipe.targetsUser()).isTrue();

		assertThat(wipe.pathVariables()).containsExactly(Map.entry("id", IdPattern.GUID));
		assertThat(wipe.body().presence()).isEqualTo(BodySchema.Presence.OPTIONAL);
		assertThat(wipe.body().properties()).containsOnly(Map.entry("keepEnrollmentData", BodySchema.JsonType.BOOLEAN),
				Map.entry("keepUserData", BodySchema.JsonType.BOOLEAN),
				Map.entry("persistEsimDataPlan", BodySchema.JsonType.BOOLEAN),
				Map.entry("macOsUnlockCode", BodySchema.JsonType.STRING));
		assertThat(wipe.body().required()).isEmpty();
		assertThat(wipe.body().additionalProperties()).isFalse();
		assertThat(wipe.audit()).isEqualTo(new OperationAudit("Wipe managed device", "Device", "Action",
				"ManagedDevice", List.of("macOsUnlockCode")));
		assertThat(wipe.targetsManagedDevice()).isTrue();

		assertThat(retire.pathVariables()).containsExactly(Map.entry("id", IdPattern.GUID));
		assertThat(retire.body().presence()).isEqualTo(BodySchema.Presence.NONE);
		assertThat(retire.body().properties()).isEmpty();
		assertThat(retire.audit())
			.isEqualTo(new OperationAudit("Retire managed device", "Device", "Action", "ManagedDevice", List.of()));
	}

	@ParameterizedTest
	@CsvSource({ "PATCH, /users/" + USER_ID + ", intune-mam-user-update, " + USER_ID,
			"PATCH, /v1.0/users/adele.vance@contoso.example, intune-mam-user-update, adele.vance@contoso.example",
			"POST, /beta/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag, "
					+ "intune-mam-user-wipe-by-device-tag, " + USER_ID,
			"POST, /deviceManagement/managedDevices/" + DEVICE_ID + "/wipe, intune-managed-device-wipe, " + DEVICE_ID,
			"POST, /v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe, intune-managed-device-wipe, "
					+ DEVICE_ID,
			"POST, /beta/deviceManagement/managedDevices/" + DEVICE_ID + "/retire, intune-managed-device-retire, "
					+ DEVICE_ID })
	void matchWhenMethodAndPathOfAnOperationThenItWithTheTarget(String method, String path, String id, String target) {
		OperationMatch match = OperationCatalogue.builtIn().match(HttpMethod.valueOf(method), path(path));

		assertThat(match).isNotNull();
		assertThat(match.operation().id()).isEqualTo(id);
		assertThat(match.rawVariables()).containsExactly(Map.entry("id", target));
		assertThat(match.rawTarget()).isEqualTo(target);
	}

	@ParameterizedTest
	@CsvSource({ "POST, /users/" + USER_ID, "PATCH, /deviceManagement/managedDevices/" + DEVICE_ID + "/wipe",
			"GET, /users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag",
			"POST, /deviceManagement/managedDevices/" + DEVICE_ID + "/wipe/x",
			"POST, /deviceManagement/managedDevices/" + DEVICE_ID + "/wipe/",
			"POST, /deviceManagement/managedDevices/" + DEVICE_ID + "/Wipe",
			"POST, /deviceManagement/managedDevices/" + DEVICE_ID, "PATCH, /Users/" + USER_ID,
			"PATCH, /v2.0/users/" + USER_ID, "PATCH, /users", "POST, /deviceManagement/managedDevices//wipe",
			"POST, /v1.0/beta/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe" })
	void matchWhenNoOperationHasTheMethodAndPathThenNone(String method, String path) {
		assertThat(OperationCatalogue.builtIn().match(HttpMethod.valueOf(method), path(path))).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "alice_contoso.com%23EXT%23@fabrikam.onmicrosoft.com", "a%2Fb@contoso.example", "%2e%2e",
			"adele%40contoso.example", "x%252Fy" })
	void matchWhenTargetIsPercentEncodedThenRawVariableIsTheSegmentAsSent(String segment) {
		OperationMatch match = OperationCatalogue.builtIn()
			.match(HttpMethod.POST, path("/v1.0/users/" + segment + "/wipeManagedAppRegistrationsByDeviceTag"));

		assertThat(match).isNotNull();
		assertThat(match.rawVariables()).containsExactly(Map.entry("id", segment));
		assertThat(match.rawTarget()).isEqualTo(segment);
	}

	@Test
	void matchWhenOperationHasTwoVariablesThenEachRawAndTheLastIsTheTarget() {
		OperationCatalogue catalogue = TestOperations.catalogue(Map.of("intune-app-assignment-delete",
				declaration((d) -> d.method("DELETE")
					.path("/deviceAppManagement/mobileApps/{appId}/assignments/{assignmentId}")
					.variable("appId", "guid")
					.variable("assignmentId", "[A-Za-z0-9_-]{1,64}")
					.permissions("DeviceManagementApps.ReadWrite.All")
					.body("none")
					.audit("Delete app assignment", "Application", null, "MobileAppAssignment"))));

		OperationMatch match = catalogue.match(HttpMethod.DELETE,
				path("/beta/deviceAppManagement/mobileApps/" + DEVICE_ID + "/assignments/a%2Db_1"));

		assertThat(match).isNotNull();
		assertThat(match.rawVariables()).containsOnly(Map.entry("appId", DEVICE_ID),
				Map.entry("assignmentId", "a%2Db_1"));
		assertThat(match.rawTarget()).isEqualTo("a%2Db_1");
		assertThat(match.operation().targetVariable()).isEqualTo("assignmentId");
		assertThat(match.operation().audit().operationType()).isEqualTo("Delete");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "/users/" + USER_ID + "|PATCH", "/beta/users/adele.vance@contoso.example|PATCH",
					"/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag|POST",
					"/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe|POST",
					"/deviceManagement/managedDevices/" + DEVICE_ID + "/retire|POST" })
	void methodsAtWhenPathOfAnOperationThenItsMethod(String path, String method) {
		assertThat(OperationCatalogue.builtIn().methodsAt(path(path))).containsExactly(HttpMethod.valueOf(method));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/users/" + USER_ID + "/manager", "/users/" + USER_ID + "/", "/users",
			"/deviceManagement/managedDevices/" + DEVICE_ID,
			"/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe/x", "/groups/" + USER_ID, "/me" })
	void methodsAtWhenNoOperationIsAtThePathThenNone(String path) {
		assertThat(OperationCatalogue.builtIn().methodsAt(path(path))).isEmpty();
	}

	@Test
	void methodsAtWhenTwoOperationsShareAPathThenBothMethodsInCatalogueOrder() {
		OperationCatalogue catalogue = TestOperations.catalogue(Map.of("intune-user-delete",
				declaration((d) -> d.method("DELETE")
					.path("/users/{id}")
					.variable("id", "user")
					.permissions("User.ReadWrite.All")
					.body("none")
					.audit("Delete user", "User", null, "User"))));

		assertThat(catalogue.methodsAt(path("/v1.0/users/" + USER_ID))).containsExactly(HttpMethod.PATCH,
				HttpMethod.DELETE);
		assertThat(catalogue.match(HttpMethod.DELETE, path("/users/" + USER_ID)).operation().id())
			.isEqualTo("intune-user-delete");
	}

	@Test
	void aimedAtWhenAtOrUnderAnOperationsPathThenThatOperation() {
		OperationCatalogue catalogue = OperationCatalogue.builtIn();

		assertThat(
				catalogue.aimedAt(HttpMethod.POST, path("/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe/x")))
			.extracting(Operation::id)
			.containsExactly(OperationCatalogue.DEVICE_WIPE);
		assertThat(catalogue.aimedAt(HttpMethod.POST, path("/beta/deviceManagement/managedDevices/x/retire")))
			.extracting(Operation::id)
			.containsExactly(OperationCatalogue.DEVICE_RETIRE);
		assertThat(catalogue.aimedAt(HttpMethod.POST,
				path("/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag/x")))
			.extracting(Operation::id)
			.containsExactly(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG);
		// The seed's path ends in its variable: everything under /users is aimed at it.
		assertThat(catalogue.aimedAt(HttpMethod.PATCH, path("/users/" + USER_ID + "/manager")))
			.extracting(Operation::id)
			.containsExactly(OperationCatalogue.USER_UPDATE);
		assertThat(catalogue.aimedAt(HttpMethod.PATCH, path("/v1.0/users"))).extracting(Operation::id)
			.containsExactly(OperationCatalogue.USER_UPDATE);
	}

	/**
	 * Above an action's path, or beside it, a request is aimed at nothing: {@code POST
	 * /users/{id}} stays the 405 it was before the device-tag wipe, and is not audited.
	 */
	@ParameterizedTest
	@CsvSource({ "GET, /deviceManagement/managedDevices/" + DEVICE_ID + "/wipe", "POST, /groups/" + USER_ID,
			"PATCH, /deviceManagement/managedDevices/" + DEVICE_ID, "POST, /deviceManagementX/managedDevices/x",
			"PATCH, /usersX/" + USER_ID, "PATCH, /v2.0/users/" + USER_ID, "POST, /v1.0/users/" + USER_ID,
			"POST, /users/" + USER_ID + "/wipeManagedApps", "POST, /beta/deviceManagement/managedDevices/" + DEVICE_ID,
			"POST, /deviceManagement/managedDevices/" + DEVICE_ID + "/syncDevice" })
	void aimedAtWhenNoOperationOfTheMethodIsAtThePrefixThenNone(String method, String path) {
		assertThat(OperationCatalogue.builtIn().aimedAt(HttpMethod.valueOf(method), path(path))).isEmpty();
	}

	@Test
	void ofWhenBuiltInSwitchedOffThenNeitherFoundNorMatchedNorAtItsPath() {
		OperationCatalogue catalogue = TestOperations
			.catalogue(Map.of(OperationCatalogue.DEVICE_RETIRE, declaration((d) -> d.enabled(false))));

		assertThat(catalogue.find(OperationCatalogue.DEVICE_RETIRE)).isEmpty();
		assertThat(catalogue.operations()).extracting(Operation::id)
			.containsExactly(OperationCatalogue.USER_UPDATE, OperationCatalogue.USER_WIPE_BY_DEVICE_TAG,
					OperationCatalogue.DEVICE_WIPE);
		assertThat(catalogue.match(HttpMethod.POST, path("/deviceManagement/managedDevices/" + DEVICE_ID + "/retire")))
			.isNull();
		assertThat(catalogue.methodsAt(path("/deviceManagement/managedDevices/" + DEVICE_ID + "/retire"))).isEmpty();
	}

	@Test
	void ofWhenBuiltInNarrowedThenOperatorKeysReplaceAndTheOthersAreKept() {
		OperationCatalogue catalogue = TestOperations.catalogue(Map.of(OperationCatalogue.DEVICE_WIPE,
				declaration((d) -> d.permissions("GraphGateway.DeviceWipe")
					.properties(Map.of("keepUserData", "boolean"))
					.maxSize(DataSize.ofBytes(64))
					.redact("keepUserData"))));

		Operation wipe = catalogue.find(OperationCatalogue.DEVICE_WIPE).orElseThrow();

		assertThat(wipe.permissions()).containsExactly("GraphGateway.DeviceWipe");
		assertThat(wipe.body().properties()).containsOnly(Map.entry("keepUserData", BodySchema.JsonType.BOOLEAN));
		assertThat(wipe.body().maxBytes()).isEqualTo(64);
		assertThat(wipe.body().presence()).isEqualTo(BodySchema.Presence.OPTIONAL);
		assertThat(wipe.path()).isEqualTo("/deviceManagement/managedDevices/{id}/wipe");
		assertThat(wipe.intuneRequired()).isTrue();
		assertThat(wipe.audit()).isEqualTo(new OperationAudit("Wipe managed device", "Device", "Action",
				"ManagedDevice", List.of("keepUserData")));
	}

	@Test
	void ofWhenSeedPermissionSetThenTheSeedTakesItAndTheDeviceTagWipeKeepsItsOwn() {
		OperationCatalogue catalogue = OperationCatalogue.of(Map.of(), "GraphGateway.UserUpdate",
				DataSize.ofMegabytes(1));

		assertThat(catalogue.find(OperationCatalogue.USER_UPDATE).orElseThrow().permissions())
			.containsExactly("GraphGateway.UserUpdate");
		assertThat(catalogue.find(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG).orElseThrow().permissions())
			.containsExactly(APPS);
	}

	@Test
	void ofWhenOperatorDeclaresAnOperationThenRoutedAfterTheBuiltInOnesWithDefaults() {
		OperationCatalogue catalogue = TestOperations.catalogue(Map.of(SYNC, sync(UnaryOperator.identity())));

		Operation sync = catalogue.find(SYNC).orElseThrow();

		assertThat(catalogue.operations()).extracting(Operation::id).last().isEqualTo(SYNC);
		assertThat(sync.routeId()).isEqualTo(SYNC);
		assertThat(sync.method()).isEqualTo(HttpMethod.POST);
		assertThat(sync.permissions()).containsExactly(PRIVILEGED);
		assertThat(sync.intuneRequired()).isTrue();
		assertThat(sync.body().presence()).isEqualTo(BodySchema.Presence.NONE);
		assertThat(sync.body().maxBytes()).isEqualTo((int) DataSize.ofMegabytes(1).toBytes());
		assertThat(sync.audit())
			.isEqualTo(new OperationAudit("Sync managed device", "Device", "Action", "ManagedDevice", List.of()));
		assertThat(catalogue
			.match(HttpMethod.POST, path("/beta/deviceManagement/managedDevices/" + DEVICE_ID + "/syncDevice"))
			.operation()).isEqualTo(sync);
	}

	@Test
	void ofWhenOperatorLeavesCategoryAndIntuneOutThenOtherAndRequired() {
		OperationCatalogue catalogue = TestOperations.catalogue(Map.of(SYNC,
				sync((d) -> d.audit("Sync managed device", null, null, "ManagedDevice").intuneRequired(false))));

		Operation sync = catalogue.find(SYNC).orElseThrow();

		assertThat(sync.audit().category()).isEqualTo("Other");
		assertThat(sync.intuneRequired()).isFalse();
	}

	@Test
	void ofWhenBodyLeftOutThenOneJsonObjectOfAnyPropertiesIsRequired() {
		OperationCatalogue catalogue = TestOperations.catalogue(Map.of(SYNC, sync((d) -> d.noBody())));

		BodySchema body = catalogue.find(SYNC).orElseThrow().body();

		assertThat(body.presence()).isEqualTo(BodySchema.Presence.REQUIRED);
		assertThat(body.additionalProperties()).isFalse();
		assertThat(body.properties()).isEmpty();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			// A new operation without a method
			"method| |graph-gateway.operations.intune-managed-device-sync.method must be set",
			// A path under a Graph version
			"path|/v1.0/deviceManagement/managedDevices/{id}/syncDevice|graph-gateway.operations.intune-managed-device-sync.path must leave out the Graph version (/v1.0)",
			"path|/beta/deviceManagement/managedDevices/{id}/syncDevice|graph-gateway.operations.intune-managed-device-sync.path must leave out the Graph version (/beta)",
			"path|deviceManagement/managedDevices/{id}/syncDevice|graph-gateway.operations.intune-managed-device-sync.path must be a path template",
			"path|/deviceManagement/managedDevices/{id}/|graph-gateway.operations.intune-managed-device-sync.path must be a path template",
			"path|/deviceManagement/managedDevices/syncDevice|graph-gateway.operations.intune-managed-device-sync.path must hold at least one {variable}",
			"path|/deviceManagement/managed Devices/{id}/syncDevice|graph-gateway.operations.intune-managed-device-sync.path has a segment 'managed Devices'",
			"path|/deviceManagement/managedDevices/{id}/{name}|graph-gateway.operations.intune-managed-device-sync.path-variables.name must say what {name} is",
			"path|/deviceManagement/managedDevices/{id}/x/{id}|graph-gateway.operations.intune-managed-device-sync.path-variables.id must say what {id} is, once",
			"path|/deviceManagement/managedDevices/**|graph-gateway.operations.intune-managed-device-sync.path has a segment '**'",
			"variable|[a-z|graph-gateway.operations.intune-managed-device-sync.path-variables.id must be guid, user or a regular expression",
			"permissions| |graph-gateway.operations.intune-managed-device-sync.permissions must list at least one permission",
			"permissions|Device Management|graph-gateway.operations.intune-managed-device-sync.permissions must list at least one permission",
			"activity| |graph-gateway.operations.intune-managed-device-sync.audit.activity and graph-gateway.operations.intune-managed-device-sync.audit.resource-type must be set",
			"property-type|text|graph-gateway.operations.intune-managed-device-sync.body.properties.reason must be string, boolean, integer, number, object, array or any, but was 'text'",
			"required|reason|graph-gateway.operations.intune-managed-device-sync.body.required names reason",
			"max-size|2MB|graph-gateway.operations.intune-managed-device-sync.body.max-size (2097152B) is larger than graph-gateway.request.max-body-size (1048576B)",
			"none-with-properties|reason|graph-gateway.operations.intune-managed-device-sync.body.presence is none" })
	void ofWhenDeclarationInvalidThenRefusedNamingTheKey(String key, @Nullable String value, String message) {
		OperationDeclaration invalid = sync((d) -> invalidate(d, key, value));

		assertThatIllegalArgumentException()
			.isThrownBy(() -> OperationCatalogue.of(Map.of(SYNC, invalid), APPS, DataSize.ofMegabytes(1)))
			.withMessageContaining(message);
	}

	@Test
	void ofWhenBuiltInsThenOnlyTheUserUpdateIsReadable() {
		OperationCatalogue catalogue = TestOperations.catalogue(Map.of());

		assertThat(catalogue.operations()).filteredOn((operation) -> operation.audit().readable())
			.extracting(Operation::id)
			.containsExactly(OperationCatalogue.USER_UPDATE);
	}

	@Test
	void ofWhenReadableDeclaredOnAPostThenRefusedNamingTheKey() {
		OperationDeclaration invalid = sync((d) -> d.readable(true));

		assertThatIllegalArgumentException()
			.isThrownBy(() -> OperationCatalogue.of(Map.of(SYNC, invalid), APPS, DataSize.ofMegabytes(1)))
			.withMessageContaining("graph-gateway.operations.intune-managed-device-sync.audit.readable can only be "
					+ "true for a PATCH");
	}

	@Test
	void ofWhenBuiltInUserUpdateMadeUnreadableThenNotReadable() {
		OperationCatalogue catalogue = TestOperations
			.catalogue(Map.of(OperationCatalogue.USER_UPDATE, declaration((d) -> d.readable(false))));

		assertThat(catalogue.find(OperationCatalogue.USER_UPDATE).orElseThrow().audit().readable()).isFalse();
	}

	@Test
	void ofWhenPathVariablesNameNoVariableOfThePathThenRefusedNamingTheKey() {
		OperationDeclaration invalid = sync((d) -> d.variable("deviceId", "guid"));

		assertThatIllegalArgumentException()
			.isThrownBy(() -> OperationCatalogue.of(Map.of(SYNC, invalid), APPS, DataSize.ofMegabytes(1)))
			.withMessageContaining("graph-gateway.operations.intune-managed-device-sync.path-variables.deviceId names "
					+ "no variable of /deviceManagement/managedDevices/{id}/syncDevice");
	}

	@Test
	void ofWhenAnOperationTakesTheAccessLogsReservedIdThenRefusedNamingTheKey() {
		OperationDeclaration declared = sync(UnaryOperator.identity());

		assertThatIllegalArgumentException()
			.isThrownBy(() -> OperationCatalogue.of(Map.of(OperationCatalogue.AUDIT_READ, declared), APPS,
					DataSize.ofMegabytes(1)))
			.withMessageContaining("graph-gateway.operations.audit-read is reserved");
	}

	@Test
	void ofWhenBuiltInChangedInvalidlyThenRefusedNamingTheBuiltInsKey() {
		Map<String, OperationDeclaration> declared = Map.of(OperationCatalogue.DEVICE_WIPE,
				declaration((d) -> d.maxSize(DataSize.ofMegabytes(2))));

		assertThatIllegalArgumentException()
			.isThrownBy(() -> OperationCatalogue.of(declared, APPS, DataSize.ofMegabytes(1)))
			.withMessageContaining("graph-gateway.operations.intune-managed-device-wipe.body.max-size");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/deviceManagement/managedDevices/{id}/wipe",
			"/deviceManagement/managedDevices/{deviceId}/wipe", "/devicemanagement/manageddevices/{id}/WIPE" })
	void ofWhenTwoOperationsAtTheSameMethodAndPathThenRefusedNamingBoth(String path) {
		OperationDeclaration clash = sync((d) -> d.path(path).variables(Map.of(variableOf(path), "guid")));

		assertThatIllegalArgumentException()
			.isThrownBy(() -> OperationCatalogue.of(Map.of(SYNC, clash), APPS, DataSize.ofMegabytes(1)))
			.withMessageContaining("graph-gateway.operations.intune-managed-device-sync is at POST " + path)
			.withMessageContaining("where graph-gateway.operations.intune-managed-device-wipe already is");
	}

	@Test
	void ofWhenClashingBuiltInSwitchedOffThenTheOperatorsOperationTakesItsPlace() {
		Map<String, OperationDeclaration> declared = Map.of(OperationCatalogue.DEVICE_WIPE,
				declaration((d) -> d.enabled(false)), SYNC,
				sync((d) -> d.path("/deviceManagement/managedDevices/{id}/wipe").body("optional")));

		OperationCatalogue catalogue = OperationCatalogue.of(declared, APPS, DataSize.ofMegabytes(1));

		assertThat(catalogue.match(HttpMethod.POST, path("/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe"))
			.operation()
			.id()).isEqualTo(SYNC);
	}

	/**
	 * The gateway itself refuses to start with an invalid declaration, and says which key
	 * is wrong, whether the catalogue or the binding of the properties finds it.
	 */
	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"graph-gateway.operations.intune-managed-device-sync.path=/deviceManagement/managedDevices/{id}/syncDevice|graph-gateway.operations.intune-managed-device-sync.method must be set",
			"graph-gateway.operations.intune-managed-device-wipe.path=/v1.0/deviceManagement/managedDevices/{id}/wipe|graph-gateway.operations.intune-managed-device-wipe.path must leave out the Graph version",
			"graph-gateway.operations.intune-managed-device-wipe.body.presence=sometimes|graph-gateway.operations.intune-managed-device-wipe.body.presence must be required, optional or none" })
	void startWhenDeclarationInvalidThenGatewayDoesNotStartAndSaysWhichKey(String declaration, String message) {
		SpringApplicationBuilder gateway = new SpringApplicationBuilder(GraphPolicyGatewayApplication.class)
			.properties("server.port=0", "management.server.port=0", "graph-gateway.upstream.auth=passthrough")
			.listeners(this.logs);

		assertThatException().isThrownBy(() -> gateway.run("--" + declaration).close())
			.satisfies((ex) -> assertThat(causeMessages(ex)).contains(message));
		assertThat(String.join("\n", this.logs.errors())).contains(message);
	}

	private static String causeMessages(Throwable ex) {
		StringBuilder messages = new StringBuilder();
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			messages.append(cause.getMessage()).append('\n');
		}
		return messages.toString();
	}

	private static String variableOf(String path) {
		return path.substring(path.indexOf('{') + 1, path.indexOf('}'));
	}

	private static Declaration invalidate(Declaration declaration, String key, @Nullable String value) {
		return switch (key) {
			case "method" -> declaration.method(value);
			case "path" -> declaration.path(value);
			case "variable" -> declaration.variable("id", value);
			case "permissions" -> (value != null) ? declaration.permissions(value) : declaration.permissions();
			case "activity" -> declaration.audit(value, "Device", null, "ManagedDevice");
			case "property-type" -> declaration.body("optional").properties(Map.of("reason", value));
			case "required" -> declaration.body("optional").required(value);
			case "max-size" -> declaration.maxSize(DataSize.parse(value));
			case "none-with-properties" -> declaration.properties(Map.of(value, "string"));
			default -> throw new IllegalArgumentException(key);
		};
	}

	private static Operation builtIn(String id) {
		return TestOperations.builtIn(id);
	}

	private static PathContainer path(String path) {
		return PathContainer.parsePath(path);
	}

	/** The operator's "sync a managed device" declaration, changed by {@code change}. */
	static OperationDeclaration sync(UnaryOperator<Declaration> change) {
		return declaration((d) -> change.apply(d.method("POST")
			.path("/deviceManagement/managedDevices/{id}/syncDevice")
			.variable("id", "guid")
			.permissions(PRIVILEGED)
			.body("none")
			.audit("Sync managed device", "Device", null, "ManagedDevice")));
	}

	static OperationDeclaration declaration(UnaryOperator<Declaration> change) {
		return change.apply(new Declaration()).build();
	}

	/**
	 * A {@code graph-gateway.operations.<id>} entry under construction: every key unset
	 * (null) until a test sets it.
	 */
	static final class Declaration {

		private @Nullable Boolean enabled;

		private @Nullable String method;

		private @Nullable String path;

		private @Nullable Map<String, String> variables;

		private @Nullable List<String> permissions;

		private @Nullable Boolean intuneRequired;

		private boolean hasBody;

		private @Nullable String presence;

		private @Nullable Map<String, String> properties;

		private @Nullable List<String> required;

		private @Nullable DataSize maxSize;

		private OperationDeclaration.@Nullable Audit audit;

		private @Nullable List<String> redact;

		private @Nullable Boolean readable;

		Declaration enabled(boolean enabled) {
			this.enabled = enabled;
			return this;
		}

		Declaration method(@Nullable String method) {
			this.method = method;
			return this;
		}

		Declaration path(@Nullable String path) {
			this.path = path;
			return this;
		}

		Declaration variable(String name, @Nullable String pattern) {
			Map<String, String> variables = (this.variables != null) ? new LinkedHashMap<>(this.variables)
					: new LinkedHashMap<>();
			variables.put(name, pattern);
			this.variables = variables;
			return this;
		}

		Declaration variables(Map<String, String> variables) {
			this.variables = variables;
			return this;
		}

		Declaration permissions(String... permissions) {
			this.permissions = List.of(permissions);
			return this;
		}

		Declaration intuneRequired(boolean required) {
			this.intuneRequired = required;
			return this;
		}

		Declaration body(String presence) {
			this.hasBody = true;
			this.presence = presence;
			return this;
		}

		Declaration noBody() {
			this.hasBody = false;
			this.presence = null;
			return this;
		}

		Declaration properties(Map<String, String> properties) {
			this.hasBody = true;
			this.properties = properties;
			return this;
		}

		Declaration required(String... required) {
			this.hasBody = true;
			this.required = new ArrayList<>(List.of(required));
			return this;
		}

		Declaration maxSize(DataSize maxSize) {
			this.hasBody = true;
			this.maxSize = maxSize;
			return this;
		}

		Declaration audit(@Nullable String activity, @Nullable String category, @Nullable String operationType,
				@Nullable String resourceType) {
			this.audit = new OperationDeclaration.Audit(activity, category, operationType, resourceType, null);
			return this;
		}

		Declaration redact(String... properties) {
			this.redact = List.of(properties);
			return this;
		}

		Declaration readable(boolean readable) {
			this.readable = readable;
			return this;
		}

		OperationDeclaration build() {
			OperationDeclaration.Audit audit = this.audit;
			if (this.redact != null || this.readable != null) {
				audit = (audit != null)
						? new OperationDeclaration.Audit(audit.activity(), audit.category(), audit.operationType(),
								audit.resourceType(), (this.redact != null) ? this.redact : audit.redact(),
								this.readable)
						: new OperationDeclaration.Audit(null, null, null, null, this.redact, this.readable);
			}
			OperationDeclaration.Body body = this.hasBody ? new OperationDeclaration.Body(this.presence,
					this.properties, this.required, null, this.maxSize, null) : null;
			return new OperationDeclaration(this.enabled, this.method, this.path, this.variables, this.permissions,
					this.intuneRequired, body, audit);
		}

	}

}
