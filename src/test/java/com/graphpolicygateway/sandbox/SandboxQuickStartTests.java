package com.graphpolicygateway.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.AuditDatabases;
import com.graphpolicygateway.test.AuditPageSession;
import com.graphpolicygateway.test.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * The README's sandbox quick start, end to end: mint a caller token at the sandbox
 * issuer, send a PATCH with it, see it forwarded (On-Behalf-Of, license checked against
 * the Graph simulator) and audited, and see a protected user refused, under their
 * principal name and their object id; the Intune actions of the operations catalogue
 * (device wipe and retire, device-tag wipe) are answered by the Graph simulator too. The
 * sandbox never starts off loopback.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("sandbox")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxQuickStartTests {

	/**
	 * A start-up failure is logged by Spring Boot: kept off the console, and asserted.
	 */
	@RegisterExtension
	final LogCapture logs = LogCapture.of("org.springframework.boot.SpringApplication",
			"org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter");

	static final int GRAPH_PORT = freePort();

	static final int ISSUER_PORT = freePort();

	static final String DEVICE_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

	static final String PRIVILEGED = "DeviceManagementManagedDevices.PrivilegedOperations.All";

	/**
	 * The sandbox policy's {@code operation-limits} of
	 * {@code intune-managed-device-wipe}.
	 */
	static final int SANDBOX_WIPES_PER_HOUR = 3;

	/** Where the sandbox makes its signing key: a file that does not exist yet. */
	static final Path SIGNING_KEY = temporaryDirectory().resolve("sandbox-audit-signing.pem");

	/** The sandbox's trail, in a SQLite file of the test's own instead of ./data. */
	private static final AuditDatabases.SqliteFile AUDIT = new AuditDatabases.SqliteFile("sandbox-audit-");

	@LocalServerPort
	int port;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	GraphSimulator graph;

	@DynamicPropertySource
	static void sandboxPorts(DynamicPropertyRegistry registry) {
		registry.add("sandbox.graph-port", () -> GRAPH_PORT);
		registry.add("sandbox.token-issuer-port", () -> ISSUER_PORT);
		registry.add("management.server.port", () -> 0);
		registry.add("spring.datasource.url", AUDIT::url);
		registry.add("graph-gateway.audit.signing.key", () -> SIGNING_KEY.toString());
	}

	@Test
	void quickStartWhenTokenMintedAndPatchSentThenForwardedAndAudited() {
		String token = mint("");
		String clientRequestId = UUID.randomUUID().toString();

		gateway().method(HttpMethod.PATCH)
			.uri("/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"displayName\":\"Adele Vance\"}")
			.exchange()
			.expectStatus()
			.isNoContent()
			.expectHeader()
			.exists("request-id");

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.jdbc.queryForList(
					"SELECT activity_result, reason, upstream_status FROM audit_event WHERE correlation_id = ?",
					clientRequestId))
				.singleElement()
				.satisfies((row) -> assertThat(row).containsEntry("ACTIVITY_RESULT", "success")
					.containsEntry("REASON", "allowed")
					.containsEntry("UPSTREAM_STATUS", 204)));
		gateway().get()
			.uri("/audit/verify")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + mint("scp=AuditLog.Read.All"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.intact")
			.isEqualTo(true)
			// The sandbox's trail is keyed, with a key it made at start.
			.jsonPath("$.eventsAuthenticated")
			.isEqualTo(true);
		assertThat(SIGNING_KEY).isRegularFile();

		// The quick start's last step: see the event in the audit page.
		WebTestClient browser = new AuditPageSession(gateway(), URI.create("http://127.0.0.1:" + this.port)).signedIn()
			.client();
		String page = browser.get()
			.uri("/audit?correlationId=" + clientRequestId)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(page).contains(TokenIssuer.AUDITOR)
			.contains("87d349ed-44d7-43e1-9a83-5f2406dee5bd")
			.contains("displayName")
			.contains("pill success")
			.contains("1 event on this page");
	}

	@Test
	void patchWhenSandboxCapturesBeforeImagesThenTheSimulatorsOldValueBesideTheNewOne() {
		String clientRequestId = UUID.randomUUID().toString();
		int readsBefore = this.graph.selected().size();

		gateway().method(HttpMethod.PATCH)
			.uri("/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + mint(""))
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"department\":\"Finance\",\"jobTitle\":\"Controller\"}")
			.exchange()
			.expectStatus()
			.isNoContent();

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.jdbc
				.queryForList("SELECT activity_result, modified_properties, before_image_status FROM audit_event "
						+ "WHERE correlation_id = ?", clientRequestId))
				.singleElement()
				.satisfies((row) -> assertThat(row).containsEntry("ACTIVITY_RESULT", "success")
					.containsEntry("BEFORE_IMAGE_STATUS", "captured")
					.containsEntry("MODIFIED_PROPERTIES",
							"[{\"displayName\":\"department\",\"oldValue\":\"Retail\",\"newValue\":\"Finance\"},"
									+ "{\"displayName\":\"jobTitle\",\"oldValue\":\"Retail Manager\","
									+ "\"newValue\":\"Controller\"}]")));
		// The policy's protected-user lookups ask for id and userPrincipalName.
		List<List<String>> reads = this.graph.selected();
		assertThat(reads.subList(readsBefore, reads.size())).contains(List.of("department", "jobTitle"));
	}

	@Test
	void quickStartWhenTargetIsTheProtectedBreakGlassUserThenRefused() {
		assertProtected("breakglass@sandbox.example");
	}

	@Test
	void quickStartWhenTargetIsTheBreakGlassUsersObjectIdThenRefusedToo() {
		// The policy lists the principal name only: the Graph simulator resolves both.
		assertProtected("BEA6C1A5-5a9d-4b0c-8e1f-5a4db0c0ffee");
	}

	@Test
	void deviceWipeWhenTokenMintedWithPrivilegedOperationsThenForwardedAndAuditedAsWipeManagedDevice() {
		String token = mint("scp=" + PRIVILEGED);
		String clientRequestId = UUID.randomUUID().toString();

		gateway().post()
			.uri("/deviceManagement/managedDevices/{id}/wipe", DEVICE_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"keepEnrollmentData\":true,\"macOsUnlockCode\":\"123456\"}")
			.exchange()
			.expectStatus()
			.isNoContent()
			.expectHeader()
			.exists("request-id");

		assertForwardedAndAudited(clientRequestId, "Wipe managed device", DEVICE_ID);
	}

	@Test
	void deviceRetireWhenNoBodyThenForwardedAndAuditedAsRetireManagedDevice() {
		String clientRequestId = UUID.randomUUID().toString();

		gateway().post()
			.uri("/beta/deviceManagement/managedDevices/{id}/retire", DEVICE_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + mint("scp=" + PRIVILEGED))
			.header("client-request-id", clientRequestId)
			.exchange()
			.expectStatus()
			.isNoContent();

		assertForwardedAndAudited(clientRequestId, "Retire managed device", DEVICE_ID);
	}

	@Test
	void deviceTagWipeWhenDefaultTokenThenForwardedAndAuditedAsWipeManagedApps() {
		String clientRequestId = UUID.randomUUID().toString();

		gateway().post()
			.uri("/users/{id}/wipeManagedAppRegistrationsByDeviceTag", "adele.vance@sandbox.example")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + mint(""))
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"deviceTag\":\"android-work-profile\"}")
			.exchange()
			.expectStatus()
			.isNoContent();

		assertForwardedAndAudited(clientRequestId, "Wipe managed apps by device tag", "adele.vance@sandbox.example");
	}

	/**
	 * The README's blast-radius step: the sandbox allows {@value #SANDBOX_WIPES_PER_HOUR}
	 * wipes an hour, so wiping one device after another is refused once they are used up
	 * (by this test, or by the wipe of the test above), and the refused wipe is audited
	 * and never reaches the Graph simulator. It runs after the other tests, whose wipes
	 * must still fit in the hour.
	 */
	@Test
	@Order(Order.DEFAULT + 1)
	void deviceWipesWhenMoreThanTheSandboxLimitPerHourThenRefusedOperationLimitExceeded() {
		String token = mint("scp=" + PRIVILEGED);
		int allowed = 0;
		String clientRequestId;
		HttpStatusCode status;
		do {
			clientRequestId = UUID.randomUUID().toString();
			status = gateway().post()
				.uri("/deviceManagement/managedDevices/{id}/wipe", UUID.randomUUID())
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
				.header("client-request-id", clientRequestId)
				.exchange()
				.returnResult(String.class)
				.getStatus();
			allowed += (status.value() == 204) ? 1 : 0;
		}
		while (status.value() == 204 && allowed <= SANDBOX_WIPES_PER_HOUR);

		assertThat(allowed).isLessThanOrEqualTo(SANDBOX_WIPES_PER_HOUR);
		gateway().post()
			.uri("/deviceManagement/managedDevices/{id}/wipe", DEVICE_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.exists("Retry-After")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("OperationLimitExceeded")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("intune-managed-device-wipe")
				.contains("at most " + SANDBOX_WIPES_PER_HOUR + " times per 1 h"));
		String refused = clientRequestId;
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.jdbc
				.queryForList("SELECT operation, activity_result, reason, upstream_status FROM audit_event "
						+ "WHERE correlation_id = ?", refused))
				.singleElement()
				.satisfies((row) -> assertThat(row).containsEntry("OPERATION", "intune-managed-device-wipe")
					.containsEntry("ACTIVITY_RESULT", "refused")
					.containsEntry("REASON", "operation_limit")
					.containsEntry("UPSTREAM_STATUS", null)));
	}

	@Test
	void deviceWipeWhenDefaultTokenThenForbiddenNamingPrivilegedOperations() {
		gateway().post()
			.uri("/deviceManagement/managedDevices/{id}/wipe", DEVICE_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + mint(""))
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("Authorization_RequestDenied")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(PRIVILEGED));
	}

	@Test
	void sandboxWhenBoundBeyondLoopbackThenRefusesToStart() {
		assertThatException()
			.isThrownBy(() -> new SpringApplicationBuilder(GraphPolicyGatewayApplication.class).profiles("sandbox")
				.listeners(this.logs)
				.run("--server.address=0.0.0.0", "--server.port=0", "--management.server.port=0",
						"--sandbox.graph-port=0", "--sandbox.token-issuer-port=0",
						"--spring.datasource.url="
								+ AuditDatabases.sqliteUrl(temporaryDirectory().resolve("refused.db")))
				.close())
			.satisfies((ex) -> assertThat(rootMessages(ex)).contains("only runs bound to loopback"));
		assertThat(String.join("\n", this.logs.errors())).contains("only runs bound to loopback");
	}

	private String mint(String query) {
		return new String(WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + ISSUER_PORT)
			.build()
			.post()
			.uri("/sandbox/token?" + query)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBody()).trim();
	}

	private WebTestClient gateway() {
		return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.port).build();
	}

	private static String rootMessages(Throwable ex) {
		StringBuilder messages = new StringBuilder();
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			messages.append(cause.getMessage()).append('\n');
		}
		return messages.toString();
	}

	/** A PATCH of {@code target} is refused: the sandbox policy protects that user. */
	private void assertProtected(String target) {
		gateway().method(HttpMethod.PATCH)
			.uri("/users/{id}", target)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + mint(""))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"displayName\":\"x\"}")
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TargetUserProtected");
	}

	/**
	 * The request's one event: the Graph simulator's 204 relayed, under the operation's
	 * activity and against its target.
	 */
	private void assertForwardedAndAudited(String clientRequestId, String activity, String target) {
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.jdbc.queryForList(
					"SELECT activity, activity_result, reason, upstream_status, target_user_id FROM audit_event "
							+ "WHERE correlation_id = ?",
					clientRequestId))
				.singleElement()
				.satisfies((row) -> assertThat(row).containsEntry("ACTIVITY", activity)
					.containsEntry("ACTIVITY_RESULT", "success")
					.containsEntry("REASON", "allowed")
					.containsEntry("UPSTREAM_STATUS", 204)
					.containsEntry("TARGET_USER_ID", target)));
	}

	private static Path temporaryDirectory() {
		try {
			return Files.createTempDirectory("sandbox");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
