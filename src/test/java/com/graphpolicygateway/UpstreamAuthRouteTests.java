package com.graphpolicygateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubIdentityProvider.TokenAnswer;
import com.graphpolicygateway.test.StubIdentityProvider.TokenRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's own Graph credentials: On-Behalf-Of for delegated callers, client
 * credentials for app-only callers, against a stub token endpoint; tokens cached and
 * fetched once for concurrent callers; refusals of the identity provider answered in
 * Graph's shape.
 */
// JSON log lines, as the container and the chart print them.
@TestPropertySource(
		properties = { "graph-gateway.upstream.auth=on-behalf-of", "logging.structured.format.console=ecs" })
@ExtendWith(OutputCaptureExtension.class)
class UpstreamAuthRouteTests extends GatewayIntegrationTest {

	static final String USER_PATH = "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	@AfterEach
	void resetTokenEndpoint() {
		identityProvider.resetTokens();
	}

	@Test
	void patchWhenDelegatedCallerThenOnBehalfOfTokenReplacesTheCallersToken() {
		String callerToken = identityProvider.token().claim("oid", "0a0a0a0a-0000-4000-8000-00000000000a").build();
		identityProvider.willAnswerToken(TokenAnswer.token("graph-obo-token", 3600));

		patch(callerToken).exchange().expectStatus().isNoContent();

		TokenRequest request = onlyTokenRequest();
		assertThat(request.tenant()).isEqualTo(StubIdentityProvider.TENANT);
		assertThat(request.parameters()).containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
			.containsEntry("requested_token_use", "on_behalf_of")
			.containsEntry("assertion", callerToken)
			.containsEntry("scope", "https://graph.microsoft.com/.default")
			.containsEntry("client_id", StubIdentityProvider.GATEWAY_CLIENT_ID)
			.containsEntry("client_secret", StubIdentityProvider.GATEWAY_CLIENT_SECRET);
		assertThat(graph.onlyRequest().headers().getFirst(HttpHeaders.AUTHORIZATION))
			.isEqualTo("Bearer graph-obo-token");
	}

	@Test
	void patchWhenAppOnlyCallerThenClientCredentialsForItsTenant() {
		String callerToken = identityProvider.token()
			.roles("DeviceManagementApps.ReadWrite.All")
			.tenant("1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b")
			.issuer(identityProvider.issuerV2("1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"))
			.build();
		identityProvider.willAnswerToken(TokenAnswer.token("graph-app-token", 3600));

		patch(callerToken).exchange().expectStatus().isNoContent();

		TokenRequest request = onlyTokenRequest();
		assertThat(request.tenant()).isEqualTo("1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b");
		assertThat(request.parameters()).containsEntry("grant_type", "client_credentials")
			.containsEntry("scope", "https://graph.microsoft.com/.default")
			.doesNotContainKey("assertion");
		assertThat(graph.onlyRequest().headers().getFirst(HttpHeaders.AUTHORIZATION))
			.isEqualTo("Bearer graph-app-token");
	}

	@Test
	void patchWhenSameCallerTokenAgainThenCachedGraphTokenIsReused() {
		String callerToken = identityProvider.token().claim("oid", "0b0b0b0b-0000-4000-8000-00000000000b").build();

		patch(callerToken).exchange().expectStatus().isNoContent();
		patch(callerToken).exchange().expectStatus().isNoContent();
		patch(callerToken).exchange().expectStatus().isNoContent();

		assertThat(identityProvider.tokenRequests()).hasSize(1);
		assertThat(graph.received()).extracting((r) -> r.headers().getFirst(HttpHeaders.AUTHORIZATION))
			.containsOnly(graph.received().get(0).headers().getFirst(HttpHeaders.AUTHORIZATION));
	}

	@Test
	void patchWhenConcurrentCallsMissTheCacheThenOneExchange() {
		String callerToken = identityProvider.token().claim("oid", "0c0c0c0c-0000-4000-8000-00000000000c").build();
		identityProvider.delayTokens(Duration.ofMillis(300));

		List<Integer> statuses = Flux.range(0, 8)
			.parallel(8)
			.runOn(Schedulers.boundedElastic())
			.map((i) -> patch(callerToken).exchange().returnResult(Void.class).getStatus().value())
			.sequential()
			.collectList()
			.block(Duration.ofSeconds(30));

		assertThat(statuses).hasSize(8).containsOnly(204);
		assertThat(identityProvider.tokenRequests()).hasSize(1);
		assertThat(graph.received()).hasSize(8);
	}

	@Test
	void patchWhenIdentityProviderRefusesTheCallersAssertionThenUnauthorizedRelayingItsError() {
		identityProvider.willAnswerToken(
				TokenAnswer.error(400, "invalid_grant", "AADSTS50013: Assertion failed signature validation."));

		patch(identityProvider.token().claim("oid", "0d0d0d0d-0000-4000-8000-00000000000d").build()).exchange()
			.expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("InvalidAuthenticationToken")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("invalid_grant").contains("AADSTS50013"));

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenConsentIsMissingThenForbidden() {
		identityProvider.willAnswerToken(TokenAnswer.error(400, "invalid_grant",
				"AADSTS65001: The user or administrator has not consented to use the application."));

		patch(identityProvider.token().claim("oid", "0e0e0e0e-0000-4000-8000-00000000000e").build()).exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("Authorization_RequestDenied");

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenGatewayCredentialsAreRejectedThenBadGatewayAndNothingCached() {
		identityProvider
			.willAnswerToken(TokenAnswer.error(401, "invalid_client", "AADSTS7000215: Invalid client secret."));
		String callerToken = identityProvider.token().claim("oid", "0f0f0f0f-0000-4000-8000-00000000000f").build();

		patch(callerToken).exchange()
			.expectStatus()
			.isEqualTo(502)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("badGateway");
		assertThat(graph.received()).isEmpty();

		patch(callerToken).exchange().expectStatus().isNoContent();
		assertThat(identityProvider.tokenRequests()).hasSize(2);
	}

	@Test
	void patchWhenTokenRequestIsRefusedThenTheLogLineCarriesTheRequestIds(CapturedOutput output) {
		String clientRequestId = java.util.UUID.randomUUID().toString();

		String requestId = patchWithTheGatewaysSecretRefused(clientRequestId);

		assertThat(output.getAll().lines().filter((line) -> line.contains("Graph token request refused")))
			.singleElement()
			.satisfies((line) -> assertThat(line).startsWith("{")
				.contains("\"request-id\":\"" + requestId + "\"")
				.contains("\"client-request-id\":\"" + clientRequestId + "\""));
	}

	/**
	 * Run as the README runs it, the gateway prints plain lines (the container and the
	 * chart switch to JSON), and a line about a request still names its ids.
	 */
	@Nested
	@TestPropertySource(properties = "logging.structured.format.console=")
	class WhenLogsArePlainText {

		@Test
		void patchWhenTokenRequestIsRefusedThenThePlainLogLineNamesTheRequestIds(CapturedOutput output) {
			String clientRequestId = java.util.UUID.randomUUID().toString();

			String requestId = patchWithTheGatewaysSecretRefused(clientRequestId);

			assertThat(output.getAll().lines().filter((line) -> line.contains("Graph token request refused")))
				.singleElement()
				.satisfies((line) -> assertThat(line).doesNotStartWith("{")
					.contains("[request-id=" + requestId + " client-request-id=" + clientRequestId + "]"));
			assertThat(output.getAll().lines().filter((line) -> line.contains("Started "))).isNotEmpty()
				.allSatisfy((line) -> assertThat(line).doesNotContain("request-id"));
		}

	}

	/**
	 * A PATCH whose Graph token the identity provider refuses (the gateway's secret is
	 * wrong): 502, and a log line about it. Answers the call's request-id.
	 */
	private String patchWithTheGatewaysSecretRefused(String clientRequestId) {
		identityProvider
			.willAnswerToken(TokenAnswer.error(401, "invalid_client", "AADSTS7000215: Invalid client secret."));
		return this.client.method(HttpMethod.PATCH)
			.uri(USER_PATH)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("displayName", "Adele Vance"))
			.exchange()
			.expectStatus()
			.isEqualTo(502)
			.returnResult(Void.class)
			.getResponseHeaders()
			.getFirst("request-id");
	}

	private TokenRequest onlyTokenRequest() {
		List<TokenRequest> requests = identityProvider.tokenRequests();
		assertThat(requests).hasSize(1);
		return requests.get(0);
	}

	private WebTestClient.RequestHeadersSpec<?> patch(String callerToken) {
		return this.client.method(HttpMethod.PATCH)
			.uri(USER_PATH)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + callerToken)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("displayName", "Adele Vance"));
	}

}
