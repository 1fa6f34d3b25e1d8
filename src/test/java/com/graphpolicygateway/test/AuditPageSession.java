package com.graphpolicygateway.test;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A browser's view of the audit page: a client that keeps the gateway's cookies as a
 * browser does (the session id changes at sign-in and may change again), and a sign-in
 * walked redirect by redirect through the stub identity provider: page → sign-in →
 * provider's authorize → callback with the code. Its requests share kept-alive
 * connections, as a browser's do.
 */
public final class AuditPageSession {

	/** Name of WebFlux's session cookie. */
	public static final String COOKIE = "SESSION";

	private final URI gateway;

	private final Map<String, String> cookies = new ConcurrentHashMap<>();

	private final List<String> setCookies = new CopyOnWriteArrayList<>();

	private final WebTestClient client;

	public AuditPageSession(WebTestClient client, URI gateway) {
		this.gateway = gateway;
		this.client = client.mutate().filter(cookieJar()).build();
	}

	/** The client, sending and keeping the gateway's cookies. */
	public WebTestClient client() {
		return this.client;
	}

	/** The value of a cookie the gateway set, or null. */
	public @Nullable String cookie(String name) {
		return this.cookies.get(name);
	}

	/** Every {@code Set-Cookie} header the gateway answered, in order. */
	public List<String> setCookieHeaders() {
		return List.copyOf(this.setCookies);
	}

	/** Whether the session cookie is held. */
	public boolean hasSession() {
		return this.cookies.containsKey(COOKIE);
	}

	/**
	 * Walks the sign-in from {@code page} and answers where the callback sent the
	 * browser: back to the page when the sign-in succeeded.
	 */
	public URI signIn(String page) {
		EntityExchangeResult<byte[]> toSignIn = navigate(this.gateway.resolve(page));
		assertThat(toSignIn.getStatus().value()).as("redirect to sign-in").isEqualTo(302);
		EntityExchangeResult<byte[]> toProvider = navigate(
				this.gateway.resolve(toSignIn.getResponseHeaders().getLocation()));
		assertThat(toProvider.getStatus().value()).as("redirect to the provider").isEqualTo(302);
		EntityExchangeResult<byte[]> back = navigate(toProvider.getResponseHeaders().getLocation());
		assertThat(back.getStatus().value()).as("provider's redirect back").isEqualTo(302);
		URI callback = back.getResponseHeaders().getLocation();
		EntityExchangeResult<byte[]> signedIn = navigate(
				this.gateway.resolve(callback.getRawPath() + "?" + callback.getRawQuery()));
		assertThat(signedIn.getStatus().value()).as("redirect after the callback").isEqualTo(302);
		return signedIn.getResponseHeaders().getLocation();
	}

	/** Signs in from {@code /audit} and requires success. */
	public AuditPageSession signedIn() {
		assertThat(signIn("/audit")).as("redirect after sign-in").hasPath("/audit");
		return this;
	}

	/** Forgets every cookie (a browser restarted, or another one). */
	public void clearCookies() {
		this.cookies.clear();
	}

	private EntityExchangeResult<byte[]> navigate(URI uri) {
		// As a browser navigates: Spring Security saves only such requests to return to.
		return this.client.get().uri(uri).accept(MediaType.TEXT_HTML).exchange().expectBody().returnResult();
	}

	private ExchangeFilterFunction cookieJar() {
		return (request, next) -> {
			boolean gatewayHost = request.url().getPort() == this.gateway.getPort();
			ClientRequest withCookies = gatewayHost
					? ClientRequest.from(request).cookies((sent) -> this.cookies.forEach(sent::set)).build() : request;
			return next.exchange(withCookies).flatMap((response) -> {
				if (gatewayHost) {
					this.setCookies.addAll(response.headers().header(HttpHeaders.SET_COOKIE));
					for (ResponseCookie cookie : response.cookies().toSingleValueMap().values()) {
						if (cookie.getMaxAge().isZero()) {
							this.cookies.remove(cookie.getName());
						}
						else {
							this.cookies.put(cookie.getName(), cookie.getValue());
						}
					}
				}
				return Mono.just(response);
			});
		};
	}

}
