package com.graphpolicygateway.upstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The route when nothing listens at Graph's address: 502 {@code badGateway}, audited as
 * {@code upstream_unreachable}; refused connections open the circuit breaker, and a trial
 * call that fails again re-opens it.
 * <p>
 * Mirrors {@link com.graphpolicygateway.test.GatewayIntegrationTest} rather than
 * extending it, because that class's Graph address would replace this class's.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "graph-gateway.upstream.circuit-breaker.minimum-calls=4",
				"graph-gateway.upstream.circuit-breaker.sliding-window=4",
				"graph-gateway.upstream.circuit-breaker.failure-rate-threshold=50",
				"graph-gateway.upstream.circuit-breaker.open-duration=1s",
				"graph-gateway.upstream.circuit-breaker.half-open-calls=1" })
class UpstreamUnreachableRouteTests {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	/** A loopback port where nothing listens. */
	static final int DEAD_PORT = freePort();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	@Autowired
	UpstreamCircuitBreakerGatewayFilterFactory circuitBreaker;

	@Autowired
	JdbcTemplate jdbc;

	@LocalServerPort
	int port;

	WebTestClient client;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		registry.add("graph-gateway.upstream.base-uri", () -> "http://127.0.0.1:" + DEAD_PORT);
		registry.add("graph-gateway.identity.token-uri", identityProvider::tokenUriTemplate);
		registry.add("graph-gateway.identity.client-id", () -> StubIdentityProvider.GATEWAY_CLIENT_ID);
		registry.add("graph-gateway.identity.client-secret", () -> StubIdentityProvider.GATEWAY_CLIENT_SECRET);
		registry.add("graph-gateway.identity.audiences[0]", () -> StubIdentityProvider.AUDIENCE);
		registry.add("graph-gateway.identity.issuers[0].issuer", identityProvider::issuerTemplateV2);
		registry.add("graph-gateway.identity.issuers[0].jwk-set-uri", identityProvider::jwkSetUri);
		registry.add("graph-gateway.policy.file", () -> "src/test/resources/policy/allow-all.yml");
		registry.add("management.server.port", () -> "0");
	}

	@BeforeEach
	void closeTheCircuitAndMakeClient() {
		this.circuitBreaker.breaker().reset();
		this.client = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

	@Test
	void patchWhenNothingListensAtGraphsAddressThenBadGatewayInGraphsShapeAuditedAsUnreachable() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(clientRequestId).exchange()
			.expectStatus()
			.isEqualTo(502)
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectHeader()
			.valueEquals("client-request-id", clientRequestId)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("badGateway")
			.jsonPath("$.error.message")
			.isNotEmpty()
			.jsonPath("$.error.innerError.client-request-id")
			.isEqualTo(clientRequestId);

		assertThat(auditEventOf(clientRequestId)).containsEntry("activity_result", "failure")
			.containsEntry("decision", "allow")
			.containsEntry("reason", "upstream_unreachable")
			.containsEntry("upstream_status", null);
	}

	@Test
	void patchWhenConnectionsKeepBeingRefusedThenCircuitOpensAndAFailingTrialReopensIt() throws InterruptedException {
		for (int i = 0; i < 4; i++) {
			patch(UUID.randomUUID().toString()).exchange().expectStatus().isEqualTo(502);
		}
		String refusedId = UUID.randomUUID().toString();

		patch(refusedId).exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals(HttpHeaders.RETRY_AFTER, "1")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable");
		assertThat(auditEventOf(refusedId)).containsEntry("reason", "circuit_open");

		Thread.sleep(1200);
		patch(UUID.randomUUID().toString()).exchange().expectStatus().isEqualTo(502);

		assertThat(this.circuitBreaker.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
		patch(UUID.randomUUID().toString()).exchange().expectStatus().isEqualTo(503);
	}

	private WebTestClient.RequestHeadersSpec<?> patch(String clientRequestId) {
		return this.client.method(HttpMethod.PATCH)
			.uri("/users/" + USER_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
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

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
