package com.graphpolicygateway.identity;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole route when an issuer's signing keys cannot be fetched: the gateway answers
 * 503 in Graph's shape, forwards nothing, and does not call the identity provider for
 * every token. Two issuers: one whose keys endpoint is down for good, one that works.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SigningKeysOutageTests {

	private static final String USER_ID = "2f4c6a3e-8b1d-4e5f-9a7b-3c2d1e0f9a8b";

	private static final StubGraph graph = StubGraph.start();

	private static final StubIdentityProvider down = StubIdentityProvider.start();

	private static final StubIdentityProvider up = StubIdentityProvider.start();

	@LocalServerPort
	private int port;

	private WebTestClient client;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		down.keysDown(true);
		registry.add("graph-gateway.upstream.base-uri", graph::baseUri);
		registry.add("graph-gateway.upstream.auth", () -> "passthrough");
		registry.add("graph-gateway.identity.audiences[0]", () -> StubIdentityProvider.AUDIENCE);
		registry.add("graph-gateway.identity.issuers[0].issuer", down::issuerTemplateV2);
		registry.add("graph-gateway.identity.issuers[0].jwk-set-uri", down::jwkSetUri);
		registry.add("graph-gateway.identity.issuers[1].issuer", up::issuerTemplateV2);
		registry.add("graph-gateway.identity.issuers[1].jwk-set-uri", up::jwkSetUri);
		registry.add("management.server.port", () -> "0");
		registry.add("graph-gateway.policy.file", () -> "src/test/resources/policy/allow-all.yml");
	}

	@AfterAll
	static void stopStubs() {
		graph.close();
		down.close();
		up.close();
	}

	@BeforeEach
	void resetStubAndClient() {
		graph.reset();
		this.client = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

	@Test
	void patchWhenIssuerKeysAvailableThenForwarded() {
		patch(up.validToken()).expectStatus().isNoContent();

		assertThat(graph.onlyRequest().method()).isEqualTo("PATCH");
	}

	@Test
	void patchWhenIssuerKeysUnavailableThenServiceUnavailableInGraphShape() {
		patch(down.validToken()).expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.exists("Retry-After")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable");

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenIssuerKeysUnavailableThenKeysNotFetchedForEveryToken() {
		int before = down.keyFetches();

		for (int i = 0; i < 5; i++) {
			patch(down.validToken()).expectStatus().is5xxServerError();
		}

		assertThat(down.keyFetches() - before).isLessThanOrEqualTo(1);
		assertThat(graph.received()).isEmpty();
	}

	private WebTestClient.ResponseSpec patch(String token) {
		return this.client.patch()
			.uri("/v1.0/users/{id}", USER_ID)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"displayName\":\"Adele Vance\"}")
			.exchange();
	}

}
