package com.graphpolicygateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.OperationRequest;
import com.graphpolicygateway.graph.TestOperations;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.TestGraphErrors;

/**
 * Tests for {@link RequestGuardGatewayFilterFactory}.
 */
class RequestGuardGatewayFilterFactoryTests {

	private static final int ONE_MEBIBYTE = 1024 * 1024;

	private final RequestGuardGatewayFilterFactory factory = new RequestGuardGatewayFilterFactory(
			TestGraphErrors.responder(), TestOperations.catalogue());

	private final GatewayFilter guard = this.factory
		.apply(new RequestGuardGatewayFilterFactory.Config().operation(TestOperations.userUpdate()));

	private final AtomicReference<ServerWebExchange> forwarded = new AtomicReference<>();

	private final GatewayFilterChain chain = (exchange) -> {
		this.forwarded.set(exchange);
		return Mono.empty();
	};

	@Test
	void filterWhenValidPatchThenForwardsExactBodyWithContentLength() {
		byte[] body = TestPatchBodies
			.utf8("{ \"displayName\" : \"Zo\u00eb\\u0020Vance\" ,\n\t\"jobTitle\": \"Ing\u00e9nieure \u2603\" }\r\n");
		MockServerWebExchange exchange = TestPatchRequests.patch().body(body).exchange();
		filter(exchange);
		assertThat(forwardedBody()).isEqualTo(body);
		assertThat(this.forwarded.get().getRequest().getHeaders().getContentLength()).isEqualTo(body.length);
		assertThat(exchange.getResponse().getStatusCode()).isNull();
	}

	@Test
	void filterWhenForwardedBodyReadTwiceThenSameBytes() {
		byte[] body = TestPatchBodies.user().build();
		filter(TestPatchRequests.patch().body(body).exchange());
		assertThat(forwardedBody()).isEqualTo(body);
		assertThat(forwardedBody()).isEqualTo(body);
	}

	@Test
	void filterWhenValidPatchThenStoresTheCallOnExchange() {
		String upn = TestUserIds.userPrincipalName();
		byte[] body = TestPatchBodies.user().odataType(TestPatchBodies.USER_TYPE).build();
		filter(TestPatchRequests.patch().rawUserId(TestUserIds.encoded(upn)).body(body).exchange());
		OperationRequest stored = OperationRequest.from(this.forwarded.get());
		assertThat(stored.target()).isEqualTo(upn);
		assertThat(stored.propertyNames()).containsExactly("@odata.type", "displayName", "jobTitle");
	}

	@Test
	void filterWhenGuidThenStoresIt() {
		String guid = TestUserIds.guid();
		filter(TestPatchRequests.patch().rawUserId(guid).exchange());
		assertThat(OperationRequest.from(this.forwarded.get()).target()).isEqualTo(guid);
	}

	@Test
	void filterWhenGuestUserPrincipalNameThenStoresItDecoded() {
		filter(TestPatchRequests.patch().rawUserId("alice_contoso.com%23EXT%23@fabrikam.onmicrosoft.com").exchange());
		assertThat(OperationRequest.from(this.forwarded.get()).target())
			.isEqualTo(TestUserIds.guestUserPrincipalName("alice@contoso.com", "fabrikam.onmicrosoft.com"));
	}

	@Test
	void filterWhenChunkedBodyWithoutContentLengthThenForwardsWithContentLength() {
		byte[] body = TestPatchBodies.ofSize(20_000);
		MockServerWebExchange exchange = TestPatchRequests.patch().body(body).chunked().exchange();
		assertThat(exchange.getRequest().getHeaders().getContentLength()).isEqualTo(-1);
		filter(exchange);
		assertForwardedWithContentLengthOnly(body);
	}

	@Test
	void filterWhenChunkedAndContentLengthBothSentThenForwardsOnlyTheBodysLength() {
		byte[] body = TestPatchBodies.ofSize(20_000);
		filter(TestPatchRequests.patch().body(body).chunked().contentLength(body.length).exchange());
		assertForwardedWithContentLengthOnly(body);
	}

	@Test
	void filterWhenContentLengthMatchesBodyThenForwardsTheCallersHeadersUncopied() {
		MockServerWebExchange exchange = TestPatchRequests.patch().exchange();
		HttpHeaders sent = exchange.getRequest().getHeaders();
		filter(exchange);
		assertThat(this.forwarded.get().getRequest().getHeaders()).isSameAs(sent);
	}

	@ParameterizedTest
	@ValueSource(strings = { "application/json", "application/json;charset=UTF-8", "application/json; charset=utf-8",
			"Application/JSON" })
	void filterWhenContentTypeIsJsonInUtf8ThenForwarded(String contentType) {
		filter(TestPatchRequests.patch().contentType(contentType).exchange());
		assertThat(this.forwarded.get()).isNotNull();
	}

	@Test
	void filterWhenBodyExactlyAtLimitThenForwarded() {
		byte[] body = TestPatchBodies.ofSize(ONE_MEBIBYTE);
		filter(TestPatchRequests.patch().body(body).exchange());
		assertThat(forwardedBody()).isEqualTo(body);
	}

	@Test
	void filterWhenChunkedBodyExactlyAtLimitThenForwarded() {
		byte[] body = TestPatchBodies.ofSize(ONE_MEBIBYTE);
		filter(TestPatchRequests.patch().body(body).chunked().exchange());
		assertThat(forwardedBody()).isEqualTo(body);
	}

	@Test
	void filterWhenContentLengthOverLimitThenPayloadTooLarge() {
		MockServerWebExchange exchange = TestPatchRequests.patch()
			.body(TestPatchBodies.ofSize(ONE_MEBIBYTE + 1))
			.exchange();
		filter(exchange);
		assertRefused(exchange, HttpStatus.PAYLOAD_TOO_LARGE, GraphErrorCodes.REQUEST_TOO_LARGE,
				"The request body is larger than " + ONE_MEBIBYTE + " bytes.");
	}

	@Test
	void filterWhenChunkedBodyOverLimitThenPayloadTooLarge() {
		MockServerWebExchange exchange = TestPatchRequests.patch()
			.body(TestPatchBodies.ofSize(ONE_MEBIBYTE + 1))
			.chunked()
			.exchange();
		filter(exchange);
		assertRefused(exchange, HttpStatus.PAYLOAD_TOO_LARGE, GraphErrorCodes.REQUEST_TOO_LARGE,
				"The request body is larger than " + ONE_MEBIBYTE + " bytes.");
	}

	@Test
	void filterWhenBodyLongerThanItsContentLengthAndOverLimitThenPayloadTooLarge() {
		MockServerWebExchange exchange = TestPatchRequests.patch()
			.body(TestPatchBodies.ofSize(ONE_MEBIBYTE + 1))
			.contentLength(100)
			.exchange();
		filter(exchange);
		assertRefused(exchange, HttpStatus.PAYLOAD_TOO_LARGE, GraphErrorCodes.REQUEST_TOO_LARGE,
				"The request body is larger than " + ONE_MEBIBYTE + " bytes.");
	}

	@Test
	void filterWhenContentLengthOverLimitButBodySmallThenPayloadTooLarge() {
		MockServerWebExchange exchange = TestPatchRequests.patch().contentLength(ONE_MEBIBYTE + 1).exchange();
		filter(exchange);
		assertRefused(exchange, HttpStatus.PAYLOAD_TOO_LARGE, GraphErrorCodes.REQUEST_TOO_LARGE,
				"The request body is larger than " + ONE_MEBIBYTE + " bytes.");
	}

	@Test
	void filterWhenConfiguredSmallerLimitThenItApplies() {
		OperationCatalogue catalogue = TestOperations.withUserUpdateBodyOfAtMost(DataSize.ofBytes(64));
		GatewayFilter small = new RequestGuardGatewayFilterFactory(TestGraphErrors.responder(), catalogue)
			.apply(new RequestGuardGatewayFilterFactory.Config()
				.operation(catalogue.find(OperationCatalogue.USER_UPDATE).orElseThrow()));
		MockServerWebExchange exchange = TestPatchRequests.patch()
			.body(TestPatchBodies.ofSize(65))
			.chunked()
			.exchange();
		StepVerifier.create(small.filter(exchange, this.chain)).verifyComplete();
		assertRefused(exchange, HttpStatus.PAYLOAD_TOO_LARGE, GraphErrorCodes.REQUEST_TOO_LARGE,
				"The request body is larger than 64 bytes.");
	}

	@ParameterizedTest
	@MethodSource("refusedUserIds")
	void filterWhenUserIdRefusedThenBadRequest(String rawUserId, String expectedReason) {
		MockServerWebExchange exchange = TestPatchRequests.patch().rawUserId(rawUserId).exchange();
		filter(exchange);
		assertRefused(exchange, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, expectedReason);
	}

	static Stream<Arguments> refusedUserIds() {
		return Stream.of(arguments("%2F", "The user id must not contain an encoded slash or backslash."),
				arguments("%5C", "The user id must not contain an encoded slash or backslash."),
				arguments("..", "The user id must not be a dot segment."),
				arguments("%2e%2e", "The user id must not be a dot segment."),
				arguments("%252F", "The user id must be percent-encoded once, not twice."),
				arguments(TestUserIds.userPrincipalName() + ";x=1",
						"The user id must not carry matrix parameters (';')."),
				arguments("adele%0D%0A@contoso.example", "The user id must not contain control characters."),
				arguments(TestUserIds.userPrincipalName("a".repeat(257)), "The user id is longer than 256 characters."),
				arguments("%C0%AF", "The user id is not correctly percent-encoded UTF-8."),
				arguments("adele", "The user id must be a GUID or a user principal name."));
	}

	@Test
	void filterWhenContentTypeMissingThenUnsupportedMediaType() {
		MockServerWebExchange exchange = TestPatchRequests.patch().contentType().exchange();
		filter(exchange);
		assertUnsupportedMediaType(exchange);
	}

	@ParameterizedTest
	@ValueSource(strings = { "text/plain", "application/json;charset=utf-16", "application/json;charset=UTF-16LE",
			"application/json;charset=ISO-8859-1", "application/json;charset=no-such-charset",
			"application/merge-patch+json", "application/json-patch+json", "application/*", "*/*", "json", "" })
	void filterWhenContentTypeNotJsonInUtf8ThenUnsupportedMediaType(String contentType) {
		MockServerWebExchange exchange = TestPatchRequests.patch().contentType(contentType).exchange();
		filter(exchange);
		assertUnsupportedMediaType(exchange);
	}

	@Test
	void filterWhenContentTypeRepeatedThenUnsupportedMediaType() {
		MockServerWebExchange exchange = TestPatchRequests.patch()
			.contentType("application/json", "application/json")
			.exchange();
		filter(exchange);
		assertUnsupportedMediaType(exchange);
	}

	@ParameterizedTest
	@MethodSource("refusedBodies")
	void filterWhenBodyRefusedThenBadRequest(byte[] body, String expectedReason) {
		MockServerWebExchange exchange = TestPatchRequests.patch().body(body).exchange();
		filter(exchange);
		assertRefused(exchange, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, expectedReason);
	}

	static Stream<Arguments> refusedBodies() {
		return Stream.of(arguments(TestPatchBodies.utf8("displayName=Adele"), "The request body is not valid JSON"),
				arguments(TestPatchBodies.utf8("[" + TestPatchBodies.user().json() + "]"),
						"The request body must be one JSON object."),
				arguments(TestPatchBodies.nestedArrays(10_000), "The request body is nested too deeply."),
				arguments(TestPatchBodies.nestedObjects(33), "The request body is nested too deeply."),
				arguments(TestPatchBodies.utf8("{\"accountEnabled\":true,\"accountEnabled\":false}"),
						"The request body names a property twice"),
				arguments(TestPatchBodies.withRawBytes("{\"displayName\":\"", new int[] { 0xC3, 0x28 }, "\"}"),
						"The request body is not valid UTF-8"),
				arguments(TestPatchBodies.withRawBytes("{\"displayName\":\"", new int[] { 0x00 }, "\"}"),
						"The request body is not valid JSON"),
				arguments(TestPatchBodies.user().odataType("#microsoft.graph.group").build(),
						"The request body's @odata.type must be #microsoft.graph.user for PATCH /users/{id}."),
				arguments(TestPatchBodies.utf8(TestPatchBodies.user().json() + "{}"),
						"The request body must be one JSON object with nothing after it."),
				arguments(TestPatchBodies.utf8(TestPatchBodies.user().json() + "garbage"),
						"The request body is not valid JSON"),
				arguments(new byte[0], "The request body must be one JSON object."));
	}

	// Content-Type without charset means UTF-8; a body in another encoding must not pass.
	@Test
	void filterWhenBodyIsUtf16ThenBadRequest() {
		byte[] body = TestPatchBodies.user().json().getBytes(StandardCharsets.UTF_16LE);
		MockServerWebExchange exchange = TestPatchRequests.patch().body(body).exchange();
		filter(exchange);
		assertRefused(exchange, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, "The request body ");
	}

	@Test
	void filterWhenNoBodyAtAllThenBadRequest() {
		MockServerWebExchange exchange = TestPatchRequests.patch().body(new byte[0]).chunked().exchange();
		filter(exchange);
		assertRefused(exchange, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST,
				"The request body must be one JSON object.");
	}

	@Test
	void filterWhenBodyRefusedThenOnlyTheTargetIsStoredForTheAudit() {
		MockServerWebExchange exchange = TestPatchRequests.patch().body(TestPatchBodies.utf8("[]")).exchange();
		filter(exchange);
		assertThat(OperationRequest.from(exchange)).isNotNull()
			.satisfies((body) -> assertThat(body.properties()).isEmpty())
			.extracting(OperationRequest::target)
			.isNotNull();
	}

	@Test
	void filterWhenUserIdRefusedThenNoCallStored() {
		MockServerWebExchange exchange = TestPatchRequests.patch().rawUserId("a%2Fb").exchange();
		filter(exchange);
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(OperationRequest.from(exchange)).isNull();
	}

	// The guard answers 413 for its own reading of the request body only; a failure
	// further down the chain is not the caller's oversized request and must reach the
	// error handler as it is.
	@Test
	void filterWhenDownstreamFailsWithDataBufferLimitExceptionThenErrorPropagates() {
		DataBufferLimitException downstreamFailure = new DataBufferLimitException("response too large");
		MockServerWebExchange exchange = TestPatchRequests.patch().exchange();
		StepVerifier.create(this.guard.filter(exchange, (forwarded) -> Mono.error(downstreamFailure)))
			.verifyErrorSatisfies((ex) -> assertThat(ex).isSameAs(downstreamFailure));
		assertThat(exchange.getResponse().getStatusCode()).isNull();
	}

	@Test
	void applyWhenNoOperationThenIllegalArgument() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.factory.apply(new RequestGuardGatewayFilterFactory.Config()))
			.withMessage("operation cannot be null");
	}

	@Test
	void constructorWhenResponderNullThenIllegalArgument() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RequestGuardGatewayFilterFactory(null, TestOperations.catalogue()))
			.withMessage("errors cannot be null");
	}

	private void filter(MockServerWebExchange exchange) {
		StepVerifier.create(this.guard.filter(exchange, this.chain)).verifyComplete();
	}

	private void assertForwardedWithContentLengthOnly(byte[] body) {
		HttpHeaders headers = this.forwarded.get().getRequest().getHeaders();
		assertThat(headers.getContentLength()).isEqualTo(body.length);
		assertThat(headers.containsHeader(HttpHeaders.TRANSFER_ENCODING)).isFalse();
		assertThat(forwardedBody()).isEqualTo(body);
	}

	private byte[] forwardedBody() {
		assertThat(this.forwarded.get()).as("forwarded exchange").isNotNull();
		return DataBufferUtils.join(this.forwarded.get().getRequest().getBody())
			.map(TestGraphErrors::bytesOf)
			.defaultIfEmpty(new byte[0])
			.block();
	}

	private void assertUnsupportedMediaType(MockServerWebExchange exchange) {
		assertRefused(exchange, HttpStatus.UNSUPPORTED_MEDIA_TYPE, GraphErrorCodes.UNSUPPORTED_MEDIA_TYPE,
				"The request body must be JSON in UTF-8 (Content-Type: application/json).");
	}

	private void assertRefused(MockServerWebExchange exchange, HttpStatus status, String code, String message) {
		assertThat(this.forwarded.get()).as("forwarded exchange").isNull();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(status);
		JsonNode error = TestGraphErrors.errorOf(exchange);
		assertThat(error.get("code").asString()).isEqualTo(code);
		assertThat(error.get("message").asString()).startsWith(message);
	}

}
