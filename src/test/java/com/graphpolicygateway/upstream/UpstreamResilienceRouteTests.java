package com.graphpolicygateway.upstream;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.LogCapture;
import com.graphpolicygateway.test.StubGraph.Answer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The route when Graph misbehaves: too slow (504), gone mid-call (502), a body cut short
 * or slow; Graph's own errors relayed without counting as failures; and the circuit
 * breaker opening on connection failures and timeouts, refusing calls without reaching
 * Graph while open, and closing or re-opening after one trial call. Each test reads the
 * answer's body: a body the test client leaves unread is never released, and Netty's leak
 * detector reports it later in the build.
 */
@TestPropertySource(properties = { "graph-gateway.upstream.response-timeout=500ms",
		"graph-gateway.upstream.circuit-breaker.minimum-calls=4",
		"graph-gateway.upstream.circuit-breaker.sliding-window=4",
		"graph-gateway.upstream.circuit-breaker.failure-rate-threshold=50",
		"graph-gateway.upstream.circuit-breaker.open-duration=1s",
		"graph-gateway.upstream.circuit-breaker.half-open-calls=1" })
class UpstreamResilienceRouteTests extends GatewayIntegrationTest {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	static final String USER = "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"" + USER_ID
			+ "\",\"displayName\":\"Adele Vance\",\"jobTitle\":\"Retail Manager\"}";

	/** Longer than the response timeout (500ms) but short enough to keep tests quick. */
	static final Duration SLOW = Duration.ofSeconds(2);

	/** The open duration, and a margin. */
	static final Duration OPEN = Duration.ofMillis(1200);

	/** Failures that open the circuit: the minimum calls of the sliding window. */
	static final int FAILURES_TO_OPEN = 4;

	/** Where Spring and Reactor Netty report an answer broken after it was committed. */
	@RegisterExtension
	final LogCapture logs = LogCapture.of("org.springframework.web.server.adapter.HttpWebHandlerAdapter",
			"reactor.netty.http.server.HttpServerOperations");

	@Autowired
	UpstreamCircuitBreakerGatewayFilterFactory circuitBreaker;

	@Autowired
	JdbcTemplate jdbc;

	@BeforeEach
	void closeTheCircuit() {
		breaker().reset();
	}

	@Test
	void patchWhenGraphAnswersAfterTheResponseTimeoutThenGatewayTimeoutInGraphsShape() {
		graph.willAnswerAfter(SLOW, Answer.noContent());
		String clientRequestId = UUID.randomUUID().toString();
		long started = System.nanoTime();

		patch(clientRequestId).exchange()
			.expectStatus()
			.isEqualTo(504)
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectHeader()
			.valueEquals("client-request-id", clientRequestId)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("gatewayTimeout")
			.jsonPath("$.error.message")
			.isNotEmpty()
			.jsonPath("$.error.innerError.client-request-id")
			.isEqualTo(clientRequestId)
			.jsonPath("$.error.innerError.request-id")
			.isNotEmpty();

		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(SLOW);
		assertThat(graph.received()).hasSize(1);
	}

	@Test
	void patchWhenGraphAnswersAfterTheResponseTimeoutThenAuditedAsUpstreamTimeout() {
		graph.willAnswerAfter(SLOW, Answer.noContent());
		String clientRequestId = UUID.randomUUID().toString();

		patch(clientRequestId).exchange()
			.expectStatus()
			.isEqualTo(504)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("gatewayTimeout");

		assertThat(auditEventOf(clientRequestId)).containsEntry("activity_result", "failure")
			.containsEntry("decision", "allow")
			.containsEntry("reason", "upstream_timeout")
			.containsEntry("upstream_status", null);
	}

	@Test
	void patchWhenGraphClosesTheConnectionWithoutAnswerThenBadGatewayAndThePatchIsNotRetried() {
		graph.willCloseWithoutAnswer();
		String clientRequestId = UUID.randomUUID().toString();

		patch(clientRequestId).exchange()
			.expectStatus()
			.isEqualTo(502)
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("badGateway")
			.jsonPath("$.error.innerError.client-request-id")
			.isEqualTo(clientRequestId);

		assertThat(graph.received()).hasSize(1);
		assertThat(auditEventOf(clientRequestId)).containsEntry("activity_result", "failure")
			.containsEntry("reason", "upstream_unreachable")
			.containsEntry("upstream_status", null);
	}

	@Test
	void patchWhenGraphResetsTheConnectionThenBadGateway() {
		graph.willResetConnection();
		String clientRequestId = UUID.randomUUID().toString();

		patchWithoutBody(clientRequestId).bodyValue(largeBody())
			.exchange()
			.expectStatus()
			.isEqualTo(502)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("badGateway");

		assertThat(graph.received()).hasSize(1);
		assertThat(auditEventOf(clientRequestId)).containsEntry("reason", "upstream_unreachable");
	}

	@Test
	void patchWhenGraphCutsItsBodyShortThenTheCallerSeesABrokenAnswerNotAShortOne() {
		graph.willAnswerTruncated(10, Answer.json(200, USER, Map.of()));
		HttpClient http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(5))
			.build();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/users/" + USER_ID))
			.method("PATCH", HttpRequest.BodyPublishers.ofString(BODY))
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
			.timeout(Duration.ofSeconds(10))
			.build();

		assertThatExceptionOfType(IOException.class)
			.isThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()));
		assertThat(graph.received()).hasSize(1);
		// The 200 was committed before Graph's body broke off: the connection is closed.
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.logs.errors())
				.anyMatch((line) -> line.contains("PrematureCloseException")
						&& line.contains("ServerHttpResponse already committed (200 OK)"))
				.anyMatch((line) -> line.contains("Error finishing response. Closing connection")));
	}

	@Test
	void patchWhenGraphSendsItsHeadersInTimeButItsBodySlowlyThenTheWholeAnswerIsRelayed() {
		graph.willAnswerWithSlowBody(Duration.ofSeconds(1), Answer.json(200, USER, Map.of("request-id", "slow-1")));

		patch(UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.valueEquals("request-id", "slow-1")
			.expectBody(String.class)
			.isEqualTo(USER);
	}

	@Test
	void patchWhenGraphAnswers429Or503ThenRelayedAndNotCountedByTheCircuitBreaker() {
		for (int i = 0; i < FAILURES_TO_OPEN; i++) {
			graph.willAnswer(Answer.json((i % 2 == 0) ? 429 : 503,
					"{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"from Graph\"}}",
					Map.of("Retry-After", "7")));
		}

		for (int i = 0; i < FAILURES_TO_OPEN; i++) {
			patch(UUID.randomUUID().toString()).exchange()
				.expectStatus()
				.isEqualTo((i % 2 == 0) ? 429 : 503)
				.expectHeader()
				.valueEquals(HttpHeaders.RETRY_AFTER, "7")
				.expectBody()
				.jsonPath("$.error.code")
				.isEqualTo("TooManyRequests");
		}

		assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(breaker().getMetrics().getNumberOfFailedCalls()).isZero();
		assertThat(breaker().getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(FAILURES_TO_OPEN);
		patch(UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		assertThat(graph.received()).hasSize(FAILURES_TO_OPEN + 1);
	}

	@Test
	void patchWhenConnectionsKeepFailingThenCircuitOpensAndCallsAreRefusedWithoutReachingGraph() {
		openTheCircuitByClosedConnections();
		String clientRequestId = UUID.randomUUID().toString();

		patch(clientRequestId).exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals(HttpHeaders.RETRY_AFTER, "1")
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable")
			.jsonPath("$.error.innerError.client-request-id")
			.isEqualTo(clientRequestId);

		assertThat(graph.received()).hasSize(FAILURES_TO_OPEN);
		assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
		assertThat(auditEventOf(clientRequestId)).containsEntry("reason", "circuit_open")
			.containsEntry("upstream_status", null);
	}

	@Test
	void patchWhenGraphKeepsTimingOutThenCircuitOpens() {
		for (int i = 0; i < FAILURES_TO_OPEN; i++) {
			graph.willAnswerAfter(SLOW, Answer.noContent());
		}
		for (int i = 0; i < FAILURES_TO_OPEN; i++) {
			patch(UUID.randomUUID().toString()).exchange()
				.expectStatus()
				.isEqualTo(504)
				.expectBody()
				.jsonPath("$.error.code")
				.isEqualTo("gatewayTimeout");
		}

		patch(UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable");

		assertThat(graph.received()).hasSize(FAILURES_TO_OPEN);
		assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

	@Test
	void patchWhenOpenDurationPassedAndTheTrialCallSucceedsThenCircuitClosesAgain() throws InterruptedException {
		openTheCircuitByClosedConnections();
		patch(UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable");
		graph.reset();

		Thread.sleep(OPEN.toMillis());
		patch(UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();

		assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		patch(UUID.randomUUID().toString()).exchange().expectStatus().isNoContent();
		assertThat(graph.received()).hasSize(2);
	}

	@Test
	void patchWhenOpenDurationPassedAndTheTrialCallFailsThenCircuitOpensAgain() throws InterruptedException {
		openTheCircuitByClosedConnections();
		graph.reset();

		Thread.sleep(OPEN.toMillis());
		graph.willCloseWithoutAnswer();
		patch(UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isEqualTo(502)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("badGateway");

		assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
		patch(UUID.randomUUID().toString()).exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals(HttpHeaders.RETRY_AFTER, "1")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable");
		assertThat(graph.received()).hasSize(1);
	}

	private void openTheCircuitByClosedConnections() {
		for (int i = 0; i < FAILURES_TO_OPEN; i++) {
			graph.willCloseWithoutAnswer();
		}
		for (int i = 0; i < FAILURES_TO_OPEN; i++) {
			patch(UUID.randomUUID().toString()).exchange()
				.expectStatus()
				.isEqualTo(502)
				.expectBody()
				.jsonPath("$.error.code")
				.isEqualTo("badGateway");
		}
		assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

	private CircuitBreaker breaker() {
		return this.circuitBreaker.breaker();
	}

	private WebTestClient.RequestBodySpec patchWithoutBody(String clientRequestId) {
		return this.client.method(HttpMethod.PATCH)
			.uri("/users/" + USER_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON);
	}

	private WebTestClient.RequestHeadersSpec<?> patch(String clientRequestId) {
		return patchWithoutBody(clientRequestId).bodyValue(BODY);
	}

	/**
	 * A body larger than the socket buffers, so that it is still arriving when Graph
	 * drops the connection.
	 */
	private static String largeBody() {
		return "{\"displayName\":\"" + "a".repeat(900 * 1024) + "\"}";
	}

	/** The request's audit event, once the asynchronous writer has completed it. */
	private Map<String, Object> auditEventOf(String clientRequestId) {
		return await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> rows.size() == 1 && !"pending".equals(rows.get(0).get("activity_result")))
			.get(0);
	}

}
