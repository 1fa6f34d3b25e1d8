package com.graphpolicygateway.test;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Base of the whole-route tests: the gateway on a random port in front of a stub Graph,
 * trusting a stub identity provider (Entra v2 and v1 issuer templates). Both stubs run
 * once per JVM on 127.0.0.1 and are reset before each test; subclasses share one
 * application context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class GatewayIntegrationTest {

	protected static final StubGraph graph = Shared.GRAPH;

	protected static final StubIdentityProvider identityProvider = Shared.IDENTITY_PROVIDER;

	@LocalServerPort
	protected int port;

	protected WebTestClient client;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		registry.add("graph-gateway.upstream.base-uri", graph::baseUri);
		// Upstream auth comes from config/application.yml (passthrough); subclasses may
		// override it
		// with @TestPropertySource. The token endpoint and app registration are the
		// stub's.
		registry.add("graph-gateway.identity.token-uri", identityProvider::tokenUriTemplate);
		registry.add("graph-gateway.identity.client-id", () -> StubIdentityProvider.GATEWAY_CLIENT_ID);
		registry.add("graph-gateway.identity.client-secret", () -> StubIdentityProvider.GATEWAY_CLIENT_SECRET);
		registry.add("graph-gateway.identity.audiences[0]", () -> StubIdentityProvider.AUDIENCE);
		registry.add("graph-gateway.identity.issuers[0].issuer", identityProvider::issuerTemplateV2);
		registry.add("graph-gateway.identity.issuers[0].jwk-set-uri", identityProvider::jwkSetUri);
		registry.add("graph-gateway.identity.issuers[1].issuer", identityProvider::issuerTemplateV1);
		registry.add("graph-gateway.identity.issuers[1].jwk-set-uri", identityProvider::jwkSetUri);
		registry.add("graph-gateway.policy.file", () -> "src/test/resources/policy/allow-all.yml");
		registry.add("management.server.port", () -> "0");
		// The audit page signs in through the stub identity provider.
		String page = "spring.security.oauth2.client.registration.audit-page.";
		registry.add(page + "client-id", () -> StubIdentityProvider.PAGE_CLIENT_ID);
		registry.add(page + "client-secret", () -> StubIdentityProvider.PAGE_CLIENT_SECRET);
		registry.add(page + "scope", () -> "openid,profile");
		registry.add(page + "authorization-grant-type", () -> "authorization_code");
		registry.add(page + "redirect-uri", () -> "{baseUrl}/login/oauth2/code/{registrationId}");
		registry.add(page + "provider", () -> "stub");
		identityProvider.pageProvider()
			.forEach((name, value) -> registry.add("spring.security.oauth2.client.provider.stub." + name, () -> value));
	}

	@BeforeEach
	void resetStubsAndClient() {
		graph.reset();
		this.client = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

	private static final class Shared {

		static final StubGraph GRAPH = StubGraph.start();

		static final StubIdentityProvider IDENTITY_PROVIDER = StubIdentityProvider.start();

	}

}
