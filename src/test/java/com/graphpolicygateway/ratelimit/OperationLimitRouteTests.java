package com.graphpolicygateway.ratelimit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.LogCapture;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubbedGateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The blast-radius limit on the whole route: a tenant that has wiped as many devices as
 * its {@code operation-limits} allow in the sliding window is refused 403
 * {@code OperationLimitExceeded} with {@code Retry-After}, audited as
 * {@code operation_limit}, nothing more reaches Graph, and it may wipe again once the
 * window has passed; report-only, the wipe goes on and is audited as
 * {@code would_refuse}; two replicas sharing Redis count together; an unreadable count
 * refuses rather than lets through.
 * <p>
 * Mirrors {@link com.graphpolicygateway.test.GatewayIntegrationTest} rather than
 * extending it, because that class's allow-all policy would replace this class's.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class OperationLimitRouteTests {

	@RegisterExtension
	final LogCapture logs = LogCapture.of(RateLimiter.class, OperationLimiter.class);

	static final String WIPE = "intune-managed-device-wipe";

	static final String PRIVILEGED = "DeviceManagementManagedDevices.PrivilegedOperations.All";

	/** Listed with its operation limit in report-only mode. */
	static final String REPORT_ONLY_TENANT = "10000000-0000-4000-8000-0000000000b1";

	static final int MAX = 2;

	/**
	 * The window of the tests that count calls: long enough that a slow machine never
	 * lets one slide out between the calls a test makes.
	 */
	static final Duration PER = Duration.ofHours(1);

	/** The window of the tests that wait for it to pass. */
	static final Duration SHORT_PER = Duration.ofSeconds(4);

	/** Listed with a short window, for the test that waits out its Retry-After. */
	static final String SHORT_WINDOW_TENANT = "10000000-0000-4000-8000-0000000000c1";

	/** Listed with a short window, for the test that polls until the window passes. */
	static final String OTHER_SHORT_WINDOW_TENANT = "10000000-0000-4000-8000-0000000000c2";

	/**
	 * Every tenant allowed and licensed, token buckets no test reaches, and at most two
	 * device wipes in an hour, or in four seconds for the short-window tenants.
	 */
	static final Path POLICY_FILE = writePolicy("""
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
			  operation-limits:
			    %1$s: { max: %2$d, per: %3$s }
			tenants:
			  - id: %4$s
			    name: Observes its wipe limit before enforcing it
			    rule-modes:
			      operation-limit: report-only
			  - id: %5$s
			    name: Short wipe window
			    operation-limits:
			      %1$s: { max: %2$d, per: %6$s }
			  - id: %7$s
			    name: Another short wipe window
			    operation-limits:
			      %1$s: { max: %2$d, per: %6$s }
			""".formatted(WIPE, MAX, PER, REPORT_ONLY_TENANT, SHORT_WINDOW_TENANT, SHORT_PER,
			OTHER_SHORT_WINDOW_TENANT));

	static final StubGraph graph = StubGraph.start();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	@Autowired
	JdbcTemplate jdbc;

	@LocalServerPort
	int port;

	WebTestClient client;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		gatewayProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	/** The gateway's properties in this test: stub Graph and identity provider. */
	static Map<String, String> gatewayProperties() {
		return StubbedGateway.properties(graph, identityProvider, POLICY_FILE);
	}

	@BeforeEach
	void resetStubsAndClient() {
		graph.reset();
		this.client = StubbedGateway.client(this.port);
	}

	@Test
	void wipeWhenTheTenantReachedItsLimitThenRefusedWithRetryAfterUntilTheWindowPasses() {
		String tenant = SHORT_WINDOW_TENANT;
		wipe(this.client, tenant, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		wipe(this.client, tenant, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		String clientRequestId = UUID.randomUUID().toString();
		List<Long> retryAfter = new ArrayList<>();

		wipe(this.client, tenant, clientRequestId).exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectHeader()
			.value(HttpHeaders.RETRY_AFTER, (seconds) -> retryAfter.add(Long.parseLong(seconds)))
			.expectHeader()
			.valueEquals("client-request-id", clientRequestId)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("OperationLimitExceeded")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains(WIPE, "at most 2 times per 4 s"))
			.jsonPath("$.error.innerError.client-request-id")
			.isEqualTo(clientRequestId);

		assertThat(retryAfter).singleElement().isIn(1L, 2L, 3L, 4L);
		assertThat(graph.received()).hasSize(MAX);
		assertThat(auditEventOf(this.jdbc, clientRequestId)).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "operation_limit")
			.containsEntry("tenant_id", tenant)
			.containsEntry("upstream_status", null);

		sleep(Duration.ofSeconds(retryAfter.get(0)));

		wipe(this.client, tenant, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		assertThat(graph.received()).hasSize(MAX + 1);
	}

	@Test
	void wipeWhenRefusedThenTheRefusalIsNotCountedAndNothingMoreForwarded() {
		String tenant = OTHER_SHORT_WINDOW_TENANT;
		for (int i = 0; i < MAX; i++) {
			wipe(this.client, tenant, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		}

		for (int i = 0; i < 5; i++) {
			wipe(this.client, tenant, UUID.randomUUID().toString()).exchange().expectStatus().isForbidden();
		}

		assertThat(graph.received()).hasSize(MAX);
		await().atMost(SHORT_PER.plusSeconds(5))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> wipe(this.client, tenant, UUID.randomUUID().toString()).exchange()
				.returnResult(Void.class)
				.getStatus()
				.value() == 204);
	}

	@Test
	void callWhenOneTenantReachedItsWipeLimitThenOtherTenantsAndOtherOperationsStillPass() {
		String limited = newTenant();
		for (int i = 0; i < MAX; i++) {
			wipe(this.client, limited, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		}
		wipe(this.client, limited, UUID.randomUUID().toString()).exchange().expectStatus().isForbidden();
		graph.reset();

		wipe(this.client, newTenant(), UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		this.client.post()
			.uri("/v1.0/deviceManagement/managedDevices/" + UUID.randomUUID() + "/retire")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token(limited))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(graph.received()).hasSize(2);
	}

	@Test
	void wipeWhenTheLimitIsReportOnlyThenForwardedAndAuditedAsWouldRefuse() {
		List<String> clientRequestIds = new ArrayList<>();
		for (int i = 0; i < MAX + 2; i++) {
			String clientRequestId = UUID.randomUUID().toString();
			clientRequestIds.add(clientRequestId);
			wipe(this.client, REPORT_ONLY_TENANT, clientRequestId).exchange().expectStatus().isNoContent();
		}

		assertThat(graph.received()).hasSize(MAX + 2);
		assertThat(auditEventOf(this.jdbc, clientRequestIds.get(0))).containsEntry("decision", "allow")
			.containsEntry("reason", "allowed");
		for (String overTheLimit : clientRequestIds.subList(MAX, MAX + 2)) {
			assertThat(auditEventOf(this.jdbc, overTheLimit)).containsEntry("activity_result", "success")
				.containsEntry("decision", "would_refuse")
				.containsEntry("reason", "operation_limit")
				.containsEntry("upstream_status", 204);
		}
	}

	@Test
	void wipeWhenTwoReplicasShareRedisThenTheyCountOneLimitTogether() {
		int redisPort = TestRedis.sharedPort();
		String prefix = TestRedis.uniquePrefix(OperationLimitRouteTests.class);
		try (ConfigurableApplicationContext first = startReplica(redisPort, prefix, "local");
				ConfigurableApplicationContext second = startReplica(redisPort, prefix, "local")) {
			List<WebTestClient> replicas = List.of(client(first), client(second));
			String tenant = newTenant();
			List<Integer> statuses = new ArrayList<>();

			for (int i = 0; i < 4; i++) {
				statuses.add(wipe(replicas.get(i % 2), tenant, UUID.randomUUID().toString()).exchange()
					.returnResult(Void.class)
					.getStatus()
					.value());
			}

			assertThat(statuses).containsExactly(204, 204, 403, 403);
			assertThat(graph.received()).hasSize(MAX);
		}
	}

	@Test
	void wipeWhenRedisIsUnreachableAndTheFallbackIsNotLocalThenServiceUnavailableAndNotForwarded() {
		// Token buckets may fall back to allow; an operation limit never does.
		try (ConfigurableApplicationContext replica = startReplica(unusedPort(),
				TestRedis.uniquePrefix(OperationLimitRouteTests.class), "allow")) {
			String clientRequestId = UUID.randomUUID().toString();

			wipe(client(replica), newTenant(), clientRequestId).exchange()
				.expectStatus()
				.isEqualTo(503)
				.expectHeader()
				.valueEquals(HttpHeaders.RETRY_AFTER, "5")
				.expectBody()
				.jsonPath("$.error.code")
				.isEqualTo("serviceNotAvailable")
				.jsonPath("$.error.message")
				.value((String message) -> assertThat(message).contains(WIPE));

			assertThat(graph.received()).isEmpty();
			assertThat(auditEventOf(replica.getBean(JdbcTemplate.class), clientRequestId))
				.containsEntry("decision", "refuse")
				.containsEntry("reason", "operation_limit_unavailable");
			assertThat(this.logs.errors())
				.anyMatch((line) -> line.startsWith("Redis unreachable, operation limits refuse every limited call: "));
		}
	}

	private ConfigurableApplicationContext startReplica(int redisPort, String prefix, String whenRedisUnavailable) {
		List<String> arguments = new ArrayList<>();
		gatewayProperties().forEach((name, value) -> arguments.add("--" + name + "=" + value));
		arguments.add("--server.port=0");
		arguments.add("--graph-gateway.rate-limit.store=redis");
		arguments.add("--graph-gateway.rate-limit.redis-key-prefix=" + prefix);
		arguments.add("--graph-gateway.rate-limit.redis-unavailable=" + whenRedisUnavailable);
		arguments.add("--spring.data.redis.host=" + TestRedis.HOST);
		arguments.add("--spring.data.redis.port=" + redisPort);
		return new SpringApplicationBuilder(GraphPolicyGatewayApplication.class).listeners(this.logs)
			.run(arguments.toArray(String[]::new));
	}

	private static WebTestClient client(ConfigurableApplicationContext replica) {
		return StubbedGateway.client(replica.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
	}

	/**
	 * A device wipe, as an Intune admin of {@code tenantId} sends it, of a new device.
	 */
	private static WebTestClient.RequestHeadersSpec<?> wipe(WebTestClient client, String tenantId,
			String clientRequestId) {
		return client.post()
			.uri("/v1.0/deviceManagement/managedDevices/" + UUID.randomUUID() + "/wipe")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token(tenantId))
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}");
	}

	/** A delegated token of a new admin of {@code tenantId} allowed to wipe devices. */
	private static String token(String tenantId) {
		return identityProvider.token()
			.tenant(tenantId)
			.issuer(identityProvider.issuerV2(tenantId))
			.claim("oid", UUID.randomUUID().toString())
			.scopes(PRIVILEGED)
			.build();
	}

	/** A tenant no other test uses, limited by the defaults. */
	private static String newTenant() {
		return UUID.randomUUID().toString();
	}

	/** The request's audit event, once the asynchronous writer has completed it. */
	private static Map<String, Object> auditEventOf(JdbcTemplate jdbc, String clientRequestId) {
		return await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> rows.size() == 1 && !"pending".equals(rows.get(0).get("activity_result")))
			.get(0);
	}

	private static int unusedPort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(TestRedis.HOST))) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Path writePolicy(String yaml) {
		try {
			Path file = Files.createTempFile("operation-limit-route-tests-", ".yml");
			file.toFile().deleteOnExit();
			return Files.writeString(file, yaml);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
