package com.graphpolicygateway.routing;

import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.TestGraphErrors;

/**
 * Tests for {@link ClientRequestIdWebFilter}.
 */
class ClientRequestIdWebFilterTests {

	private static final String CLIENT_REQUEST_ID = RequestCorrelation.CLIENT_REQUEST_ID;

	// WebFluxSecurityConfiguration.WEB_FILTER_CHAIN_FILTER_ORDER, which is not public.
	private static final int SPRING_SECURITY_ORDER = -100;

	private final ClientRequestIdWebFilter filter = new ClientRequestIdWebFilter(TestGraphErrors.responder());

	private final AtomicReference<ServerWebExchange> forwarded = new AtomicReference<>();

	private final WebFilterChain chain = (exchange) -> {
		this.forwarded.set(exchange);
		return Mono.empty();
	};

	@Test
	void filterWhenNoClientRequestIdThenGeneratesGuidAndForwardsIt() {
		MockServerWebExchange exchange = exchange(request());
		filter(exchange);
		String generated = this.forwarded.get().getRequest().getHeaders().getFirst(CLIENT_REQUEST_ID);
		assertThat(generated).satisfies(ClientRequestIdWebFilterTests::assertGuid);
		RequestCorrelation correlation = RequestCorrelation.of(this.forwarded.get());
		assertThat(correlation.clientRequestId()).isEqualTo(generated);
		assertThat(correlation.requestId()).satisfies(ClientRequestIdWebFilterTests::assertGuid)
			.isNotEqualTo(generated);
	}

	@Test
	void filterWhenNoClientRequestIdThenEachRequestGetsItsOwn() {
		filter(exchange(request()));
		String first = RequestCorrelation.of(this.forwarded.get()).clientRequestId();
		filter(exchange(request()));
		assertThat(RequestCorrelation.of(this.forwarded.get()).clientRequestId()).isNotEqualTo(first);
	}

	@Test
	void filterWhenGuidSentThenKeptAndForwarded() {
		String sent = TestUserIds.guid();
		MockServerWebExchange exchange = exchange(request().header(CLIENT_REQUEST_ID, sent));
		filter(exchange);
		assertThat(this.forwarded.get().getRequest().getHeaders().get(CLIENT_REQUEST_ID)).containsExactly(sent);
		assertThat(RequestCorrelation.of(this.forwarded.get()).clientRequestId()).isEqualTo(sent);
		assertThat(RequestCorrelation.of(exchange).clientRequestId()).isEqualTo(sent);
	}

	@Test
	void filterWhenUpperCaseGuidSentThenKept() {
		String sent = TestUserIds.guid().toUpperCase(Locale.ROOT);
		filter(exchange(request().header(CLIENT_REQUEST_ID, sent)));
		assertThat(RequestCorrelation.of(this.forwarded.get()).clientRequestId()).isEqualTo(sent);
	}

	@Test
	void filterWhenHeaderNameInOtherCaseThenRecognised() {
		String sent = TestUserIds.guid();
		filter(exchange(request().header("Client-Request-Id", sent)));
		assertThat(RequestCorrelation.of(this.forwarded.get()).clientRequestId()).isEqualTo(sent);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "abc", "not-a-guid-at-all", "{00000000-0000-0000-0000-000000000000}",
			"00000000000000000000000000000000", "00000000-0000-0000-0000-00000000000g",
			"00000000-0000-0000-0000-000000000000x", " 00000000-0000-0000-0000-000000000000",
			"00000000-0000-0000-0000-000000000000, 11111111-1111-1111-1111-111111111111", "\u0000" })
	void filterWhenNotGuidThenBadRequest(String sent) {
		MockServerWebExchange exchange = exchange(request().header(CLIENT_REQUEST_ID, sent));
		filter(exchange);
		assertRefused(exchange);
	}

	@Test
	void filterWhenRepeatedThenBadRequest() {
		MockServerWebExchange exchange = exchange(
				request().header(CLIENT_REQUEST_ID, TestUserIds.guid(), TestUserIds.guid()));
		filter(exchange);
		assertRefused(exchange);
	}

	@Test
	void filterWhenSameGuidRepeatedThenBadRequest() {
		String sent = TestUserIds.guid();
		MockServerWebExchange exchange = exchange(request().header(CLIENT_REQUEST_ID, sent, sent));
		filter(exchange);
		assertRefused(exchange);
	}

	@Test
	void filterWhenRefusedThenIdsInHeadersMatchBodyAndDoNotEchoTheCallersValue() {
		String sent = "<script>";
		MockServerWebExchange exchange = exchange(request().header(CLIENT_REQUEST_ID, sent));
		filter(exchange);
		JsonNode innerError = TestGraphErrors.errorOf(exchange).get("innerError");
		String requestId = exchange.getResponse().getHeaders().getFirst(RequestCorrelation.REQUEST_ID);
		String clientRequestId = exchange.getResponse().getHeaders().getFirst(CLIENT_REQUEST_ID);
		assertThat(requestId).satisfies(ClientRequestIdWebFilterTests::assertGuid);
		assertThat(clientRequestId).satisfies(ClientRequestIdWebFilterTests::assertGuid).isNotEqualTo(sent);
		assertThat(innerError.get("request-id").asString()).isEqualTo(requestId);
		assertThat(innerError.get("client-request-id").asString()).isEqualTo(clientRequestId);
	}

	@Test
	void filterWhenNoClientRequestIdThenResponseCarriesGeneratedOne() {
		MockServerWebExchange exchange = exchange(request());
		filter(exchange);
		commit(exchange);
		String generated = RequestCorrelation.of(exchange).clientRequestId();
		assertThat(exchange.getResponse().getHeaders().get(CLIENT_REQUEST_ID)).containsExactly(generated);
	}

	@Test
	void filterWhenGuidSentThenResponseEchoesIt() {
		String sent = TestUserIds.guid();
		MockServerWebExchange exchange = exchange(request().header(CLIENT_REQUEST_ID, sent));
		filter(exchange);
		commit(exchange);
		assertThat(exchange.getResponse().getHeaders().get(CLIENT_REQUEST_ID)).containsExactly(sent);
	}

	@Test
	void filterWhenUpstreamAnsweredClientRequestIdThenResponseKeepsIt() {
		String upstream = TestUserIds.guid();
		MockServerWebExchange exchange = exchange(request().header(CLIENT_REQUEST_ID, TestUserIds.guid()));
		WebFilterChain answeringChain = (forwarded) -> {
			forwarded.getResponse().getHeaders().set(CLIENT_REQUEST_ID, upstream);
			return forwarded.getResponse().setComplete();
		};
		StepVerifier.create(this.filter.filter(exchange, answeringChain)).verifyComplete();
		assertThat(exchange.getResponse().getHeaders().get(CLIENT_REQUEST_ID)).containsExactly(upstream);
	}

	@Test
	void getOrderWhenComparedWithSpringSecurityThenRunsFirst() {
		assertThat(this.filter.getOrder()).isEqualTo(ClientRequestIdWebFilter.ORDER).isLessThan(SPRING_SECURITY_ORDER);
	}

	@Test
	void constructorWhenResponderNullThenIllegalArgument() {
		assertThatIllegalArgumentException().isThrownBy(() -> new ClientRequestIdWebFilter(null))
			.withMessage("errors cannot be null");
	}

	private void filter(MockServerWebExchange exchange) {
		this.forwarded.set(null);
		StepVerifier.create(this.filter.filter(exchange, this.chain)).verifyComplete();
	}

	private void assertRefused(MockServerWebExchange exchange) {
		assertThat(this.forwarded.get()).as("forwarded exchange").isNull();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		JsonNode error = TestGraphErrors.errorOf(exchange);
		assertThat(error.get("code").asString()).isEqualTo(GraphErrorCodes.INVALID_REQUEST);
		assertThat(error.get("message").asString()).isEqualTo("The client-request-id header must be a single GUID.");
	}

	private static MockServerHttpRequest.BaseBuilder<?> request() {
		return MockServerHttpRequest.method(HttpMethod.PATCH, "/v1.0/users/" + TestUserIds.userPrincipalName());
	}

	private static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request) {
		return MockServerWebExchange.from(request.build());
	}

	private static void commit(MockServerWebExchange exchange) {
		exchange.getResponse().setComplete().block();
	}

	private static void assertGuid(String value) {
		assertThat(UUID.fromString(value).toString()).isEqualToIgnoringCase(value);
	}

}
