package com.graphpolicygateway.routing;

import java.net.ConnectException;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import io.netty.channel.ConnectTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.Exceptions;
import reactor.netty.http.client.PrematureCloseException;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.TestGraphErrors;
import com.graphpolicygateway.test.LogCapture;

/**
 * Tests for {@link GraphErrorWebExceptionHandler}.
 */
class GraphErrorWebExceptionHandlerTests {

	private static final String UPSTREAM_UNREACHABLE = "Microsoft Graph could not be reached through the gateway.";

	private static final String UPSTREAM_TIMEOUT = "Microsoft Graph did not answer in time.";

	@RegisterExtension
	final LogCapture logs = LogCapture.of(GraphErrorWebExceptionHandler.class);

	private final GraphErrorWebExceptionHandler handler = new GraphErrorWebExceptionHandler(
			TestGraphErrors.responder());

	private final MockServerWebExchange exchange = MockServerWebExchange
		.from(MockServerHttpRequest.get("/v1.0/users/{id}", TestUserIds.guid()));

	@Test
	void handleWhenMethodNotAllowedThenMethodNotAllowedWithAllowPatch() {
		handle(new MethodNotAllowedException(HttpMethod.GET, Set.of(HttpMethod.PATCH)));
		assertAnswered(HttpStatus.METHOD_NOT_ALLOWED, GraphErrorCodes.METHOD_NOT_ALLOWED,
				"Only PATCH is routed at this path.");
		assertThat(this.exchange.getResponse().getHeaders().getAllow()).containsExactly(HttpMethod.PATCH);
	}

	@ParameterizedTest
	@MethodSource("statusExceptions")
	void handleWhenResponseStatusExceptionThenGraphCodeForItsStatus(ResponseStatusException ex, HttpStatus status,
			String code, String message) {
		handle(ex);
		assertAnswered(status, code, message);
		if (code.equals(GraphErrorCodes.GENERAL_EXCEPTION)) {
			// A server error the gateway did not expect: its cause is kept in the log
			// only.
			assertThat(this.logs.errors()).singleElement()
				.asString()
				.startsWith("Failure on " + this.exchange.getRequest().getPath().value())
				.contains(ResponseStatusException.class.getName());
		}
		else {
			assertThat(this.logs.errors()).isEmpty();
		}
	}

	static Stream<Arguments> statusExceptions() {
		return Stream.of(
				arguments(new ResponseStatusException(HttpStatus.NOT_FOUND), HttpStatus.NOT_FOUND,
						GraphErrorCodes.ITEM_NOT_FOUND,
						"No operation of the gateway's catalogue is at this path: the gateway routes only the Graph "
								+ "operations it declares."),
				arguments(
						new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT, "Response took longer than 5s",
								new TimeoutException()),
						HttpStatus.GATEWAY_TIMEOUT, GraphErrorCodes.GATEWAY_TIMEOUT, UPSTREAM_TIMEOUT),
				arguments(new ResponseStatusException(HttpStatus.BAD_GATEWAY), HttpStatus.BAD_GATEWAY,
						GraphErrorCodes.BAD_GATEWAY, UPSTREAM_UNREACHABLE),
				arguments(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "Unable to find instance"),
						HttpStatus.SERVICE_UNAVAILABLE, GraphErrorCodes.BAD_GATEWAY, UPSTREAM_UNREACHABLE),
				arguments(new ResponseStatusException(HttpStatus.PAYLOAD_TOO_LARGE), HttpStatus.PAYLOAD_TOO_LARGE,
						GraphErrorCodes.REQUEST_TOO_LARGE, "The request is larger than the gateway accepts."),
				arguments(new UnsupportedMediaTypeStatusException("text/plain"), HttpStatus.UNSUPPORTED_MEDIA_TYPE,
						GraphErrorCodes.UNSUPPORTED_MEDIA_TYPE,
						"The request body must be JSON in UTF-8 (Content-Type: application/json)."),
				arguments(new ServerWebInputException("bad input"), HttpStatus.BAD_REQUEST,
						GraphErrorCodes.INVALID_REQUEST, "The request is not valid."),
				arguments(new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS), HttpStatus.TOO_MANY_REQUESTS,
						GraphErrorCodes.INVALID_REQUEST, "The request is not valid."),
				arguments(new ResponseStatusException(HttpStatus.INTERNAL_SERVER_ERROR, "secret detail"),
						HttpStatus.INTERNAL_SERVER_ERROR, GraphErrorCodes.GENERAL_EXCEPTION,
						"The gateway failed to process the request."),
				arguments(new ResponseStatusException(HttpStatus.NOT_IMPLEMENTED), HttpStatus.NOT_IMPLEMENTED,
						GraphErrorCodes.GENERAL_EXCEPTION, "The gateway failed to process the request."));
	}

	@ParameterizedTest
	@MethodSource("timeouts")
	void handleWhenTimeoutInCauseChainThenGatewayTimeout(Throwable ex) {
		handle(ex);
		assertAnswered(HttpStatus.GATEWAY_TIMEOUT, GraphErrorCodes.GATEWAY_TIMEOUT, UPSTREAM_TIMEOUT);
	}

	static Stream<Throwable> timeouts() {
		return Stream.of(new TimeoutException("Did not observe any item within 5000ms"),
				Exceptions.propagate(new TimeoutException()), new IllegalStateException(new TimeoutException()));
	}

	@ParameterizedTest
	@MethodSource("connectionFailures")
	void handleWhenUpstreamUnreachableThenBadGateway(Throwable ex) {
		handle(ex);
		assertAnswered(HttpStatus.BAD_GATEWAY, GraphErrorCodes.BAD_GATEWAY, UPSTREAM_UNREACHABLE);
	}

	static Stream<Throwable> connectionFailures() {
		return Stream.of(new ConnectException("Connection refused"),
				new ConnectTimeoutException("connection timed out: graph.microsoft.com"),
				PrematureCloseException.TEST_EXCEPTION,
				Exceptions.propagate(new ConnectException("Connection refused")),
				new IllegalStateException(new RuntimeException(PrematureCloseException.TEST_EXCEPTION)));
	}

	@Test
	void handleWhenAuthenticationServiceExceptionThenServiceUnavailableWithRetryAfter() {
		handle(new AuthenticationServiceException("An error occurred while attempting to decode the Jwt"));
		assertAnswered(HttpStatus.SERVICE_UNAVAILABLE, GraphErrorCodes.SERVICE_NOT_AVAILABLE,
				"The gateway could not check the access token: the identity provider's signing keys are unavailable.");
		assertThat(this.exchange.getResponse().getHeaders().get("Retry-After")).containsExactly("10");
	}

	@Test
	void handleWhenUnexpectedExceptionThenInternalServerErrorWithoutDetails() {
		handle(new IllegalStateException("secret detail"));
		assertAnswered(HttpStatus.INTERNAL_SERVER_ERROR, GraphErrorCodes.GENERAL_EXCEPTION,
				"The gateway failed to process the request.");
		assertThat(this.exchange.getResponse().getBodyAsString().block()).doesNotContain("secret detail",
				"IllegalStateException");
		assertThat(this.logs.errors()).singleElement()
			.asString()
			.isEqualTo("Unexpected failure on GET " + this.exchange.getRequest().getPath().value()
					+ " <- java.lang.IllegalStateException: secret detail");
	}

	@Test
	void handleWhenResponseCommittedThenErrorPassedOnAndResponseLeftAlone() {
		this.exchange.getResponse().setStatusCode(HttpStatus.OK);
		this.exchange.getResponse().setComplete().block();
		IllegalStateException failure = new IllegalStateException("late failure");
		StepVerifier.create(this.handler.handle(this.exchange, failure))
			.verifyErrorSatisfies((ex) -> assertThat(ex).isSameAs(failure));
		assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.OK);
	}

	@Test
	void handleWhenCorrelationStoredThenErrorCarriesIt() {
		RequestCorrelation correlation = new RequestCorrelation(TestUserIds.guid(), TestUserIds.guid());
		correlation.storeOn(this.exchange);
		handle(new ResponseStatusException(HttpStatus.NOT_FOUND));
		JsonNode innerError = TestGraphErrors.errorOf(this.exchange).get("innerError");
		assertThat(innerError.get("request-id").asString()).isEqualTo(correlation.requestId());
		assertThat(innerError.get("client-request-id").asString()).isEqualTo(correlation.clientRequestId());
	}

	@Test
	void getOrderWhenComparedWithSpringBootsHandlerThenFirst() {
		// Spring Boot registers its DefaultErrorWebExceptionHandler at order -1.
		assertThat(this.handler.getOrder()).isEqualTo(GraphErrorWebExceptionHandler.ORDER).isLessThan(-1);
	}

	@Test
	void constructorWhenResponderNullThenIllegalArgument() {
		assertThatIllegalArgumentException().isThrownBy(() -> new GraphErrorWebExceptionHandler(null))
			.withMessage("errors cannot be null");
	}

	private void handle(Throwable ex) {
		StepVerifier.create(this.handler.handle(this.exchange, ex)).verifyComplete();
	}

	private void assertAnswered(HttpStatus status, String code, String message) {
		assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(status);
		JsonNode error = TestGraphErrors.errorOf(this.exchange);
		assertThat(error.get("code").asString()).isEqualTo(code);
		assertThat(error.get("message").asString()).isEqualTo(message);
	}

}
