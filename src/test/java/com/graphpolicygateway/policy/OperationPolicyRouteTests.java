package com.graphpolicygateway.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubbedGateway;

import static com.graphpolicygateway.policy.TestPolicies.policy;
import static com.graphpolicygateway.policy.TestPolicies.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The tenant policy per operation, on the whole route: the operations a tenant may call,
 * protected devices and users for the operations on them, freezes that name operations,
 * allowed properties that concern the user update only, and the what-if API asked about
 * an operation. Every refusal in Graph's shape, never forwarded, audited with its reason
 * under the operation called.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class OperationPolicyRouteTests {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String DEVICE_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

	static final String OTHER_DEVICE_ID = "5c6d7e8f-1a2b-4c3d-9e8f-0a1b2c3d4e5f";

	static final String APPS = "DeviceManagementApps.ReadWrite.All";

	static final String PRIVILEGED = "DeviceManagementManagedDevices.PrivilegedOperations.All";

	static final String ADMIN_PERMISSION = "GraphGateway.Policy.Evaluate";

	/** May call the user update only. */
	static final String USER_UPDATE_ONLY_TENANT = "20000000-0000-4000-8000-000000000001";

	/** Protects {@link #DEVICE_ID} and the user {@link #USER_ID}. */
	static final String PROTECTING_TENANT = "20000000-0000-4000-8000-000000000002";

	/** Freezes the device wipe, and only it. */
	static final String WIPE_FREEZE_TENANT = "20000000-0000-4000-8000-000000000003";

	/** Allows the user update to change jobTitle only. */
	static final String PROPERTIES_TENANT = "20000000-0000-4000-8000-000000000004";

	/** Limits wipes to 5 an hour, report-only. */
	static final String LIMITED_TENANT = "20000000-0000-4000-8000-000000000005";

	/** Allows one call an hour of each operation. */
	static final String ONE_OF_EACH_TENANT = "20000000-0000-4000-8000-000000000006";

	static final TestPolicies.Builder POLICY = policy().defaults((rules) -> rules.license("active"))
		.tenant(tenant(USER_UPDATE_ONLY_TENANT).operations(OperationCatalogue.USER_UPDATE))
		.tenant(tenant(PROTECTING_TENANT).protectedDevices(DEVICE_ID).protectedUsers(USER_ID))
		.tenant(tenant(WIPE_FREEZE_TENANT).onceFreeze("fleet migration", "2000-01-01T00:00", "2999-01-01T00:00", "UTC",
				List.of(OperationCatalogue.DEVICE_WIPE)))
		.tenant(tenant(PROPERTIES_TENANT).allowedProperties("jobTitle"))
		.tenant(tenant(LIMITED_TENANT).operationLimit(OperationCatalogue.DEVICE_WIPE, 5, "PT1H")
			.ruleMode(Rule.OPERATION_LIMIT, "report-only"))
		.tenant(tenant(ONE_OF_EACH_TENANT).operationLimit(OperationCatalogue.USER_UPDATE, 1, "PT1H")
			.operationLimit(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG, 1, "PT1H")
			.operationLimit(OperationCatalogue.DEVICE_WIPE, 1, "PT1H")
			.operationLimit(OperationCatalogue.DEVICE_RETIRE, 1, "PT1H"));

	static final Path POLICY_FILE = writePolicy();

	static final StubGraph graph = StubGraph.start();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	@Autowired
	JdbcTemplate jdbc;

	@LocalServerPort
	int port;

	WebTestClient client;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		StubbedGateway.register(registry, graph, identityProvider, POLICY_FILE);
	}

	@BeforeEach
	void resetStubsAndClient() {
		graph.reset();
		this.client = StubbedGateway.client(this.port);
	}

	@ParameterizedTest
	@EnumSource(value = Call.class, names = "USER_UPDATE", mode = EnumSource.Mode.EXCLUDE)
	void callWhenOperationNotAmongTheTenantsOperationsThenOperationNotAllowedAndAudited(Call call) {
		String clientRequestId = UUID.randomUUID().toString();

		send(call, USER_UPDATE_ONLY_TENANT, clientRequestId).expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("OperationNotAllowed")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(call.operation));

		assertThat(graph.received()).isEmpty();
		assertThat(auditEventOf(clientRequestId)).containsEntry("operation", call.operation)
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "operation_not_allowed");
	}

	@Test
	void userUpdateWhenTheTenantsOperationsHoldItThenForwarded() {
		send(Call.USER_UPDATE, USER_UPDATE_ONLY_TENANT, UUID.randomUUID().toString()).expectStatus().isNoContent();

		assertThat(graph.onlyRequest().uri().getPath()).isEqualTo("/v1.0/users/" + USER_ID);
	}

	@ParameterizedTest
	@EnumSource(value = Call.class, names = { "DEVICE_WIPE", "DEVICE_RETIRE" })
	void deviceCallWhenDeviceProtectedThenTargetDeviceProtectedAndAudited(Call call) {
		String clientRequestId = UUID.randomUUID().toString();

		send(call, PROTECTING_TENANT, clientRequestId).expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TargetDeviceProtected")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(DEVICE_ID));

		assertThat(graph.received()).isEmpty();
		assertThat(auditEventOf(clientRequestId)).containsEntry("operation", call.operation)
			.containsEntry("resource_type", "ManagedDevice")
			.containsEntry("target_user_id", DEVICE_ID)
			.containsEntry("reason", "target_protected");
	}

	/**
	 * A protected device is the same device however its id is written: in upper case,
	 * percent-encoded, under a Graph version.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "/deviceManagement/managedDevices/0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0/wipe",
			"/deviceManagement/managedDevices/%30f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0/wipe",
			"/beta/deviceManagement/managedDevices/0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f%30/retire",
			"/v1.0/deviceManagement/managedDevices/0f1e2d3c%2D4b5a-4968-8776-a5b4c3d2e1f0/wipe" })
	void deviceCallWhenProtectedDeviceWrittenOtherwiseThenStillTargetDeviceProtected(String path) {
		Call call = path.endsWith("/retire") ? Call.DEVICE_RETIRE : Call.DEVICE_WIPE;

		sendTo(call, URI.create("http://127.0.0.1:" + this.port + path), PROTECTING_TENANT,
				UUID.randomUUID().toString())
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TargetDeviceProtected");

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void deviceWipeWhenAnotherDeviceIsProtectedThenForwarded() {
		sendTo(Call.DEVICE_WIPE, Call.DEVICE_WIPE.path.replace(DEVICE_ID, OTHER_DEVICE_ID), PROTECTING_TENANT,
				UUID.randomUUID().toString())
			.expectStatus()
			.isNoContent();

		assertThat(graph.onlyRequest().uri().getPath())
			.isEqualTo("/v1.0/deviceManagement/managedDevices/" + OTHER_DEVICE_ID + "/wipe");
	}

	@ParameterizedTest
	@EnumSource(value = Call.class, names = { "USER_UPDATE", "USER_WIPE_BY_DEVICE_TAG" })
	void userCallWhenUserProtectedThenTargetUserProtected(Call call) {
		String clientRequestId = UUID.randomUUID().toString();

		send(call, PROTECTING_TENANT, clientRequestId).expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TargetUserProtected");

		assertThat(graph.received()).isEmpty();
		assertThat(auditEventOf(clientRequestId)).containsEntry("operation", call.operation)
			.containsEntry("resource_type", "User")
			.containsEntry("reason", "target_protected");
	}

	@Test
	void deviceWipeWhenAFreezeNamesItThenChangeFreezeInEffect() {
		send(Call.DEVICE_WIPE, WIPE_FREEZE_TENANT, UUID.randomUUID().toString()).expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("ChangeFreezeInEffect")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("fleet migration"));

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(value = Call.class, names = "DEVICE_WIPE", mode = EnumSource.Mode.EXCLUDE)
	void callWhenTheFreezeNamesAnotherOperationThenForwarded(Call call) {
		send(call, WIPE_FREEZE_TENANT, UUID.randomUUID().toString()).expectStatus().isNoContent();

		assertThat(graph.received()).hasSize(1);
	}

	@Test
	void deviceWipeWhenTenantAllowsSomeUserPropertiesThenItsBodyIsNotHeldToThem() {
		send(Call.DEVICE_WIPE, PROPERTIES_TENANT, UUID.randomUUID().toString()).expectStatus().isNoContent();

		assertThat(graph.received()).hasSize(1);
	}

	@Test
	void userUpdateWhenTenantAllowsSomeUserPropertiesThenStillHeldToThem() {
		send(Call.USER_UPDATE, PROPERTIES_TENANT, UUID.randomUUID().toString()).expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("PropertyNotAllowed");
	}

	@ParameterizedTest
	@EnumSource(Call.class)
	void callWhenTheOperationsLimitIsReachedThenOperationLimitExceededAndAudited(Call call) {
		send(call, ONE_OF_EACH_TENANT, UUID.randomUUID().toString()).expectStatus().isNoContent();
		String clientRequestId = UUID.randomUUID().toString();

		send(call, ONE_OF_EACH_TENANT, clientRequestId).expectStatus()
			.isForbidden()
			.expectHeader()
			.exists(HttpHeaders.RETRY_AFTER)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("OperationLimitExceeded")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(call.operation));

		assertThat(graph.received()).hasSize(1);
		assertThat(auditEventOf(clientRequestId)).containsEntry("operation", call.operation)
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "operation_limit");
	}

	@Test
	void whatIfWhenOperationIsAProtectedDevicesWipeThenRefusedNamingTheOperationAndItsLimit() {
		whatIf(Map.of("tenantId", PROTECTING_TENANT, "operation", OperationCatalogue.DEVICE_WIPE, "target", DEVICE_ID))
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.decision")
			.isEqualTo("refuse")
			.jsonPath("$.errorCode")
			.isEqualTo("TargetDeviceProtected")
			.jsonPath("$.operation")
			.isEqualTo(OperationCatalogue.DEVICE_WIPE);

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void whatIfWhenTheTenantLimitsTheOperationThenTheAnswerShowsTheLimit() {
		whatIf(Map.of("tenantId", LIMITED_TENANT, "operation", OperationCatalogue.DEVICE_WIPE, "target",
				OTHER_DEVICE_ID))
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.decision")
			.isEqualTo("allow")
			.jsonPath("$.operationLimit.max")
			.isEqualTo(5)
			.jsonPath("$.operationLimit.per")
			.isEqualTo("PT1H")
			.jsonPath("$.operationLimit.reportOnly")
			.isEqualTo(true);
	}

	@Test
	void whatIfWhenNoOperationGivenThenTheUserUpdateIsDecided() {
		whatIf(Map.of("tenantId", USER_UPDATE_ONLY_TENANT, "targetUserId", USER_ID)).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.decision")
			.isEqualTo("allow")
			.jsonPath("$.operation")
			.isEqualTo(OperationCatalogue.USER_UPDATE);
	}

	@ParameterizedTest
	@ValueSource(strings = {
			"{\"tenantId\":\"" + PROTECTING_TENANT + "\",\"operation\":\"intune-device-erase\"," + "\"target\":\""
					+ DEVICE_ID + "\"}",
			"{\"tenantId\":\"" + PROTECTING_TENANT + "\",\"operation\":\"intune-managed-device-wipe\","
					+ "\"target\":\"not-a-guid\"}",
			"{\"tenantId\":\"" + PROTECTING_TENANT + "\",\"operation\":\"intune-managed-device-retire\"}" })
	void whatIfWhenOperationUnknownOrTargetNotItsIdThenBadRequest(String body) {
		this.client.post()
			.uri("/policy/what-if")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.token().scopes(ADMIN_PERMISSION).build())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalidRequest")
			.jsonPath("$.error.message")
			.isNotEmpty();
	}

	private WebTestClient.ResponseSpec whatIf(Map<String, String> body) {
		return this.client.post()
			.uri("/policy/what-if")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.token().scopes(ADMIN_PERMISSION).build())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

	private WebTestClient.ResponseSpec send(Call call, String tenantId, String clientRequestId) {
		return sendTo(call, call.path, tenantId, clientRequestId);
	}

	private WebTestClient.ResponseSpec sendTo(Call call, String path, String tenantId, String clientRequestId) {
		return sendTo(call, URI.create("http://127.0.0.1:" + this.port + path), tenantId, clientRequestId);
	}

	private WebTestClient.ResponseSpec sendTo(Call call, URI uri, String tenantId, String clientRequestId) {
		String token = identityProvider.token()
			.tenant(tenantId)
			.issuer(identityProvider.issuerV2(tenantId))
			.claim("azp", TestPolicyRequests.APPLICATION)
			.scopes(call.permission)
			.build();
		return this.client.method(call.method)
			.uri(uri)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(call.body)
			.exchange();
	}

	private Map<String, Object> auditEventOf(String clientRequestId) {
		return await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> rows.size() == 1 && !"pending".equals(rows.get(0).get("activity_result")))
			.get(0);
	}

	private static Path writePolicy() {
		try {
			Path file = Files.createTempFile("operation-policy-route-tests-", ".yml");
			file.toFile().deleteOnExit();
			return POLICY.writeTo(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** A call of each built-in operation, with a body it takes. */
	enum Call {

		USER_UPDATE(OperationCatalogue.USER_UPDATE, HttpMethod.PATCH, "/users/" + USER_ID, APPS,
				"{\"displayName\":\"Adele Vance\"}"),

		USER_WIPE_BY_DEVICE_TAG(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG, HttpMethod.POST,
				"/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag", APPS,
				"{\"deviceTag\":\"android-work-profile\"}"),

		DEVICE_WIPE(OperationCatalogue.DEVICE_WIPE, HttpMethod.POST,
				"/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe", PRIVILEGED, "{\"keepUserData\":true}"),

		DEVICE_RETIRE(OperationCatalogue.DEVICE_RETIRE, HttpMethod.POST,
				"/deviceManagement/managedDevices/" + DEVICE_ID + "/retire", PRIVILEGED, "{}");

		final String operation;

		final HttpMethod method;

		final String path;

		final String permission;

		final String body;

		Call(String operation, HttpMethod method, String path, String permission, String body) {
			this.operation = operation;
			this.method = method;
			this.path = path;
			this.permission = permission;
			this.body = body;
		}

	}

}
