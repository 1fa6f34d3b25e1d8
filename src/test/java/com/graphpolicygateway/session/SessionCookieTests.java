package com.graphpolicygateway.session;

import java.net.URI;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.http.ResponseCookie;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import com.graphpolicygateway.system.PublicLinks;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SessionCookie}: the session cookie's attributes over TLS, over plain
 * http, and behind a TLS-terminating proxy named by the public base URL, whose
 * {@code X-Forwarded-Proto} is not believed.
 */
class SessionCookieTests {

	@Test
	void cookieWhenServedOverTlsThenSecureHttpOnlyLaxAtTheRoot() {
		ResponseCookie cookie = cookie(null, MockServerHttpRequest.get("https://gateway.contoso.example/audit"));

		assertThat(cookie.getName()).isEqualTo("SESSION");
		assertThat(cookie.isSecure()).isTrue();
		assertThat(cookie.isHttpOnly()).isTrue();
		assertThat(cookie.getSameSite()).isEqualTo("Lax");
		assertThat(cookie.getPath()).isEqualTo("/");
		assertThat(cookie.getDomain()).isNull();
	}

	@Test
	void cookieWhenPlainHttpAndNoPublicBaseUrlThenNotSecure() {
		ResponseCookie cookie = cookie(null, MockServerHttpRequest.get("http://127.0.0.1:8080/audit"));

		assertThat(cookie.isSecure()).isFalse();
		assertThat(cookie.isHttpOnly()).isTrue();
		assertThat(cookie.getSameSite()).isEqualTo("Lax");
	}

	@Test
	void cookieWhenPlainHttpBehindAnHttpsPublicBaseUrlThenSecure() {
		ResponseCookie cookie = cookie(URI.create("https://gateway.contoso.example"),
				MockServerHttpRequest.get("http://10.0.0.7:8080/audit"));

		assertThat(cookie.isSecure()).isTrue();
	}

	@Test
	void cookieWhenOnlyXForwardedProtoSaysHttpsThenNotSecure() {
		ResponseCookie cookie = cookie(null,
				MockServerHttpRequest.get("http://10.0.0.7:8080/audit").header("X-Forwarded-Proto", "https"));

		assertThat(cookie.isSecure()).isFalse();
	}

	@Test
	void cookieWhenSessionExpiresThenSameAttributes() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("https://gateway.contoso.example/audit"));

		SessionCookie.resolver(new PublicLinks(null)).expireSession(exchange);

		ResponseCookie cookie = exchange.getResponse().getCookies().getFirst("SESSION");
		assertThat(cookie.getMaxAge()).isZero();
		assertThat(cookie.isSecure()).isTrue();
		assertThat(cookie.isHttpOnly()).isTrue();
		assertThat(cookie.getSameSite()).isEqualTo("Lax");
	}

	private static ResponseCookie cookie(@Nullable URI publicBaseUrl, MockServerHttpRequest.BaseBuilder<?> request) {
		MockServerWebExchange exchange = MockServerWebExchange.from(request);
		SessionCookie.resolver(new PublicLinks(publicBaseUrl)).setSessionId(exchange, "session-id");
		return exchange.getResponse().getCookies().getFirst("SESSION");
	}

}
