package com.graphpolicygateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubGraph.Answer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The optional retry, switched on: a call Graph throttles with {@code Retry-After} is
 * sent again after that wait, with the same body, when the wait fits the budget;
 * otherwise, or without {@code Retry-After}, Graph's answer is relayed unchanged and the
 * call is sent once. Each test reads the answer's body: a body the test client leaves
 * unread is never released, and Netty's leak detector reports it later in the build.
 */
@TestPropertySource(properties = { "graph-gateway.upstream.retry.enabled=true",
		"graph-gateway.upstream.retry.max-attempts=3", "graph-gateway.upstream.retry.budget=3s" })
class UpstreamRetryRouteTests extends GatewayIntegrationTest {

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	@Test
	void patchWhenGraphThrottlesWithRetryAfterWithinBudgetThenSentAgainAndTheSecondAnswerRelayed() {
		graph.willAnswer(throttled(429, "1"));

		patch().expectStatus().isNoContent();

		assertThat(graph.received()).hasSize(2)
			.allSatisfy((request) -> assertThat(request.bodyText()).isEqualTo(BODY))
			.extracting((request) -> request.headers().getFirst("client-request-id"))
			.containsOnly(graph.received().get(0).headers().getFirst("client-request-id"));
	}

	@Test
	void patchWhenGraphIsUnavailableTwiceThenThirdAttemptAnswers() {
		graph.willAnswer(throttled(503, "0")).willAnswer(throttled(503, "0"));

		patch().expectStatus().isNoContent();

		assertThat(graph.received()).hasSize(3);
	}

	@Test
	void patchWhenAttemptsRunOutThenGraphsLastAnswerIsRelayedUnchanged() {
		graph.willAnswer(throttled(429, "0")).willAnswer(throttled(429, "0")).willAnswer(throttled(429, "0"));

		patch().expectStatus()
			.isEqualTo(429)
			.expectHeader()
			.valueEquals("Retry-After", "0")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TooManyRequests");

		assertThat(graph.received()).hasSize(3);
	}

	@Test
	void patchWhenRetryAfterExceedsTheBudgetThenRelayedWithoutRetry() {
		graph.willAnswer(throttled(429, "30"));

		patch().expectStatus()
			.isEqualTo(429)
			.expectHeader()
			.valueEquals("Retry-After", "30")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("TooManyRequests");

		assertThat(graph.received()).hasSize(1);
	}

	@Test
	void patchWhenGraphThrottlesWithoutRetryAfterThenNoBlindRetry() {
		graph.willAnswer(Answer.json(429, "{\"error\":{\"code\":\"TooManyRequests\"}}", Map.of()));

		patch().expectStatus().isEqualTo(429).expectBody().jsonPath("$.error.code").isEqualTo("TooManyRequests");

		assertThat(graph.received()).hasSize(1);
	}

	@Test
	void patchWhenGraphFailsOtherwiseThenNeverRetried() {
		graph.willAnswer(Answer.json(500, "{\"error\":{\"code\":\"generalException\"}}", Map.of("Retry-After", "0")));

		patch().expectStatus().isEqualTo(500).expectBody().jsonPath("$.error.code").isEqualTo("generalException");

		assertThat(graph.received()).hasSize(1);
	}

	private static Answer throttled(int status, String retryAfter) {
		return new Answer(status, Map.of("Retry-After", retryAfter, "Content-Type", "application/json"),
				"{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"throttled\"}}"
					.getBytes(StandardCharsets.UTF_8));
	}

	private WebTestClient.ResponseSpec patch() {
		return this.client.method(HttpMethod.PATCH)
			.uri("/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY)
			.exchange();
	}

}
