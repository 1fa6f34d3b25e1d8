package com.graphpolicygateway.test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A whole-route test's gateway in front of the stub Graph and the stub identity provider
 * (Entra v2 issuer template), deciding with the test's own policy file: for test classes
 * that cannot extend {@link GatewayIntegrationTest}, since Spring collects a class's own
 * {@code @DynamicPropertySource} before its superclass's and the later registration of a
 * name wins, so the base class's allow-all policy would replace theirs.
 */
public final class StubbedGateway {

	private StubbedGateway() {
	}

	/**
	 * The gateway's properties: the stubs' addresses, the app registration, the policy.
	 */
	public static Map<String, String> properties(StubGraph graph, StubIdentityProvider identityProvider,
			Path policyFile) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("graph-gateway.upstream.base-uri", graph.baseUri());
		properties.put("graph-gateway.identity.token-uri", identityProvider.tokenUriTemplate());
		properties.put("graph-gateway.identity.client-id", StubIdentityProvider.GATEWAY_CLIENT_ID);
		properties.put("graph-gateway.identity.client-secret", StubIdentityProvider.GATEWAY_CLIENT_SECRET);
		properties.put("graph-gateway.identity.audiences[0]", StubIdentityProvider.AUDIENCE);
		properties.put("graph-gateway.identity.issuers[0].issuer", identityProvider.issuerTemplateV2());
		properties.put("graph-gateway.identity.issuers[0].jwk-set-uri", identityProvider.jwkSetUri());
		properties.put("graph-gateway.policy.file", policyFile.toString());
		properties.put("management.server.port", "0");
		return properties;
	}

	/** Registers {@link #properties} for the test's application context. */
	public static void register(DynamicPropertyRegistry registry, StubGraph graph,
			StubIdentityProvider identityProvider, Path policyFile) {
		properties(graph, identityProvider, policyFile).forEach((name, value) -> registry.add(name, () -> value));
	}

	/** A client of the gateway listening on {@code port} of 127.0.0.1. */
	public static WebTestClient client(int port) {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

}
