package com.graphpolicygateway.session;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.ratelimit.TestRedis;
import com.graphpolicygateway.test.AuditDatabases;
import com.graphpolicygateway.test.AuditPageSession;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit page behind a load balancer without sticky sessions: two gateways (two
 * application contexts on their own ports) sharing one Redis, or one PostgreSQL audit
 * database; a browser signed in through one is signed in through the other, in both
 * directions, and signing out through either ends the session on both.
 */
class PageSessionReplicasTests {

	private static final StubGraph graph = StubGraph.start();

	private static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	@AfterAll
	static void stopStubs() {
		graph.close();
		identityProvider.close();
	}

	/** Where the two replicas keep sessions. */
	enum Store {

		REDIS, DATABASE

	}

	@ParameterizedTest
	@EnumSource(Store.class)
	void signInThroughOneReplicaThenSignedInThroughTheOtherUntilSignedOutThroughEither(Store store) {
		Map<String, String> shared = shared(store);
		try (ConfigurableApplicationContext first = startReplica(shared);
				ConfigurableApplicationContext second = startReplica(shared)) {
			AuditPageSession signIn = new AuditPageSession(client(first), gateway(first)).signedIn();
			// From here on, one browser whose requests the load balancer alternates
			// between the
			// replicas; it keeps the cookie each answer sets (the id changes when a CSRF
			// token
			// is first made, against session fixation).
			Browser browser = new Browser(signIn.cookie(AuditPageSession.COOKIE));
			for (ConfigurableApplicationContext replica : List.of(first, second, first, second)) {
				assertThat(browser.page(replica)).contains("auditor@contoso.example")
					.contains("tenant " + StubIdentityProvider.TENANT);
			}
			String session = browser.session;
			assertThat(browser.page(second)).contains("auditor@contoso.example");
			assertThat(browser.session).as("the id, once settled").isEqualTo(session);

			// Signed out through the second replica, with the CSRF token it rendered.
			String csrf = browser.page(second).replaceAll("(?s).*name=\"_csrf\" value=\"([^\"]+)\".*", "$1");
			client(second).post()
				.uri("/audit/page/sign-out")
				.cookie(AuditPageSession.COOKIE, browser.session)
				.contentType(MediaType.APPLICATION_FORM_URLENCODED)
				.bodyValue("_csrf=" + csrf)
				.exchange()
				.expectStatus()
				.isFound()
				.expectHeader()
				.location("/audit/page/signed-out")
				.expectBody()
				.returnResult();

			for (ConfigurableApplicationContext replica : List.of(first, second)) {
				client(replica).get()
					.uri("/audit")
					.cookie(AuditPageSession.COOKIE, session)
					.accept(MediaType.TEXT_HTML)
					.exchange()
					.expectStatus()
					.isFound()
					.expectHeader()
					.location("/oauth2/authorization/audit-page")
					.expectBody()
					.returnResult();
			}
		}
	}

	@ParameterizedTest
	@EnumSource(Store.class)
	void signInStartedThroughOneReplicaThenCompletedThroughTheOther(Store store) {
		Map<String, String> shared = shared(store);
		try (ConfigurableApplicationContext first = startReplica(shared);
				ConfigurableApplicationContext second = startReplica(shared)) {
			// The provider sends the browser back to the address it was given; the load
			// balancer hands the callback to the second replica, which finds the
			// sign-in's state in the shared session.
			AuditPageSession browser = new AuditPageSession(client(first), gateway(first));
			String toProvider = browser.client()
				.get()
				.uri("/oauth2/authorization/audit-page")
				.accept(MediaType.TEXT_HTML)
				.exchange()
				.expectStatus()
				.isFound()
				.returnResult(Void.class)
				.getResponseHeaders()
				.getLocation()
				.toString();
			URI callback = client(first).get()
				.uri(URI.create(toProvider))
				.exchange()
				.expectStatus()
				.isFound()
				.returnResult(Void.class)
				.getResponseHeaders()
				.getLocation();

			URI landing = client(second).get()
				.uri(gateway(second).resolve(callback.getRawPath() + "?" + callback.getRawQuery()))
				.cookie(AuditPageSession.COOKIE, browser.cookie(AuditPageSession.COOKIE))
				.accept(MediaType.TEXT_HTML)
				.exchange()
				.expectStatus()
				.isFound()
				.returnResult(Void.class)
				.getResponseHeaders()
				.getLocation();

			assertThat(landing).hasPath("/");
		}
	}

	private static Map<String, String> shared(Store store) {
		Map<String, String> properties = new LinkedHashMap<>();
		if (store == Store.REDIS) {
			properties.put("graph-gateway.rate-limit.store", "redis");
			properties.put("graph-gateway.rate-limit.redis-key-prefix",
					TestRedis.uniquePrefix(PageSessionReplicasTests.class));
			properties.put("spring.data.redis.host", TestRedis.HOST);
			properties.put("spring.data.redis.port", Integer.toString(TestRedis.sharedPort()));
		}
		else {
			AuditDatabases.Schema schema = AuditDatabases.postgresqlSchema();
			properties.put("spring.datasource.url", schema.url());
			properties.put("spring.datasource.username", schema.user());
			properties.put("spring.datasource.password", schema.password());
		}
		return properties;
	}

	private static ConfigurableApplicationContext startReplica(Map<String, String> shared) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("server.port", "0");
		properties.put("management.server.port", "0");
		properties.put("graph-gateway.upstream.base-uri", graph.baseUri());
		properties.put("graph-gateway.identity.token-uri", identityProvider.tokenUriTemplate());
		properties.put("graph-gateway.identity.audiences[0]", StubIdentityProvider.AUDIENCE);
		properties.put("graph-gateway.identity.issuers[0].issuer", identityProvider.issuerTemplateV2());
		properties.put("graph-gateway.identity.issuers[0].jwk-set-uri", identityProvider.jwkSetUri());
		properties.put("graph-gateway.policy.file", "src/test/resources/policy/allow-all.yml");
		String page = "spring.security.oauth2.client.registration.audit-page.";
		properties.put(page + "client-id", StubIdentityProvider.PAGE_CLIENT_ID);
		properties.put(page + "client-secret", StubIdentityProvider.PAGE_CLIENT_SECRET);
		properties.put(page + "scope", "openid,profile");
		properties.put(page + "authorization-grant-type", "authorization_code");
		properties.put(page + "redirect-uri", "{baseUrl}/login/oauth2/code/{registrationId}");
		properties.put(page + "provider", "stub");
		identityProvider.pageProvider()
			.forEach((name, value) -> properties.put("spring.security.oauth2.client.provider.stub." + name, value));
		properties.putAll(shared);
		List<String> arguments = new ArrayList<>();
		properties.forEach((name, value) -> arguments.add("--" + name + "=" + value));
		return new SpringApplicationBuilder(GraphPolicyGatewayApplication.class).run(arguments.toArray(String[]::new));
	}

	/**
	 * A browser's session cookie, kept from answer to answer whichever replica gave it.
	 */
	private static final class Browser {

		private String session;

		Browser(String session) {
			this.session = session;
		}

		/** The page, through {@code replica}. */
		String page(ConfigurableApplicationContext replica) {
			EntityExchangeResult<String> page = client(replica).get()
				.uri("/audit")
				.cookie(AuditPageSession.COOKIE, this.session)
				.accept(MediaType.TEXT_HTML)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(String.class)
				.returnResult();
			ResponseCookie cookie = page.getResponseCookies().getFirst(AuditPageSession.COOKIE);
			if (cookie != null) {
				this.session = cookie.getValue();
			}
			return page.getResponseBody();
		}

	}

	private static URI gateway(ConfigurableApplicationContext replica) {
		return URI.create("http://127.0.0.1:" + replica.getEnvironment().getRequiredProperty("local.server.port"));
	}

	private static WebTestClient client(ConfigurableApplicationContext replica) {
		return WebTestClient.bindToServer()
			.baseUrl(gateway(replica).toString())
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

}
