package com.graphpolicygateway.routing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

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
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.test.StubGraph.Received;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubbedGateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operations catalogue end to end: each built-in Intune operation through the whole
 * request chain against a stub Graph (forwarded to its Graph path with its exact body,
 * refused for the wrong permission, method, body, id or license, a sub-path not routed),
 * an operator's own operation declared in configuration only, a built-in one switched
 * off, and the audit event of a device wipe.
 * <p>
 * Mirrors {@link com.graphpolicygateway.test.GatewayIntegrationTest} rather than
 * extending it, as {@code PolicyRouteTests} does: the base class's allow-all policy would
 * replace this class's policy, which has an unlicensed tenant.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class OperationCatalogueRouteTests {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String DEVICE_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

	static final String APPS = "DeviceManagementApps.ReadWrite.All";

	static final String PRIVILEGED = "DeviceManagementManagedDevices.PrivilegedOperations.All";

	static final String LICENSED_TENANT = StubIdentityProvider.TENANT;

	static final String UNLICENSED_TENANT = "10000000-0000-4000-8000-0000000000c1";

	/** The operator's own operation, declared in {@link #gatewayProperties}. */
	static final String SYNC = "intune-managed-device-sync";

	static final String SYNC_PATH = "/deviceManagement/managedDevices/" + DEVICE_ID + "/syncDevice";

	static final Path POLICY_FILE = writePolicy("""
			# Every tenant allowed and licensed, but one; limits no test reaches.
			defaults:
			  unknown-tenants: allow
			  license: active
			  rate-limits:
			    tenant:
			      capacity: 100000
			      refill-per-second: 100000
			    caller:
			      capacity: 100000
			      refill-per-second: 100000
			tenants:
			  - id: %s
			    name: Tenant without Intune
			    license: inactive
			""".formatted(UNLICENSED_TENANT));

	static final StubGraph graph = StubGraph.start();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Autowired
	JdbcTemplate jdbc;

	@LocalServerPort
	int port;

	WebTestClient client;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		StubbedGateway.register(registry, graph, identityProvider, POLICY_FILE);
		// The worked example of docs/operations.md: an operation of the operator's own,
		// without code.
		String sync = "graph-gateway.operations." + SYNC + ".";
		registry.add(sync + "method", () -> "POST");
		registry.add(sync + "path", () -> "/deviceManagement/managedDevices/{id}/syncDevice");
		registry.add(sync + "path-variables.id", () -> "guid");
		registry.add(sync + "permissions[0]", () -> PRIVILEGED);
		registry.add(sync + "body.presence", () -> "none");
		registry.add(sync + "audit.activity", () -> "Sync managed device");
		registry.add(sync + "audit.category", () -> "Device");
		registry.add(sync + "audit.resource-type", () -> "ManagedDevice");
	}

	@BeforeEach
	void resetStubsAndClient() {
		graph.reset();
		this.client = StubbedGateway.client(this.port);
	}

	static Stream<Arguments> everyBuiltInUnderEveryVersion() {
		return Stream.of(BuiltIn.values())
			.flatMap((call) -> Stream.of("", "/v1.0", "/beta").map((version) -> Arguments.of(call, version)));
	}

	@ParameterizedTest
	@MethodSource("everyBuiltInUnderEveryVersion")
	void callWhenAllowedThenForwardedToItsGraphPathWithTheExactBodyAndGraphsNoContentRelayed(BuiltIn call,
			String version) {
		String graphRequestId = UUID.randomUUID().toString();
		graph.willAnswer(new Answer(204, Map.of("request-id", graphRequestId), new byte[0]));

		send(call.method, version + call.path, tokenHolding(call.permission)).contentType(MediaType.APPLICATION_JSON)
			.bodyValue(call.body)
			.exchange()
			.expectStatus()
			.isNoContent()
			.expectHeader()
			.valueEquals("request-id", graphRequestId)
			.expectBody()
			.isEmpty();

		Received received = graph.onlyRequest();
		assertThat(received.method()).isEqualTo(call.method.name());
		assertThat(received.uri().getRawPath()).isEqualTo((version.isEmpty() ? "/v1.0" : version) + call.path);
		assertThat(received.body()).isEqualTo(call.body.getBytes(StandardCharsets.UTF_8));
		assertThat(MediaType.parseMediaType(received.headers().getFirst(HttpHeaders.CONTENT_TYPE)))
			.isEqualTo(MediaType.APPLICATION_JSON);
	}

	@ParameterizedTest
	@EnumSource(BuiltIn.class)
	void callWhenApplicationTokenHoldsThePermissionAsRoleThenForwarded(BuiltIn call) {
		String token = identityProvider.token().roles(call.permission).build();

		send(call.method, call.path, token).contentType(MediaType.APPLICATION_JSON)
			.bodyValue(call.body)
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(graph.onlyRequest().uri().getRawPath()).isEqualTo("/v1.0" + call.path);
	}

	@ParameterizedTest
	@EnumSource(BuiltIn.class)
	void callWhenTokenHoldsOnlyTheOtherOperationsPermissionThenForbiddenNamingItsOwn(BuiltIn call) {
		String other = APPS.equals(call.permission) ? PRIVILEGED : APPS;

		send(call.method, call.path, tokenHolding(other + " User.Read")).contentType(MediaType.APPLICATION_JSON)
			.bodyValue(call.body)
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE,
					(challenge) -> assertThat(challenge).startsWith("Bearer ")
						.contains("error=\"insufficient_scope\"")
						.contains("scope=\"" + call.permission + "\""))
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("Authorization_RequestDenied")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(call.permission).doesNotContain(other));

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(BuiltIn.class)
	void callWhenTenantNotLicensedForIntuneThenTenantNotLicensedAndNothingForwarded(BuiltIn call) {
		String token = identityProvider.token()
			.tenant(UNLICENSED_TENANT)
			.issuer(identityProvider.issuerV2(UNLICENSED_TENANT))
			.scopes(call.permission)
			.build();

		send(call.method, call.path, token).contentType(MediaType.APPLICATION_JSON)
			.bodyValue(call.body)
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TenantNotLicensed");

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "GET|/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag|POST",
			"PATCH|/v1.0/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag|POST",
			"GET|/users/" + USER_ID + "|PATCH", "POST|/beta/users/" + USER_ID + "|PATCH",
			"DELETE|/users/adele.vance@contoso.example|PATCH",
			"GET|/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe|POST",
			"PATCH|/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe|POST",
			"PUT|/beta/deviceManagement/managedDevices/" + DEVICE_ID + "/retire|POST",
			"DELETE|/deviceManagement/managedDevices/" + DEVICE_ID + "/retire|POST", "GET|" + SYNC_PATH + "|POST" })
	void otherMethodOnAnOperationsPathThenMethodNotAllowedListingTheDeclaredMethods(String method, String path,
			String allowed) {
		send(HttpMethod.valueOf(method), path, tokenHolding(APPS + " " + PRIVILEGED)).exchange()
			.expectStatus()
			.isEqualTo(405)
			.expectHeader()
			.valueEquals(HttpHeaders.ALLOW, allowed)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("methodNotAllowed");

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '`', value = {
			// The device-tag wipe takes its tag, and nothing else
			"USER_WIPE_BY_DEVICE_TAG|{}|'deviceTag'",
			"USER_WIPE_BY_DEVICE_TAG|{\"deviceTag\":\"t\",\"keepUserData\":true}|'keepUserData'",
			"USER_WIPE_BY_DEVICE_TAG|{\"deviceTag\":5}|'deviceTag' must be a string",
			"USER_WIPE_BY_DEVICE_TAG|{\"deviceTag\":null}|'deviceTag' must be a string",
			"USER_WIPE_BY_DEVICE_TAG|[\"t\"]|one JSON object",
			"USER_WIPE_BY_DEVICE_TAG|{\"deviceTag\":\"t\",\"deviceTag\":\"u\"}|names a property twice",
			// The device wipe: its four properties, of their types
			"DEVICE_WIPE|{\"keepUserData\":\"yes\"}|'keepUserData' must be a boolean",
			"DEVICE_WIPE|{\"keepEnrollmentData\":1}|'keepEnrollmentData' must be a boolean",
			"DEVICE_WIPE|{\"macOsUnlockCode\":123456}|'macOsUnlockCode' must be a string",
			"DEVICE_WIPE|{\"keepUserData\":true,\"wipeEverything\":true}|'wipeEverything'",
			"DEVICE_WIPE|{\"keepUserData\":true}{}|nothing after it", "DEVICE_WIPE|true|one JSON object",
			// The retire: no body, or {}
			"DEVICE_RETIRE|{\"keepUserData\":true}|takes no request body", "DEVICE_RETIRE|[]|takes no request body",
			"DEVICE_RETIRE|null|takes no request body",
			// The seed keeps its rules
			"USER_UPDATE|{\"@odata.type\":\"#microsoft.graph.group\"}|#microsoft.graph.user" })
	void callWhenBodyBreaksTheOperationsSchemaThenBadRequestAndNothingForwarded(BuiltIn call, String body,
			String reason) {
		send(call.method, call.path, tokenHolding(call.permission)).contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalidRequest")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(reason));

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void deviceTagWipeWhenEmptyJsonBodyThenBadRequestForTheBodyIsRequired() {
		send(HttpMethod.POST, BuiltIn.USER_WIPE_BY_DEVICE_TAG.path, tokenHolding(APPS))
			.contentType(MediaType.APPLICATION_JSON)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalidRequest");

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "not-a-guid", "adele.vance@contoso.example", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0x",
			"0f1e2d3c-4b5a-4968-8776", "%7B0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0%7D", "%2e%2e" })
	void deviceCallWhenDeviceIdIsNotAGuidThenBadRequestAndNothingForwarded(String id) {
		for (String action : List.of("wipe", "retire", "syncDevice")) {
			send(HttpMethod.POST, "/deviceManagement/managedDevices/" + id + "/" + action, tokenHolding(PRIVILEGED))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{}")
				.exchange()
				.expectStatus()
				.isBadRequest()
				.expectBody()
				.jsonPath("$.error.code")
				.isEqualTo("invalidRequest");
		}

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe/x",
			"/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/retire/x",
			"/beta/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe/",
			"/deviceManagement/managedDevices/" + DEVICE_ID, "/deviceManagement/managedDevices/" + DEVICE_ID + "/Wipe",
			"/deviceManagement/managedDevices/" + DEVICE_ID + "/rebootNow",
			"/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag/x",
			"/users/" + USER_ID + "/wipeManagedAppRegistrationByDeviceTag", SYNC_PATH + "/x" })
	void postWhenSubPathOrNeighbourOfAnOperationThenNotFoundAndNothingForwarded(String path) {
		send(HttpMethod.POST, path, tokenHolding(APPS + " " + PRIVILEGED)).contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("itemNotFound");

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(value = BuiltIn.class, names = { "DEVICE_WIPE", "DEVICE_RETIRE" })
	void deviceCallWhenNoBodyAndNoContentTypeThenForwardedWithoutEither(BuiltIn call) {
		send(call.method, call.path, tokenHolding(PRIVILEGED)).exchange().expectStatus().isNoContent();

		Received received = graph.onlyRequest();
		assertThat(received.uri().getRawPath()).isEqualTo("/v1.0" + call.path);
		assertThat(received.body()).isEmpty();
		assertThat(received.headers().getFirst(HttpHeaders.CONTENT_TYPE)).isNull();
	}

	@Test
	void retireWhenEmptyJsonObjectThenForwardedAsSent() {
		send(HttpMethod.POST, BuiltIn.DEVICE_RETIRE.path, tokenHolding(PRIVILEGED))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{ }")
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(graph.onlyRequest().bodyText()).isEqualTo("{ }");
	}

	@Test
	void deviceTagWipeWhenNoBodyAndNoContentTypeThenUnsupportedMediaTypeForItsBodyIsRequired() {
		send(HttpMethod.POST, BuiltIn.USER_WIPE_BY_DEVICE_TAG.path, tokenHolding(APPS)).exchange()
			.expectStatus()
			.isEqualTo(415)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("unsupportedMediaType");

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void deviceWipeWhenAllowedThenAuditedAsWipeManagedDeviceOfTheDeviceWithTheUnlockCodeRedacted() {
		String clientRequestId = UUID.randomUUID().toString();

		send(HttpMethod.POST, BuiltIn.DEVICE_WIPE.path, tokenHolding(PRIVILEGED))
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BuiltIn.DEVICE_WIPE.body)
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(graph.onlyRequest().bodyText()).contains("\"macOsUnlockCode\":\"123456\"");
		Map<String, Object> event = auditEventOf(clientRequestId);
		assertThat(event).containsEntry("activity", "Wipe managed device")
			.containsEntry("activity_operation_type", "Action")
			.containsEntry("category", "Device")
			.containsEntry("activity_result", "success")
			.containsEntry("reason", "allowed")
			.containsEntry("upstream_status", 204)
			.containsEntry("target_user_id", DEVICE_ID)
			.containsEntry("actor_permissions", PRIVILEGED);
		assertThat(modifiedProperties(event)).containsExactly(Map.of("keepEnrollmentData", "false"),
				Map.of("keepUserData", "true"), Map.of("persistEsimDataPlan", "true"),
				Map.of("macOsUnlockCode", "[redacted]"));
		assertThat(String.valueOf(event.get("modified_properties"))).doesNotContain("123456");
	}

	@Test
	void deviceTagWipeWhenAllowedThenAuditedAsWipeManagedAppsOfTheUserWithTheTag() {
		String clientRequestId = UUID.randomUUID().toString();

		send(HttpMethod.POST, BuiltIn.USER_WIPE_BY_DEVICE_TAG.path, tokenHolding(APPS))
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BuiltIn.USER_WIPE_BY_DEVICE_TAG.body)
			.exchange()
			.expectStatus()
			.isNoContent();

		Map<String, Object> event = auditEventOf(clientRequestId);
		assertThat(event).containsEntry("activity", "Wipe managed apps by device tag")
			.containsEntry("activity_operation_type", "Action")
			.containsEntry("category", "Application")
			.containsEntry("target_user_id", USER_ID)
			.containsEntry("upstream_status", 204);
		assertThat(modifiedProperties(event)).containsExactly(Map.of("deviceTag", "android-work-profile"));
	}

	@Test
	void retireWhenRefusedForItsBodyThenAuditedAsRefusedRetireOfTheDevice() {
		String clientRequestId = UUID.randomUUID().toString();

		send(HttpMethod.POST, BuiltIn.DEVICE_RETIRE.path, tokenHolding(PRIVILEGED))
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"keepUserData\":true}")
			.exchange()
			.expectStatus()
			.isBadRequest();

		assertThat(auditEventOf(clientRequestId)).containsEntry("activity", "Retire managed device")
			.containsEntry("activity_result", "refused")
			.containsEntry("target_user_id", DEVICE_ID)
			.containsEntry("upstream_status", null);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "/v1.0", "/beta" })
	void operatorsOperationWhenAllowedThenForwardedToItsGraphPath(String version) {
		send(HttpMethod.POST, version + SYNC_PATH, tokenHolding(PRIVILEGED)).exchange().expectStatus().isNoContent();

		Received received = graph.onlyRequest();
		assertThat(received.method()).isEqualTo("POST");
		assertThat(received.uri().getRawPath()).isEqualTo((version.isEmpty() ? "/v1.0" : version) + SYNC_PATH);
		assertThat(received.body()).isEmpty();
	}

	@Test
	void operatorsOperationWhenAllowedThenAuditedWithItsDeclaredNames() {
		String clientRequestId = UUID.randomUUID().toString();

		send(HttpMethod.POST, SYNC_PATH, tokenHolding(PRIVILEGED)).header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(graph.onlyRequest().bodyText()).isEqualTo("{}");
		assertThat(auditEventOf(clientRequestId)).containsEntry("activity", "Sync managed device")
			.containsEntry("activity_operation_type", "Action")
			.containsEntry("category", "Device")
			.containsEntry("activity_result", "success")
			.containsEntry("target_user_id", DEVICE_ID);
	}

	@Test
	void operatorsOperationWhenTokenLacksItsPermissionThenForbiddenNamingIt() {
		send(HttpMethod.POST, SYNC_PATH, tokenHolding(APPS)).exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE,
					(challenge) -> assertThat(challenge).contains("insufficient_scope")
						.contains("scope=\"" + PRIVILEGED + "\""))
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("Authorization_RequestDenied");

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void operatorsOperationWhenBodyHoldsAPropertyThenBadRequestForItTakesNone() {
		send(HttpMethod.POST, SYNC_PATH, tokenHolding(PRIVILEGED)).contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"force\":true}")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("takes no request body"));

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void operatorsOperationWhenTenantNotLicensedThenTenantNotLicensed() {
		String token = identityProvider.token()
			.tenant(UNLICENSED_TENANT)
			.issuer(identityProvider.issuerV2(UNLICENSED_TENANT))
			.scopes(PRIVILEGED)
			.build();

		send(HttpMethod.POST, SYNC_PATH, token).exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TenantNotLicensed");

		assertThat(graph.received()).isEmpty();
	}

	/**
	 * A built-in operation the operator switched off is not routed: its path answers as
	 * any path no operation declares, while the others keep working.
	 */
	@Nested
	@TestPropertySource(properties = "graph-gateway.operations.intune-managed-device-retire.enabled=false")
	class WhenRetireSwitchedOff {

		@LocalServerPort
		int port;

		@ParameterizedTest
		@ValueSource(strings = { "", "/v1.0", "/beta" })
		void retireThenNotFoundAndNothingForwarded(String version) {
			client().post()
				.uri(URI.create("http://127.0.0.1:" + this.port + version + BuiltIn.DEVICE_RETIRE.path))
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + tokenHolding(PRIVILEGED))
				.exchange()
				.expectStatus()
				.isNotFound()
				.expectBody()
				.jsonPath("$.error.code")
				.isEqualTo("itemNotFound");

			assertThat(graph.received()).isEmpty();
		}

		@Test
		void otherMethodOnRetiresPathThenNotFoundForNoMethodIsDeclaredThere() {
			client().get()
				.uri(URI.create("http://127.0.0.1:" + this.port + BuiltIn.DEVICE_RETIRE.path))
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + tokenHolding(PRIVILEGED))
				.exchange()
				.expectStatus()
				.isNotFound();
		}

		@Test
		void wipeThenStillForwarded() {
			client().post()
				.uri(URI.create("http://127.0.0.1:" + this.port + BuiltIn.DEVICE_WIPE.path))
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + tokenHolding(PRIVILEGED))
				.exchange()
				.expectStatus()
				.isNoContent();

			assertThat(graph.onlyRequest().uri().getRawPath()).isEqualTo("/v1.0" + BuiltIn.DEVICE_WIPE.path);
		}

		private WebTestClient client() {
			return WebTestClient.bindToServer().responseTimeout(Duration.ofSeconds(30)).build();
		}

	}

	/** A request to {@code path} exactly as written (no encoding added). */
	private WebTestClient.RequestBodySpec send(HttpMethod method, String path, String token) {
		return this.client.method(method)
			.uri(URI.create("http://127.0.0.1:" + this.port + path))
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token);
	}

	/** A delegated token of the licensed tenant holding {@code scopes}. */
	private static String tokenHolding(String scopes) {
		return identityProvider.token().scopes(scopes).build();
	}

	/** The request's audit event, once the asynchronous writer has completed it. */
	private Map<String, Object> auditEventOf(String clientRequestId) {
		return await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> rows.size() == 1 && !"pending".equals(rows.get(0).get("activity_result")))
			.get(0);
	}

	/** Each stored modified property as its name and new value. */
	private static List<Map<String, Object>> modifiedProperties(Map<String, Object> event) {
		List<Map<String, Object>> properties = JSON.readValue((String) event.get("modified_properties"),
				new TypeReference<List<Map<String, Object>>>() {
				});
		return properties.stream()
			.map((property) -> Map.of((String) property.get("displayName"), property.get("newValue")))
			.toList();
	}

	private static Path writePolicy(String yaml) {
		try {
			Path file = Files.createTempFile("operation-catalogue-route-tests-", ".yml");
			file.toFile().deleteOnExit();
			return Files.writeString(file, yaml);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Each built-in operation called as an Intune admin would call it. */
	enum BuiltIn {

		USER_UPDATE(HttpMethod.PATCH, "/users/" + USER_ID, "{\"displayName\":\"Adele Vance\"}", APPS),

		USER_WIPE_BY_DEVICE_TAG(HttpMethod.POST, "/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag",
				"{\"deviceTag\":\"android-work-profile\"}", APPS),

		DEVICE_WIPE(HttpMethod.POST, "/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe",
				"{\"keepEnrollmentData\":false,\"keepUserData\":true,\"persistEsimDataPlan\":true,"
						+ "\"macOsUnlockCode\":\"123456\"}",
				PRIVILEGED),

		DEVICE_RETIRE(HttpMethod.POST, "/deviceManagement/managedDevices/" + DEVICE_ID + "/retire", "{}", PRIVILEGED);

		final HttpMethod method;

		final String path;

		final String body;

		final String permission;

		BuiltIn(HttpMethod method, String path, String body, String permission) {
			this.method = method;
			this.path = path;
			this.body = body;
			this.permission = permission;
		}

	}

}
