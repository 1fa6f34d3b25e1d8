package com.graphpolicygateway.graph;

import java.util.UUID;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.RequestCorrelation;

/**
 * Tests for {@link GraphErrorResponder}.
 */
class GraphErrorResponderTests {

	private final GraphErrorResponder responder = TestGraphErrors.responder();

	private final MockServerWebExchange exchange = MockServerWebExchange
		.from(MockServerHttpRequest.patch("/v1.0/users/{id}", UUID.randomUUID().toString()));

	@Test
	void respondWhenCalledThenWritesGraphErrorShape() {
		respond(HttpStatus.FORBIDDEN, GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED, "Not allowed.");
		assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
		assertThat(this.exchange.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		JsonNode body = TestGraphErrors.bodyOf(this.exchange.getResponse());
		assertThat(body.propertyNames()).containsExactly("error");
		JsonNode error = body.get("error");
		assertThat(error.propertyNames()).containsExactly("code", "message", "innerError");
		assertThat(error.get("code").asString()).isEqualTo(GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED);
		assertThat(error.get("message").asString()).isEqualTo("Not allowed.");
		assertThat(error.get("innerError").propertyNames()).containsExactly("date", "request-id", "client-request-id");
	}

	@Test
	void respondWhenCalledThenDateIsTheClocksInstantInUtcToTheSecond() {
		respond(HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, "Bad.");
		assertThat(innerError().get("date").asString()).isEqualTo("2024-05-06T07:08:09");
	}

	@Test
	void respondWhenClockInOtherZoneThenDateStillInUtc() {
		Clock auckland = Clock.fixed(Instant.parse("2024-12-31T23:59:59.999Z"), ZoneId.of("Pacific/Auckland"));
		GraphErrorResponder responder = new GraphErrorResponder(TestGraphErrors.JSON, auckland);
		StepVerifier
			.create(responder.respond(this.exchange, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, "Bad."))
			.verifyComplete();
		assertThat(innerError().get("date").asString()).isEqualTo("2024-12-31T23:59:59");
	}

	@Test
	void respondWhenCorrelationStoredThenHeadersAndInnerErrorCarryIt() {
		RequestCorrelation correlation = new RequestCorrelation(UUID.randomUUID().toString(),
				UUID.randomUUID().toString());
		correlation.storeOn(this.exchange);
		respond(HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, "Bad.");
		HttpHeaders headers = this.exchange.getResponse().getHeaders();
		assertThat(headers.get(RequestCorrelation.REQUEST_ID)).containsExactly(correlation.requestId());
		assertThat(headers.get(RequestCorrelation.CLIENT_REQUEST_ID)).containsExactly(correlation.clientRequestId());
		assertThat(innerError().get("request-id").asString()).isEqualTo(correlation.requestId());
		assertThat(innerError().get("client-request-id").asString()).isEqualTo(correlation.clientRequestId());
	}

	@Test
	void respondWhenNoCorrelationStoredThenMakesOneAndUsesItThroughout() {
		respond(HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, "Bad.");
		RequestCorrelation correlation = RequestCorrelation.of(this.exchange);
		HttpHeaders headers = this.exchange.getResponse().getHeaders();
		assertThat(headers.getFirst(RequestCorrelation.REQUEST_ID)).isEqualTo(correlation.requestId());
		assertThat(headers.getFirst(RequestCorrelation.CLIENT_REQUEST_ID)).isEqualTo(correlation.clientRequestId());
		assertThat(innerError().get("request-id").asString()).isEqualTo(correlation.requestId());
		assertThat(innerError().get("client-request-id").asString()).isEqualTo(correlation.clientRequestId());
	}

	@Test
	void respondWhenResponseAlreadyHasCorrelationHeadersThenReplacesThem() {
		this.exchange.getResponse().getHeaders().add(RequestCorrelation.REQUEST_ID, "upstream");
		respond(HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, "Bad.");
		assertThat(this.exchange.getResponse().getHeaders().get(RequestCorrelation.REQUEST_ID))
			.containsExactly(RequestCorrelation.of(this.exchange).requestId());
	}

	@Test
	void respondWhenExtraHeadersThenAdded() {
		StepVerifier
			.create(this.responder.respond(this.exchange, HttpStatus.SERVICE_UNAVAILABLE,
					GraphErrorCodes.SERVICE_NOT_AVAILABLE, "Later.", (headers) -> headers.set("Retry-After", "10")))
			.verifyComplete();
		assertThat(this.exchange.getResponse().getHeaders().get("Retry-After")).containsExactly("10");
		assertThat(this.exchange.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
	}

	@Test
	void respondWhenMessageLongerThanLimitThenTruncated() {
		respond(HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, "m".repeat(1000) + "tail");
		assertThat(TestGraphErrors.errorOf(this.exchange).get("message").asString())
			.isEqualTo("m".repeat(1000) + "...");
	}

	@Test
	void respondWhenMessageAtLimitThenKeptWhole() {
		respond(HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, "m".repeat(1000));
		assertThat(TestGraphErrors.errorOf(this.exchange).get("message").asString()).isEqualTo("m".repeat(1000));
	}

	@Test
	void respondWhenMessageHasQuotesAndControlCharactersThenBodyIsValidJson() {
		String message = "He said \"no\"\r\n\t\\ </script> \u0000 \u2603";
		respond(HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, message);
		assertThat(TestGraphErrors.errorOf(this.exchange).get("message").asString()).isEqualTo(message);
	}

	@Test
	void respondWhenResponseCommittedThenLeavesItAlone() {
		this.exchange.getResponse().setStatusCode(HttpStatus.OK);
		this.exchange.getResponse().setComplete().block();
		respond(HttpStatus.BAD_GATEWAY, GraphErrorCodes.BAD_GATEWAY, "Too late.");
		assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(this.exchange.getResponse().getHeaders().containsHeader(RequestCorrelation.REQUEST_ID)).isFalse();
		assertThat(this.exchange.getResponse().getBodyAsString().block()).isNullOrEmpty();
	}

	@Test
	void constructorWhenJsonMapperNullThenIllegalArgument() {
		assertThatIllegalArgumentException().isThrownBy(() -> new GraphErrorResponder(null, Clock.systemUTC()))
			.withMessage("jsonMapper cannot be null");
	}

	@Test
	void constructorWhenClockNullThenIllegalArgument() {
		assertThatIllegalArgumentException().isThrownBy(() -> new GraphErrorResponder(TestGraphErrors.JSON, null))
			.withMessage("clock cannot be null");
	}

	private void respond(HttpStatus status, String code, String message) {
		StepVerifier.create(this.responder.respond(this.exchange, status, code, message)).verifyComplete();
	}

	private JsonNode innerError() {
		return TestGraphErrors.errorOf(this.exchange).get("innerError");
	}

}
