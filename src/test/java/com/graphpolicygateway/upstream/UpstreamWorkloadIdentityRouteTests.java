package com.graphpolicygateway.upstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubIdentityProvider.TokenRequest;
import com.graphpolicygateway.test.StubbedGateway;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway proves its app registration with a federated credential, as on AKS with
 * Azure Workload Identity: the token requests for On-Behalf-Of, client credentials and
 * the license lookup carry the content of the projected service-account token file as the
 * client assertion, read again for each request (the kubelet rotates it), and no client
 * secret. A file that disappears fails the call in Graph's shape.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = "graph-gateway.upstream.auth=on-behalf-of")
@ExtendWith(OutputCaptureExtension.class)
class UpstreamWorkloadIdentityRouteTests {

	static final String USER_PATH = "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	/** A tenant whose Intune license is asked of Graph ({@code license: auto}). */
	static final String AUTO_LICENSE_TENANT = "2c3d4e5f-6071-4829-8a0b-1c2d3e4f5a6b";

	static final String APP_TENANT = "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b";

	static final Path TOKEN_FILE = tokenFile();

	static final String FIRST_ASSERTION = serviceAccountToken("first");

	static final StubGraph graph = StubGraph.start();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	@LocalServerPort
	int port;

	WebTestClient client;

	/**
	 * The stubbed gateway with the token file instead of the client secret (not a
	 * {@code GatewayIntegrationTest}: its client secret would win over any removal here).
	 */
	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		write(FIRST_ASSERTION);
		Map<String, String> properties = StubbedGateway.properties(graph, identityProvider, policy());
		properties.remove("graph-gateway.identity.client-secret");
		properties.put("graph-gateway.identity.client-assertion-file", TOKEN_FILE.toString());
		properties.forEach((name, value) -> registry.add(name, () -> value));
	}

	@BeforeEach
	void resetStubsAndClient() {
		graph.reset();
		identityProvider.resetTokens();
		write(FIRST_ASSERTION);
		this.client = StubbedGateway.client(this.port);
	}

	@AfterEach
	void restoreTokenFile() {
		write(FIRST_ASSERTION);
	}

	@Test
	void patchWhenDelegatedCallerThenOnBehalfOfRequestCarriesTheFederatedTokenAndNoSecret() {
		String callerToken = identityProvider.token().claim("oid", UUID.randomUUID().toString()).build();

		patch(callerToken).exchange().expectStatus().isNoContent();

		Map<String, String> form = onlyTokenRequest().parameters();
		assertThat(form).containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
			.containsEntry("assertion", callerToken)
			.containsEntry("client_id", StubIdentityProvider.GATEWAY_CLIENT_ID)
			.containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
			.containsEntry("client_assertion", FIRST_ASSERTION)
			.doesNotContainKey("client_secret");
	}

	@Test
	void patchWhenAppOnlyCallerThenClientCredentialsRequestCarriesTheFederatedToken() {
		String callerToken = identityProvider.token()
			.roles("DeviceManagementApps.ReadWrite.All")
			.tenant(APP_TENANT)
			.issuer(identityProvider.issuerV2(APP_TENANT))
			.build();

		patch(callerToken).exchange().expectStatus().isNoContent();

		TokenRequest request = onlyTokenRequest();
		assertThat(request.tenant()).isEqualTo(APP_TENANT);
		assertThat(request.parameters()).containsEntry("grant_type", "client_credentials")
			.containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
			.containsEntry("client_assertion", FIRST_ASSERTION)
			.doesNotContainKey("client_secret");
	}

	@Test
	void patchWhenLicenseAskedOfGraphThenTheLookupsTokenRequestCarriesTheFederatedToken() {
		graph.willAnswer(Answer.json(200, """
				{"value":[{"skuPartNumber":"EMSPREMIUM","capabilityStatus":"Enabled","servicePlans":[
				{"servicePlanId":"c1ec4a95-1f05-45b3-a911-aa3fa01094f5","servicePlanName":"INTUNE_A",
				"provisioningStatus":"Success"}]}]}""", Map.of()));
		String callerToken = identityProvider.token()
			.claim("oid", UUID.randomUUID().toString())
			.tenant(AUTO_LICENSE_TENANT)
			.issuer(identityProvider.issuerV2(AUTO_LICENSE_TENANT))
			.build();

		patch(callerToken).exchange().expectStatus().isNoContent();

		assertThat(graph.received()).extracting((request) -> request.method() + " " + request.uri().getPath())
			.containsExactly("GET /v1.0/subscribedSkus", "PATCH " + USER_PATH);
		assertThat(identityProvider.tokenRequests()).extracting(TokenRequest::parameters)
			.filteredOn((form) -> "client_credentials".equals(form.get("grant_type")))
			.singleElement()
			.satisfies((form) -> assertThat(form).containsEntry("client_assertion", FIRST_ASSERTION)
				.doesNotContainKey("client_secret"));
	}

	@Test
	void patchWhenTheTokenFileWasRotatedThenTheNextTokenRequestCarriesTheNewToken(CapturedOutput output) {
		patch(identityProvider.token().claim("oid", UUID.randomUUID().toString()).build()).exchange()
			.expectStatus()
			.isNoContent();
		String rotated = serviceAccountToken("rotated");
		write(rotated);

		patch(identityProvider.token().claim("oid", UUID.randomUUID().toString()).build()).exchange()
			.expectStatus()
			.isNoContent();

		assertThat(identityProvider.tokenRequests())
			.extracting((request) -> request.parameters().get("client_assertion"))
			.containsExactly(FIRST_ASSERTION, rotated);
		assertThat(output.getAll()).doesNotContain(FIRST_ASSERTION).doesNotContain(rotated);
	}

	@Test
	void patchWhenTheTokenFileIsGoneThenBadGatewayInGraphsShapeAndNothingSent(CapturedOutput output)
			throws IOException {
		Files.delete(TOKEN_FILE);

		patch(identityProvider.token().claim("oid", UUID.randomUUID().toString()).build()).exchange()
			.expectStatus()
			.isEqualTo(502)
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("badGateway")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("client assertion file cannot be read")
				.doesNotContain(TOKEN_FILE.toString()));

		assertThat(identityProvider.tokenRequests()).isEmpty();
		assertThat(graph.received()).isEmpty();
		assertThat(output.getAll()).contains("The client assertion file " + TOKEN_FILE + " cannot be read")
			.doesNotContain(FIRST_ASSERTION);
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

	/**
	 * Stands for a projected service-account token: opaque to the gateway, which sends it
	 * as it is.
	 */
	private static String serviceAccountToken(String name) {
		return "eyJhbGciOiJSUzI1NiJ9.service-account-" + name + "-" + UUID.randomUUID() + ".signature";
	}

	private static Path tokenFile() {
		try {
			return Files.createTempDirectory("azure-tokens").resolve("azure-identity-token");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Writes the token file as the kubelet would (the content alone, no newline). */
	private static void write(String assertion) {
		try {
			Files.writeString(TOKEN_FILE, assertion);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Every tenant allowed and licensed, but one whose license is asked of Graph. */
	private static Path policy() {
		try {
			Path file = Files.createTempFile("workload-identity-policy", ".yml");
			Files.writeString(file, Files.readString(Path.of("src/test/resources/policy/allow-all.yml")) + """
					tenants:
					  - id: %s
					    license: auto
					""".formatted(AUTO_LICENSE_TENANT));
			return file;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
