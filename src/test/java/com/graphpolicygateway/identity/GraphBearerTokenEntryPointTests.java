package com.graphpolicygateway.identity;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authentication.AuthenticationCredentialsNotFoundException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link GraphBearerTokenEntryPoint}. */
class GraphBearerTokenEntryPointTests {

	private static final String DECODE_PREFIX = "An error occurred while attempting to decode the Jwt: ";

	private final GraphBearerTokenEntryPoint entryPoint = new GraphBearerTokenEntryPoint(new GraphErrorResponder(
			JsonMapper.builder().build(), Clock.fixed(Instant.parse("2025-06-01T10:00:00Z"), ZoneOffset.UTC)));

	@Test
	void commenceWhenInvalidTokenThenUnauthorizedWithChallengeAndGraphError() {
		MockServerHttpResponse response = commence(
				new InvalidBearerTokenException(DECODE_PREFIX + "Jwt expired at 2025-06-01T09:00:00Z"));

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.isEqualTo("Bearer realm=\"graph-policy-gateway\", error=\"invalid_token\", "
					+ "error_description=\"Jwt expired at 2025-06-01T09:00:00Z\"");
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		assertThat(response.getHeaders().getFirst("request-id")).isNotBlank();
		String body = response.getBodyAsString().block();
		assertThat((String) JsonPath.read(body, "$.error.code"))
			.isEqualTo(GraphErrorCodes.INVALID_AUTHENTICATION_TOKEN);
		assertThat((String) JsonPath.read(body, "$.error.message")).isEqualTo("Jwt expired at 2025-06-01T09:00:00Z");
		assertThat((String) JsonPath.read(body, "$.error.innerError.date")).isEqualTo("2025-06-01T10:00:00");
	}

	@Test
	void commenceWhenTokenValidatorExplainsThenExplanationReachesCaller() {
		String explanation = "The token's issuer does not match its tenant.";

		MockServerHttpResponse response = commence(new InvalidBearerTokenException(DECODE_PREFIX + explanation));

		assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.contains("error_description=\"The token's issuer does not match its tenant.\"");
		assertThat((String) JsonPath.read(response.getBodyAsString().block(), "$.error.message"))
			.isEqualTo(explanation);
	}

	@Test
	void commenceWhenMalformedRequestThenInvalidRequestChallenge() {
		MockServerHttpResponse response = commence(new OAuth2AuthenticationException(
				BearerTokenErrors.invalidRequest("Found multiple bearer tokens in the request")));

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.isEqualTo("Bearer realm=\"graph-policy-gateway\", error=\"invalid_request\", "
					+ "error_description=\"Found multiple bearer tokens in the request\"");
		assertThat((String) JsonPath.read(response.getBodyAsString().block(), "$.error.code"))
			.isEqualTo(GraphErrorCodes.INVALID_AUTHENTICATION_TOKEN);
	}

	@Test
	void commenceWhenOtherOAuth2ErrorThenUnauthorizedWithItsDescription() {
		MockServerHttpResponse response = commence(
				new OAuth2AuthenticationException(new OAuth2Error("invalid_token", "Token \"rejected\"\r\n", null)));

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.startsWith("Bearer realm=\"graph-policy-gateway\", error=")
			.contains("error_description=\"Token  rejected \"")
			.doesNotContain("\r", "\n");
		assertThat((String) JsonPath.read(response.getBodyAsString().block(), "$.error.code"))
			.isEqualTo(GraphErrorCodes.INVALID_AUTHENTICATION_TOKEN);
	}

	@Test
	void commenceWhenNoTokenThenBareChallengeAndEmptyTokenMessage() {
		MockServerHttpResponse response = commence(new AuthenticationCredentialsNotFoundException("Not Authenticated"));

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.isEqualTo("Bearer realm=\"graph-policy-gateway\"");
		String body = response.getBodyAsString().block();
		assertThat((String) JsonPath.read(body, "$.error.code"))
			.isEqualTo(GraphErrorCodes.INVALID_AUTHENTICATION_TOKEN);
		assertThat((String) JsonPath.read(body, "$.error.message")).isEqualTo("Access token is empty.");
	}

	@Test
	void commenceWhenDescriptionIsLongThenHeaderAndMessageBounded() {
		MockServerHttpResponse response = commence(
				new InvalidBearerTokenException(DECODE_PREFIX + "The token's audience ".repeat(100)));

		assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).hasSizeLessThan(400);
		assertThat((String) JsonPath.read(response.getBodyAsString().block(), "$.error.message")).hasSize(303)
			.endsWith("...");
	}

	private MockServerHttpResponse commence(AuthenticationException ex) {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.patch("/v1.0/users/2f4c6a3e-8b1d-4e5f-9a7b-3c2d1e0f9a8b"));
		this.entryPoint.commence(exchange, ex).block();
		return exchange.getResponse();
	}

}
