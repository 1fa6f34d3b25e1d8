package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Rate limits on the whole route: a caller or a tenant over its bucket gets 429
 * {@code activityLimitReached} in Graph's shape with {@code Retry-After}, nothing more
 * reaches Graph and the refusal is audited as {@code rate_limited}; two gateway replicas
 * sharing Redis enforce one limit together.
 * <p>
 * Mirrors {@link com.graphpolicygateway.test.GatewayIntegrationTest} rather than
 * extending it, because that class's allow-all policy would replace this class's.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class RateLimitRouteTests {

	static final String POLICY_FILE = "src/test/resources/policy/rate-limits.yml";

	/** Listed with a tenant bucket of two calls. */
	static final String SMALL_TENANT = "10000000-0000-4000-8000-0000000000a1";

	/** Listed with a tenant bucket of four calls, shared by the two-replica test. */
	static final String SHARED_TENANT = "10000000-0000-4000-8000-0000000000a2";

	/** Each caller's bucket in rate-limits.yml. */
	static final int CALLER_CAPACITY = 3;

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

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
		return Map.of("graph-gateway.upstream.base-uri", graph.baseUri(), "graph-gateway.identity.token-uri",
				identityProvider.tokenUriTemplate(), "graph-gateway.identity.client-id",
				StubIdentityProvider.GATEWAY_CLIENT_ID, "graph-gateway.identity.client-secret",
				StubIdentityProvider.GATEWAY_CLIENT_SECRET, "graph-gateway.identity.audiences[0]",
				StubIdentityProvider.AUDIENCE, "graph-gateway.identity.issuers[0].issuer",
				identityProvider.issuerTemplateV2(), "graph-gateway.identity.issuers[0].jwk-set-uri",
				identityProvider.jwkSetUri(), "graph-gateway.policy.file", POLICY_FILE, "management.server.port", "0");
	}

	@BeforeEach
	void resetStubsAndClient() {
		graph.reset();
		this.client = client(this.port);
	}

	@Test
	void patchWhenCallerExceedsItsBucketThenTooManyRequestsInGraphsShapeWithRetryAfter() {
		TestCaller caller = TestCaller.inNewTenant();
		for (int i = 0; i < CALLER_CAPACITY; i++) {
			patch(this.client, caller, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		}
		String clientRequestId = UUID.randomUUID().toString();

		patch(this.client, caller, clientRequestId).exchange()
			.expectStatus()
			.isEqualTo(429)
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectHeader()
			.value(HttpHeaders.RETRY_AFTER, (retryAfter) -> assertThat(Long.parseLong(retryAfter)).isBetween(90L, 100L))
			.expectHeader()
			.valueEquals("client-request-id", clientRequestId)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("activityLimitReached")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("caller"))
			.jsonPath("$.error.innerError.client-request-id")
			.isEqualTo(clientRequestId)
			.jsonPath("$.error.innerError.request-id")
			.isNotEmpty();

		assertThat(graph.received()).hasSize(CALLER_CAPACITY);
	}

	@Test
	void patchWhenRateLimitedThenNothingForwardedAndAuditedAsRateLimited() {
		TestCaller caller = TestCaller.inNewTenant();
		for (int i = 0; i < CALLER_CAPACITY; i++) {
			patch(this.client, caller, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		}
		graph.reset();
		String clientRequestId = UUID.randomUUID().toString();

		patch(this.client, caller, clientRequestId).exchange().expectStatus().isEqualTo(429);
		patch(this.client, caller, UUID.randomUUID().toString()).exchange().expectStatus().isEqualTo(429);

		assertThat(graph.received()).isEmpty();
		assertThat(auditEventOf(clientRequestId)).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "rate_limited")
			.containsEntry("tenant_id", caller.tenantId())
			.containsEntry("actor_user_id", caller.userId())
			.containsEntry("target_user_id", USER_ID)
			.containsEntry("upstream_status", null);
	}

	@Test
	void patchWhenOneCallerIsLimitedThenAnotherCallerOfTheSameTenantStillPasses() {
		TestCaller limited = TestCaller.inNewTenant();
		for (int i = 0; i < CALLER_CAPACITY; i++) {
			patch(this.client, limited, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		}
		patch(this.client, limited, UUID.randomUUID().toString()).exchange().expectStatus().isEqualTo(429);
		graph.reset();

		patch(this.client, limited.colleague(), UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();

		assertThat(graph.received()).hasSize(1);
	}

	@Test
	void patchWhenAppOnlyCallerExceedsItsBucketThenLimitedPerApplication() {
		TestCaller app = TestCaller.inNewTenant().appOnly();
		for (int i = 0; i < CALLER_CAPACITY; i++) {
			patch(this.client, app, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		}

		patch(this.client, app, UUID.randomUUID().toString()).exchange().expectStatus().isEqualTo(429);
		patch(this.client, app.colleague(), UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
	}

	@Test
	void patchWhenTenantBucketIsEmptyThenEveryCallerOfTheTenantLimitedButOtherTenantsPass() {
		TestCaller first = TestCaller.in(SMALL_TENANT);
		patch(this.client, first, UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		patch(this.client, first.colleague(), UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();

		patch(this.client, first.colleague(), UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isEqualTo(429)
			.expectHeader()
			.exists(HttpHeaders.RETRY_AFTER)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("activityLimitReached")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("tenant"));
		patch(this.client, first, UUID.randomUUID().toString()).exchange().expectStatus().isEqualTo(429);

		assertThat(graph.received()).hasSize(2);
		patch(this.client, TestCaller.inNewTenant(), UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isNoContent();
	}

	@Test
	void patchWhenTwoReplicasShareRedisThenTheyEnforceOneTenantLimitTogether() {
		int redisPort = TestRedis.sharedPort();
		String prefix = TestRedis.uniquePrefix(RateLimitRouteTests.class);
		try (ConfigurableApplicationContext first = startReplica(redisPort, prefix);
				ConfigurableApplicationContext second = startReplica(redisPort, prefix)) {
			List<WebTestClient> replicas = List.of(client(first), client(second));
			TestCaller caller = TestCaller.in(SHARED_TENANT);
			List<Integer> statuses = new ArrayList<>();

			for (int i = 0; i < 6; i++) {
				statuses.add(patch(replicas.get(i % 2), caller.colleague(), UUID.randomUUID().toString()).exchange()
					.returnResult(Void.class)
					.getStatus()
					.value());
			}

			assertThat(statuses).containsExactly(204, 204, 204, 204, 429, 429);
			assertThat(graph.received()).hasSize(4);
		}
	}

	private ConfigurableApplicationContext startReplica(int redisPort, String prefix) {
		List<String> arguments = new ArrayList<>();
		gatewayProperties().forEach((name, value) -> arguments.add("--" + name + "=" + value));
		arguments.add("--server.port=0");
		arguments.add("--graph-gateway.rate-limit.store=redis");
		arguments.add("--graph-gateway.rate-limit.redis-key-prefix=" + prefix);
		arguments.add("--spring.data.redis.host=" + TestRedis.HOST);
		arguments.add("--spring.data.redis.port=" + redisPort);
		return new SpringApplicationBuilder(GraphPolicyGatewayApplication.class).run(arguments.toArray(String[]::new));
	}

	private static WebTestClient client(ConfigurableApplicationContext replica) {
		return client(replica.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
	}

	private static WebTestClient client(int port) {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

	private static WebTestClient.RequestHeadersSpec<?> patch(WebTestClient client, TestCaller caller,
			String clientRequestId) {
		return client.method(HttpMethod.PATCH)
			.uri("/users/" + USER_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + caller.token())
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY);
	}

	/** The request's audit event, once the asynchronous writer has completed it. */
	private Map<String, Object> auditEventOf(String clientRequestId) {
		return await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> rows.size() == 1 && !"pending".equals(rows.get(0).get("activity_result")))
			.get(0);
	}

	/**
	 * A caller with a bucket of its own: a delegated user ({@code oid}) or, app-only, an
	 * application ({@code azp}).
	 *
	 * @param tenantId the caller's tenant
	 * @param userId the user's object id, or null for an app-only caller
	 * @param applicationId the calling application
	 */
	record TestCaller(String tenantId, String userId, String applicationId) {

		/** A delegated caller in a tenant no other test uses. */
		static TestCaller inNewTenant() {
			return in(UUID.randomUUID().toString());
		}

		/** A new delegated caller in {@code tenantId}. */
		static TestCaller in(String tenantId) {
			return new TestCaller(tenantId, UUID.randomUUID().toString(), UUID.randomUUID().toString());
		}

		/**
		 * Another caller of the same kind in the same tenant: another user of the same
		 * application, or another application.
		 */
		TestCaller colleague() {
			if (this.userId == null) {
				return new TestCaller(this.tenantId, null, UUID.randomUUID().toString());
			}
			return new TestCaller(this.tenantId, UUID.randomUUID().toString(), this.applicationId);
		}

		/** The application alone, calling with an app-only token. */
		TestCaller appOnly() {
			return new TestCaller(this.tenantId, null, this.applicationId);
		}

		String token() {
			var token = identityProvider.token()
				.tenant(this.tenantId)
				.issuer(identityProvider.issuerV2(this.tenantId))
				.claim("azp", this.applicationId);
			if (this.userId == null) {
				return token.roles("DeviceManagementApps.ReadWrite.All").build();
			}
			return token.claim("oid", this.userId).build();
		}

	}

}
