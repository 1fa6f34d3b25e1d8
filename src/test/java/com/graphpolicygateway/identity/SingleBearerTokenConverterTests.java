package com.graphpolicygateway.identity;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link SingleBearerTokenConverter}: whatever the header, it answers as Spring
 * Security's converter does, except that it refuses a second Authorization header.
 */
class SingleBearerTokenConverterTests {

	private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl";

	private final SingleBearerTokenConverter converter = new SingleBearerTokenConverter();

	private final ServerBearerTokenAuthenticationConverter spring = new ServerBearerTokenAuthenticationConverter();

	@ParameterizedTest
	@ValueSource(strings = { "Bearer " + JWT, "bearer " + JWT, "BEARER " + JWT, "bEaReR " + JWT, "Bearer a",
			"Bearer " + JWT + "=", "Bearer " + JWT + "==", "Bearer -._~+/azAZ09", "Bearer a/b+c~d_e.f-g==",
			// Malformed: Spring Security answers invalid_token, and so must the gateway.
			"Bearer ", "Bearer", "Bearer  " + JWT, "Bearer\t" + JWT, "Bearer " + JWT + " ", "Bearer " + JWT + "\n",
			"Bearer =", "Bearer ==", "Bearer a=b", "Bearer " + JWT + "=a", "Bearer a,b", "Bearer a b", "Bearer a%2Fb",
			"Bearer a:b", "Bearer a\"b", "Bearer é", "Bearer a\u00A0", "Bearerx " + JWT, "Bearer" + JWT,
			" Bearer " + JWT, "Bearer \u212A",
			// Other schemes and noise: no bearer token (Spring Security reads none).
			"Basic dXNlcjpwYXNz", "Token " + JWT, JWT, "", "Bear " + JWT, "Bearer-" + JWT })
	void convertWhenOneAuthorizationHeaderThenSameAnswerAsSpringSecurity(String header) {
		MockServerWebExchange exchange = exchange(header);

		assertThat(answer(this.converter, exchange)).isEqualTo(answer(this.spring, exchange));
	}

	@Test
	void convertWhenAnyCharacterInTheTokenThenSameAnswerAsSpringSecurity() {
		for (char c = 0; c < 0x180; c++) {
			MockServerWebExchange exchange = exchange("Bearer a" + c + "b");

			assertThat(answer(this.converter, exchange)).as("character U+%04X", (int) c)
				.isEqualTo(answer(this.spring, exchange));
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "GET", "PATCH" })
	void convertWhenAccessTokenAlsoInTheQueryThenSameAnswerAsSpringSecurity(String method) {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.method(HttpMethod.valueOf(method), "/users/x?access_token=" + JWT)
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + JWT));

		assertThat(answer(this.converter, exchange)).isEqualTo(answer(this.spring, exchange));
	}

	@Test
	void convertWhenWellFormedThenBearerTokenWithoutTheScheme() {
		Authentication authentication = this.converter.convert(exchange("bearer " + JWT + "=")).block();

		assertThat(authentication).isInstanceOf(BearerTokenAuthenticationToken.class);
		assertThat(((BearerTokenAuthenticationToken) authentication).getToken()).isEqualTo(JWT + "=");
	}

	@Test
	void convertWhenNoAuthorizationHeaderThenNoToken() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.patch("/users/x"));

		assertThat(this.converter.convert(exchange).blockOptional()).isEmpty();
	}

	@Test
	void convertWhenTwoAuthorizationHeadersThenInvalidTokenEvenIfBothWellFormed() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.patch("/users/x")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + JWT, "Bearer " + JWT));

		assertThatExceptionOfType(OAuth2AuthenticationException.class)
			.isThrownBy(() -> this.converter.convert(exchange).block())
			.satisfies((ex) -> assertThat(ex.getError().getErrorCode()).isEqualTo("invalid_token"))
			.satisfies((ex) -> assertThat(ex.getError().getDescription()).contains("more than one Authorization"));
	}

	private static MockServerWebExchange exchange(String authorization) {
		return MockServerWebExchange
			.from(MockServerHttpRequest.patch("/users/x").header(HttpHeaders.AUTHORIZATION, authorization));
	}

	/** The token read, the error's code and description, or nothing. */
	private static String answer(ServerAuthenticationConverter converter, MockServerWebExchange exchange) {
		try {
			Optional<Authentication> authentication = converter.convert(exchange).blockOptional();
			return authentication.map((token) -> "token " + ((BearerTokenAuthenticationToken) token).getToken())
				.orElse("none");
		}
		catch (OAuth2AuthenticationException ex) {
			return "error " + ex.getError().getErrorCode() + ": " + ex.getError().getDescription();
		}
	}

}
