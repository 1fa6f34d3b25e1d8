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
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.test.StubGraph.Received;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubIdentityProvider.TokenRequest;
import com.graphpolicygateway.test.StubbedGateway;

import static com.graphpolicygateway.policy.TestPolicies.policy;
import static com.graphpolicygateway.policy.TestPolicies.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The tenant policy on the whole route: refusals in Graph's shape with nothing forwarded,
 * report-only letting calls through, the live license check against the stub Graph, the
 * what-if endpoint, the audit trail's policy reason and version, and the health endpoint.
 * <p>
 * Mirrors {@link com.graphpolicygateway.test.GatewayIntegrationTest} rather than
 * extending it: Spring collects a test class's {@code @DynamicPropertySource} methods
 * before its superclass's and the later registration of a name wins, so the base class's
 * allow-all policy would always replace this class's policy.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class PolicyRouteTests {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	static final String ADMIN_PERMISSION = "GraphGateway.Policy.Evaluate";

	static final String OPEN_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

	static final String DISABLED_TENANT = "10000000-0000-4000-8000-000000000001";

	static final String CALLER_TENANT = "10000000-0000-4000-8000-000000000002";

	static final String TARGET_TENANT = "10000000-0000-4000-8000-000000000003";

	static final String PROPERTIES_TENANT = "10000000-0000-4000-8000-000000000004";

	static final String FREEZE_TENANT = "10000000-0000-4000-8000-000000000005";

	static final String UNLICENSED_TENANT = "10000000-0000-4000-8000-000000000006";

	static final String REPORT_ONLY_TENANT = "10000000-0000-4000-8000-000000000007";

	static final String AUTO_LICENSE_TENANT = "10000000-0000-4000-8000-000000000008";

	static final String AUTO_LICENSE_FAILING_TENANT = "10000000-0000-4000-8000-000000000009";

	static final String PROTECTED_BY_NAME_TENANT = "10000000-0000-4000-8000-00000000000a";

	static final String PROTECTED_BY_ID_TENANT = "10000000-0000-4000-8000-00000000000b";

	static final String UNRESOLVABLE_TENANT = "10000000-0000-4000-8000-00000000000c";

	static final String RESOLUTION_OFF_TENANT = "10000000-0000-4000-8000-00000000000d";

	static final String UNKNOWN_TENANT = "10000000-0000-4000-8000-0000000000ff";

	/**
	 * A protected user: listed by principal name or by object id, depending on the
	 * tenant.
	 */
	static final String BREAKGLASS_ID = "6d1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

	static final String BREAKGLASS = "breakglass@contoso.example";

	static final String GUEST_ID = "4a11ce00-0000-4000-8000-000000000001";

	static final String GUEST = "alice_fabrikam.example#EXT#@contoso.onmicrosoft.com";

	static final TestPolicies.Builder POLICY = policy().defaults((rules) -> rules.license("active"))
		.tenant(tenant(OPEN_TENANT))
		.tenant(tenant(DISABLED_TENANT).enabled(false))
		.tenant(tenant(CALLER_TENANT).allowedApplications(TestPolicyRequests.OTHER_APPLICATION))
		.tenant(tenant(TARGET_TENANT).protectedUsers(USER_ID))
		.tenant(tenant(PROPERTIES_TENANT).allowedProperties("jobTitle"))
		.tenant(tenant(FREEZE_TENANT).onceFreeze("migration", "2000-01-01T00:00", "2999-01-01T00:00", "UTC"))
		.tenant(tenant(UNLICENSED_TENANT).license("inactive"))
		.tenant(tenant(REPORT_ONLY_TENANT).mode("report-only").protectedUsers(USER_ID).allowedProperties("jobTitle"))
		.tenant(tenant(AUTO_LICENSE_TENANT).license("auto"))
		.tenant(tenant(AUTO_LICENSE_FAILING_TENANT).license("auto"))
		.tenant(tenant(PROTECTED_BY_NAME_TENANT).protectedUsers(BREAKGLASS, GUEST))
		.tenant(tenant(PROTECTED_BY_ID_TENANT).protectedUsers(BREAKGLASS_ID, GUEST_ID))
		.tenant(tenant(UNRESOLVABLE_TENANT).protectedUsers(BREAKGLASS))
		.tenant(tenant(RESOLUTION_OFF_TENANT).protectedUsers(BREAKGLASS).protectedUsersResolution("off"));

	static final Path POLICY_FILE = writePolicy();

	static final StubGraph graph = StubGraph.start();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	@Autowired
	JdbcTemplate jdbc;

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	WebTestClient client;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		StubbedGateway.register(registry, graph, identityProvider, POLICY_FILE);
	}

	@BeforeEach
	void resetStubsAndClient() {
		graph.reset();
		identityProvider.resetTokens();
		this.client = StubbedGateway.client(this.port);
	}

	@ParameterizedTest
	@EnumSource(value = Rule.class, names = { "OPERATION", "OPERATION_LIMIT" }, mode = EnumSource.Mode.EXCLUDE)
	void patchWhenRuleEnforcedAndViolatedThenForbiddenWithItsCodeInGraphsShapeAndNothingForwarded(Rule rule) {
		String clientRequestId = UUID.randomUUID().toString();

		patch(tokenOf(tenantViolating(rule)), clientRequestId).exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectHeader()
			.valueEquals("client-request-id", clientRequestId)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo(rule.errorCode())
			.jsonPath("$.error.message")
			.isNotEmpty()
			.jsonPath("$.error.innerError.client-request-id")
			.isEqualTo(clientRequestId)
			.jsonPath("$.error.innerError.request-id")
			.isNotEmpty()
			.jsonPath("$.error.innerError.date")
			.isNotEmpty();

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenTenantUnknownThenTenantNotAllowed() {
		patch(tokenOf(UNKNOWN_TENANT), UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TenantNotAllowed")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(UNKNOWN_TENANT));

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenPropertyNotAllowedThenMessageNamesIt() {
		patch(tokenOf(PROPERTIES_TENANT), UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("'displayName'"));
	}

	@Test
	void patchWhenTenantReportOnlyThenForwardedAndAuditedAsWouldRefuse() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(tokenOf(REPORT_ONLY_TENANT), clientRequestId).exchange().expectStatus().isNoContent();

		assertThat(graph.onlyRequest().uri().getPath()).isEqualTo("/v1.0/users/" + USER_ID);
		assertThat(auditEventOf(clientRequestId)).containsEntry("decision", "would_refuse")
			.containsEntry("reason", "target_protected")
			.containsEntry("policy_version", policyVersion());
	}

	@Test
	void patchWhenLicenseAutoAndGraphShowsIntuneThenAllowedAndTheAnswerCached() {
		graph.willAnswer(Answer.json(200, TestSubscribedSkus.licensed().json(), Map.of()));

		patch(tokenOf(AUTO_LICENSE_TENANT), UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		patch(tokenOf(AUTO_LICENSE_TENANT), UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();

		List<Received> received = graph.received();
		assertThat(received).extracting((request) -> request.method() + " " + request.uri().getPath())
			.containsExactly("GET /v1.0/subscribedSkus", "PATCH /v1.0/users/" + USER_ID,
					"PATCH /v1.0/users/" + USER_ID);
		assertThat(received.get(0).headers().getFirst(HttpHeaders.AUTHORIZATION)).startsWith("Bearer graph-token-");
		assertThat(identityProvider.tokenRequests())
			.filteredOn((request) -> request.tenant().equals(AUTO_LICENSE_TENANT))
			.singleElement()
			.extracting(TokenRequest::parameters)
			.satisfies((parameters) -> assertThat(parameters).containsEntry("grant_type", "client_credentials")
				.containsEntry("scope", "https://graph.microsoft.com/.default"));
	}

	@Test
	void patchWhenLicenseCheckFailsThenServiceNotAvailableWithRetryAfterAndNothingForwarded() {
		graph
			.willAnswer(Answer.json(500, "{\"error\":{\"code\":\"generalException\",\"message\":\"boom\"}}", Map.of()));

		patch(tokenOf(AUTO_LICENSE_FAILING_TENANT), UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals(HttpHeaders.RETRY_AFTER, "30")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable");

		assertThat(graph.onlyRequest().uri().getPath()).isEqualTo("/v1.0/subscribedSkus");
	}

	@Test
	void patchWhenRefusedByPolicyThenAuditEventHasTheRuleReasonAndPolicyVersion() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(tokenOf(TARGET_TENANT), clientRequestId).exchange().expectStatus().isForbidden();

		assertThat(auditEventOf(clientRequestId)).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "target_protected")
			.containsEntry("policy_version", policyVersion())
			.containsEntry("target_user_id", USER_ID)
			.containsEntry("upstream_status", null);
	}

	@Test
	void patchWhenRefusedByPolicyThenAuditEventNamesTheCallerAndTenant() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(tokenOf(TARGET_TENANT), clientRequestId).exchange().expectStatus().isForbidden();

		assertThat(auditEventOf(clientRequestId)).containsEntry("tenant_id", TARGET_TENANT)
			.containsEntry("actor_type", "Delegated")
			.containsEntry("actor_application_id", TestPolicyRequests.APPLICATION);
	}

	@Test
	void whatIfWhenAdminThenDecisionWithReasonAndPolicyVersionAndNothingForwarded() {
		whatIf(identityProvider.token().scopes(ADMIN_PERMISSION).build(), TARGET_TENANT).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.decision")
			.isEqualTo("refuse")
			.jsonPath("$.reason")
			.isEqualTo("target_protected")
			.jsonPath("$.errorCode")
			.isEqualTo("TargetUserProtected")
			.jsonPath("$.status")
			.isEqualTo(403)
			.jsonPath("$.message")
			.value((String message) -> assertThat(message).contains(USER_ID))
			.jsonPath("$.wouldRefuse")
			.isEmpty()
			.jsonPath("$.policyVersion")
			.isEqualTo(policyVersion());

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void whatIfWhenAdminAppRoleAndAllowedCallThenAllow() {
		whatIf(identityProvider.token().roles(ADMIN_PERMISSION).build(), OPEN_TENANT).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.decision")
			.isEqualTo("allow")
			.jsonPath("$.reason")
			.isEqualTo("allowed")
			.jsonPath("$.policyVersion")
			.isEqualTo(policyVersion());
	}

	@Test
	void whatIfWhenReportOnlyTenantThenAllowWithWouldRefuse() {
		whatIf(identityProvider.token().scopes(ADMIN_PERMISSION).build(), REPORT_ONLY_TENANT).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.decision")
			.isEqualTo("allow")
			.jsonPath("$.wouldRefuse[*].reason")
			.isEqualTo(List.of("target_protected", "property_not_allowed"));
	}

	@Test
	void whatIfWhenCallerLacksTheAdminPermissionThenForbidden() {
		whatIf(identityProvider.validToken(), TARGET_TENANT).expectStatus().isForbidden();
	}

	@Test
	void whatIfWhenNoTokenThenUnauthorized() {
		this.client.post()
			.uri("/policy/what-if")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("tenantId", TARGET_TENANT, "targetUserId", USER_ID))
			.exchange()
			.expectStatus()
			.isUnauthorized();
	}

	@Test
	void healthOnTheManagementPortThenShowsThePolicyVersion() {
		WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.managementPort)
			.build()
			.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.components.policy.status")
			.isEqualTo("UP")
			.jsonPath("$.components.policy.details.version")
			.isEqualTo(policyVersion())
			.jsonPath("$.components.policy.details.tenants")
			.isEqualTo(14)
			.jsonPath("$.components.policy.details.lastReloadError")
			.doesNotExist();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/users/" + BREAKGLASS_ID, "/v1.0/users/" + BREAKGLASS_ID,
			"/beta/users/6D1F0E2A-3C4D-4E5F-8A9B-0C1D2E3F4A5B", "/users/" + GUEST_ID })
	void patchWhenProtectedByPrincipalNameAndCalledByObjectIdThenTargetUserProtectedAndNothingForwarded(String path) {
		graph.directory().user(BREAKGLASS_ID, "BreakGlass@Contoso.example").user(GUEST_ID, GUEST);
		String clientRequestId = UUID.randomUUID().toString();

		patch(tokenOf(PROTECTED_BY_NAME_TENANT), path, clientRequestId).exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TargetUserProtected");

		assertThat(graph.received()).isEmpty();
		assertThat(graph.directory().lookups()).allSatisfy((lookup) -> {
			assertThat(lookup.uri().getPath()).startsWith("/v1.0/users/");
			assertThat(lookup.headers().getFirst(HttpHeaders.AUTHORIZATION)).startsWith("Bearer graph-token-");
		});
		assertThat(auditEventOf(clientRequestId)).containsEntry("reason", "target_protected");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/users/" + BREAKGLASS, "/users/BreakGlass@CONTOSO.example",
			"/users/breakglass%40contoso.example", "/v1.0/users/" + BREAKGLASS, "/beta/users/" + BREAKGLASS,
			"/users/emergency-access@contoso.example",
			"/users/alice_fabrikam.example%23EXT%23@contoso.onmicrosoft.com" })
	void patchWhenProtectedByObjectIdAndCalledByAnyPrincipalNameThenTargetUserProtectedAndNothingForwarded(
			String path) {
		// emergency-access@ is the name the break-glass account was renamed to.
		graph.directory()
			.user(BREAKGLASS_ID, path.contains("emergency") ? "emergency-access@contoso.example" : BREAKGLASS)
			.user(GUEST_ID, GUEST);

		patch(tokenOf(PROTECTED_BY_ID_TENANT), path, UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TargetUserProtected");

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@CsvSource({ "/users/breakglass@contoso.example., 400", "/users/breakglass@contoso.example%20, 400",
			"/users/%20breakglass@contoso.example, 400", "/users/breakglass%2540contoso.example, 400",
			"/users/breakglass@contoso.example;x=1, 400", "/users/6d1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b%00, 400",
			"/users/%7B6d1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b%7D, 400", "/users/6d1f0e2a3c4d4e5f8a9b0c1d2e3f4a5b, 400",
			"/users/breakglass, 400", "/users/6d1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/, 404",
			"/users/6d1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/manager, 404", "/v1.0//users/breakglass@contoso.example, 400",
			"/users/..%2Fusers%2Fbreakglass@contoso.example, 400" })
	void patchWhenAnotherSpellingOfAProtectedUserThenRefusedAndNothingForwarded(String path, int status) {
		graph.directory().user(BREAKGLASS_ID, BREAKGLASS);

		patch(tokenOf(PROTECTED_BY_NAME_TENANT), path, UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isEqualTo(status);

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenProtectedUsersListedAndTargetUnknownToGraphThenForwarded() {
		graph.directory().user(BREAKGLASS_ID, BREAKGLASS);

		patch(tokenOf(PROTECTED_BY_NAME_TENANT), "/users/nobody@contoso.example", UUID.randomUUID().toString())
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(graph.onlyRequest().uri().getPath()).isEqualTo("/v1.0/users/nobody@contoso.example");
	}

	@Test
	void patchWhenTargetCannotBeResolvedThenServiceNotAvailableWithRetryAfterOneAuditEventAndNothingForwarded() {
		graph.directory()
			.failWith(
					Answer.json(503, "{\"error\":{\"code\":\"serviceNotAvailable\",\"message\":\"down\"}}", Map.of()));
		String clientRequestId = UUID.randomUUID().toString();

		patch(tokenOf(UNRESOLVABLE_TENANT), "/users/" + USER_ID, clientRequestId).exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals(HttpHeaders.RETRY_AFTER, "30")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(USER_ID));

		assertThat(graph.received()).isEmpty();
		assertThat(graph.directory().lookups()).isNotEmpty();
		assertThat(auditEventOf(clientRequestId)).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "target_unresolved")
			.containsEntry("target_user_id", USER_ID);
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM audit_event WHERE correlation_id = ?", Long.class,
				clientRequestId))
			.isEqualTo(1);
	}

	@Test
	void patchWhenResolutionOffThenOnlyTheIdentifierAsWrittenIsProtectedAndGraphNotAsked() {
		graph.directory().user(BREAKGLASS_ID, BREAKGLASS);

		patch(tokenOf(RESOLUTION_OFF_TENANT), "/users/" + BREAKGLASS_ID, UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isNoContent();
		patch(tokenOf(RESOLUTION_OFF_TENANT), "/users/BreakGlass@Contoso.example", UUID.randomUUID().toString())
			.exchange()
			.expectStatus()
			.isForbidden();

		assertThat(graph.directory().lookups()).isEmpty();
		assertThat(graph.onlyRequest().uri().getPath()).isEqualTo("/v1.0/users/" + BREAKGLASS_ID);
	}

	@Test
	void whatIfWhenProtectedByPrincipalNameAndAskedByObjectIdThenRefuseAsTheRouteWould() {
		graph.directory().user(BREAKGLASS_ID, BREAKGLASS);

		whatIf(identityProvider.token().scopes(ADMIN_PERMISSION).build(), PROTECTED_BY_NAME_TENANT, BREAKGLASS_ID)
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.decision")
			.isEqualTo("refuse")
			.jsonPath("$.reason")
			.isEqualTo("target_protected")
			.jsonPath("$.errorCode")
			.isEqualTo("TargetUserProtected");

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void whatIfWhenTargetCannotBeResolvedThenSaysSo() {
		graph.directory().failWith(Answer.json(500, "{\"error\":{\"code\":\"x\",\"message\":\"y\"}}", Map.of()));

		whatIf(identityProvider.token().scopes(ADMIN_PERMISSION).build(), UNRESOLVABLE_TENANT, USER_ID).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.decision")
			.isEqualTo("refuse")
			.jsonPath("$.reason")
			.isEqualTo("target_unresolved")
			.jsonPath("$.errorCode")
			.isEqualTo("serviceNotAvailable")
			.jsonPath("$.status")
			.isEqualTo(503);
	}

	@Test
	void whatIfWhenTargetIsNotAUserIdThenBadRequestWithoutAskingGraph() {
		whatIf(identityProvider.token().scopes(ADMIN_PERMISSION).build(), PROTECTED_BY_NAME_TENANT, "../subscribedSkus")
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalidRequest");

		assertThat(graph.directory().lookups()).isEmpty();
	}

	private static String tenantViolating(Rule rule) {
		return switch (rule) {
			case TENANT -> DISABLED_TENANT;
			case CALLER -> CALLER_TENANT;
			case TARGET -> TARGET_TENANT;
			case PROPERTIES -> PROPERTIES_TENANT;
			case FREEZE -> FREEZE_TENANT;
			case LICENSE -> UNLICENSED_TENANT;
			// On the route in PolicyOperationRouteTests, and counted by the rate limiter.
			case OPERATION, OPERATION_LIMIT -> throw new IllegalArgumentException(rule + " is tested elsewhere");
		};
	}

	private static String tokenOf(String tenantId) {
		return identityProvider.token()
			.tenant(tenantId)
			.issuer(identityProvider.issuerV2(tenantId))
			.claim("azp", TestPolicyRequests.APPLICATION)
			.build();
	}

	private WebTestClient.RequestHeadersSpec<?> patch(String token, String clientRequestId) {
		return patch(token, "/users/" + USER_ID, clientRequestId);
	}

	/** A PATCH to {@code path} exactly as written (no encoding added). */
	private WebTestClient.RequestHeadersSpec<?> patch(String token, String path, String clientRequestId) {
		return this.client.method(HttpMethod.PATCH)
			.uri(URI.create("http://127.0.0.1:" + this.port + path))
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY);
	}

	private WebTestClient.ResponseSpec whatIf(String token, String tenantId) {
		return whatIf(token, tenantId, USER_ID);
	}

	private WebTestClient.ResponseSpec whatIf(String token, String tenantId, String targetUserId) {
		return this.client.post()
			.uri("/policy/what-if")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("tenantId", tenantId, "applicationId", TestPolicyRequests.APPLICATION, "targetUserId",
					targetUserId, "body", Map.of("displayName", "x")))
			.exchange();
	}

	/** The request's audit event, once the asynchronous writer has completed it. */
	private Map<String, Object> auditEventOf(String clientRequestId) {
		return await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> rows.size() == 1 && !"pending".equals(rows.get(0).get("activity_result")))
			.get(0);
	}

	private static String policyVersion() {
		return PolicyParser.version(POLICY.bytes());
	}

	private static Path writePolicy() {
		try {
			Path file = Files.createTempFile("policy-route-tests-", ".yml");
			file.toFile().deleteOnExit();
			return POLICY.writeTo(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
