package com.graphpolicygateway.routing;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.GatewayRefusal;
import com.graphpolicygateway.graph.TestGraphErrors;

/**
 * Tests for {@link AmbiguousRequestWebFilter}, on mock requests; the HTTP version and the
 * raw request target of requests Reactor Netty serves are covered by
 * {@code HostileInputRouteTests}.
 */
class AmbiguousRequestWebFilterTests {

	private final AmbiguousRequestWebFilter filter = new AmbiguousRequestWebFilter(TestGraphErrors.responder());

	private final AtomicBoolean passed = new AtomicBoolean();

	private final WebFilterChain chain = (exchange) -> {
		this.passed.set(true);
		return Mono.empty();
	};

	@Test
	void filterWhenOneValidHostAndContentTypeThenPassed() {
		filter(patch().header(HttpHeaders.HOST, "gateway.contoso.example:8443")
			.header(HttpHeaders.CONTENT_TYPE, "application/json"));

		assertThat(this.passed).isTrue();
	}

	@Test
	void filterWhenTwoHostHeadersThenBadRequestInGraphShapeClosingTheConnection() {
		MockServerWebExchange exchange = filter(patch().header(HttpHeaders.HOST, "127.0.0.1", "attacker.example"));

		assertRefused(exchange, "The request carries more than one Host header.");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "a b", "user@attacker.example", "attacker.example:", "attacker.example:99999",
			"attacker.example:80x", "[::1", "[]", "[::g]", "attacker.example/path", "attacker%2", "host\tname" })
	void filterWhenHostInvalidThenBadRequest(String host) {
		MockServerWebExchange exchange = filter(patch().header(HttpHeaders.HOST, host));

		assertRefused(exchange, "The Host header is not a valid host and port.");
	}

	@Test
	void filterWhenTwoContentTypeHeadersThenBadRequest() {
		MockServerWebExchange exchange = filter(patch().header(HttpHeaders.HOST, "gateway")
			.header(HttpHeaders.CONTENT_TYPE, "application/json", "text/plain"));

		assertRefused(exchange, "The request carries more than one Content-Type header.");
	}

	@ParameterizedTest
	@ValueSource(strings = { "gateway", "GATEWAY.contoso.example", "127.0.0.1:8080", "[::1]:443", "[2001:db8::7]",
			"xn--bcher-kva.example", "a_b~c!$&'()*+,;=.example", "host%41" })
	void isHostAndPortWhenUriHostAndOptionalPortThenTrue(String host) {
		assertThat(AmbiguousRequestWebFilter.isHostAndPort(host)).isTrue();
	}

	private MockServerHttpRequest.BodyBuilder patch() {
		return MockServerHttpRequest.patch("/users/{id}", UUID.randomUUID());
	}

	private MockServerWebExchange filter(MockServerHttpRequest.BodyBuilder request) {
		MockServerWebExchange exchange = MockServerWebExchange.from(request);
		new RequestCorrelation(UUID.randomUUID().toString(), UUID.randomUUID().toString()).storeOn(exchange);
		this.filter.filter(exchange, this.chain).block();
		return exchange;
	}

	private void assertRefused(MockServerWebExchange exchange, String message) {
		assertThat(this.passed).isFalse();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.CONNECTION)).isEqualTo("close");
		String body = exchange.getResponse().getBodyAsString().block();
		assertThat((String) JsonPath.read(body, "$.error.code")).isEqualTo("invalidRequest");
		assertThat((String) JsonPath.read(body, "$.error.message")).isEqualTo(message);
		assertThat(GatewayRefusal.from(exchange)).isNotNull()
			.satisfies((refusal) -> assertThat(refusal.reason()).isEqualTo("invalid_request"));
	}

}
