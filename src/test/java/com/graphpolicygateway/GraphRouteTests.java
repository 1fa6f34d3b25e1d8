package com.graphpolicygateway;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.test.StubGraph.Received;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole route against the stub Graph: what Graph receives (path, query, headers, body
 * bytes) and what the caller gets back, for allowed calls and for everything the route
 * does not serve.
 */
class GraphRouteTests extends GatewayIntegrationTest {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String BODY = "{\n  \"displayName\" : \"Adele Vance\",\"officeLocation\":\"18/2111\",\"x\":\"\\u00e9\"}";

	/** The user body of the Intune MAM "Update user" page's 200 answer. */
	static final String INTUNE_USER = "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"d36894ae-94ae-d368-ae94-68d3ae9468d3\","
			+ "\"displayName\":\"Display Name value\",\"userPrincipalName\":\"User Principal Name value\"}";

	@LocalManagementPort
	int managementPort;

	@Autowired
	List<HttpHeadersFilter> headersFilters;

	@Autowired
	GatewayProperties gatewayProperties;

	@Test
	void headersFiltersThenNoGrpcFilterCopiesEachRequestsHeadersAgain() {
		assertThat(this.headersFilters).extracting((filter) -> filter.getClass().getSimpleName())
			.doesNotContain("GRPCRequestHeadersFilter", "GRPCResponseHeadersFilter")
			.contains("GraphRequestHeadersFilter");
	}

	@Test
	void headersFiltersThenOnlyTheAllowListCopiesRequestHeadersAndHopByHopStillLeavesResponses() {
		assertThat(this.headersFilters).filteredOn((filter) -> filter.supports(HttpHeadersFilter.Type.REQUEST))
			.extracting((filter) -> filter.getClass().getSimpleName())
			.doesNotContain("RemoveHopByHopHeadersFilter", "RemoveForwardedHeadersFilter",
					"RemoveXForwardedHeadersFilter", "ResponseHopByHopHeaders", "NoForwardedRemoval",
					"NoXForwardedRemoval")
			.contains("GraphRequestHeadersFilter");
		assertThat(this.headersFilters).filteredOn((filter) -> filter.supports(HttpHeadersFilter.Type.RESPONSE))
			.filteredOn(RemoveHopByHopHeadersFilter.class::isInstance)
			.hasSize(1);
	}

	@Test
	void patchWhenCallerNamesAllowListedHeadersInConnectionThenNotForwarded() {
		patch("/users/" + USER_ID).header(HttpHeaders.CONNECTION, "keep-alive, Prefer")
			.header("Prefer", "return=representation")
			.header(HttpHeaders.ACCEPT, "application/json")
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNoContent();

		HttpHeaders forwarded = graph.onlyRequest().headers();
		assertThat(forwarded.getFirst("Prefer")).isNull();
		assertThat(forwarded.getFirst(HttpHeaders.ACCEPT)).isEqualTo("application/json");
	}

	@Test
	void patchWhenGraphAnswersWithHopByHopHeadersThenNotRelayed() {
		graph.willAnswer(new Answer(204, Map.of("Proxy-Authenticate", "Basic realm=\"graph\"", "X-Application-Context",
				"graph:8080", "Upgrade", "h2c", "request-id", "5a3c1d2e-0000-4000-8000-000000000003"), new byte[0]));

		EntityExchangeResult<byte[]> result = patch("/users/" + USER_ID).bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNoContent()
			.expectBody()
			.returnResult();

		HttpHeaders relayed = result.getResponseHeaders();
		assertThat(relayed.get("request-id")).containsExactly("5a3c1d2e-0000-4000-8000-000000000003");
		assertThat(relayed.headerNames()).noneMatch((name) -> name.equalsIgnoreCase("Proxy-Authenticate")
				|| name.equalsIgnoreCase("X-Application-Context") || name.equalsIgnoreCase("Upgrade"));
	}

	@Test
	void routeFiltersThenSortedOnceAndCachedPerRoute() {
		assertThat(this.gatewayProperties.isRouteFilterCacheEnabled()).isTrue();
	}

	@Test
	void patchWhenBareUsersPathThenForwardedToV1WithQueryAndBodyByteForByte() {
		patch("/users/" + USER_ID + "?$select=id,displayName&x=%2F%20'a'").bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNoContent();

		Received received = graph.onlyRequest();
		assertThat(received.method()).isEqualTo("PATCH");
		assertThat(received.uri().getRawPath()).isEqualTo("/v1.0/users/" + USER_ID);
		assertThat(received.uri().getRawQuery()).isEqualTo("$select=id,displayName&x=%2F%20'a'");
		assertThat(received.body()).isEqualTo(BODY.getBytes(StandardCharsets.UTF_8));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/v1.0/users/", "/beta/users/" })
	void patchWhenVersionedPathThenForwardedToTheSamePath(String prefix) {
		patch(prefix + USER_ID).bodyValue(BODY).exchange().expectStatus().isNoContent();

		assertThat(graph.onlyRequest().uri().getRawPath()).isEqualTo(prefix + USER_ID);
	}

	@Test
	void patchWhenGuestUserPrincipalNameThenEncodingKeptExactly() {
		String raw = "/v1.0/users/alice_contoso.com%23EXT%23@fabrikam.onmicrosoft.com";
		this.client.method(HttpMethod.PATCH)
			.uri(URI.create("http://127.0.0.1:" + this.port + raw))
			.header(HttpHeaders.AUTHORIZATION, bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(graph.onlyRequest().uri().getRawPath()).isEqualTo(raw);
	}

	@Test
	void patchWhenChunkedBodyThenForwardedWhole() {
		byte[] first = "{\"displayName\":".getBytes(StandardCharsets.UTF_8);
		byte[] second = "\"Adele\"}".getBytes(StandardCharsets.UTF_8);
		Flux<DataBuffer> chunks = Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(first),
				DefaultDataBufferFactory.sharedInstance.wrap(second));

		patch("/users/" + USER_ID).body(chunks, DataBuffer.class).exchange().expectStatus().isNoContent();

		assertThat(graph.onlyRequest().bodyText()).isEqualTo("{\"displayName\":\"Adele\"}");
	}

	@Test
	void patchThenGraphHeadersForwardedAndCookiesHopByHopAndForwardingHeadersDropped() {
		String clientRequestId = UUID.randomUUID().toString();
		patch("/users/" + USER_ID).header("client-request-id", clientRequestId)
			.header(HttpHeaders.ACCEPT, "application/json")
			.header("Prefer", "return=representation")
			.header(HttpHeaders.IF_MATCH, "W/\"etag-1\"")
			.header(HttpHeaders.COOKIE, "session=secret")
			.header("Proxy-Authorization", "Basic c2VjcmV0")
			.header("Keep-Alive", "timeout=5")
			.header("TE", "trailers")
			.header("X-Forwarded-For", "203.0.113.7")
			.header("X-HTTP-Method-Override", "DELETE")
			.header("X-Custom", "anything")
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNoContent();

		HttpHeaders forwarded = graph.onlyRequest().headers();
		assertThat(forwarded.getFirst("Content-Type")).isEqualTo("application/json");
		assertThat(forwarded.getFirst("Accept")).isEqualTo("application/json");
		assertThat(forwarded.getFirst("client-request-id")).isEqualTo(clientRequestId);
		assertThat(forwarded.getFirst("Prefer")).isEqualTo("return=representation");
		assertThat(forwarded.getFirst("If-Match")).isEqualTo("W/\"etag-1\"");
		assertThat(forwarded.getFirst("Host")).isEqualTo("127.0.0.1:" + graph.port());
		assertThat(forwarded.getFirst("Content-Length"))
			.isEqualTo(String.valueOf(BODY.getBytes(StandardCharsets.UTF_8).length));
		assertThat(forwarded.headerNames())
			.noneMatch((name) -> name.equalsIgnoreCase("Cookie") || name.equalsIgnoreCase("Proxy-Authorization")
					|| name.equalsIgnoreCase("Keep-Alive") || name.equalsIgnoreCase("TE")
					|| name.toLowerCase().startsWith("x-") || name.equalsIgnoreCase("Forwarded"));
	}

	@Test
	void patchWhenNoClientRequestIdThenGatewayMakesOneAndSendsItUpstreamAndBack() {
		EntityExchangeResult<byte[]> result = patch("/users/" + USER_ID).bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNoContent()
			.expectBody()
			.returnResult();

		String sentUpstream = graph.onlyRequest().headers().getFirst("client-request-id");
		assertThat(sentUpstream).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
		assertThat(result.getResponseHeaders().get("client-request-id")).containsExactly(sentUpstream);
	}

	@Test
	void patchWhenGraphEchoesClientRequestIdThenCallerGetsItOnce() {
		String clientRequestId = UUID.randomUUID().toString();
		graph.willAnswer(new Answer(204, Map.of("client-request-id", clientRequestId), new byte[0]));

		EntityExchangeResult<byte[]> result = patch("/users/" + USER_ID).header("client-request-id", clientRequestId)
			.bodyValue(BODY)
			.exchange()
			.expectBody()
			.returnResult();

		assertThat(result.getResponseHeaders().get("client-request-id")).containsExactly(clientRequestId);
	}

	@Test
	void patchWhenGraphAnswers200WithUserThenStatusHeadersAndBodyRelayedUnchanged() {
		graph.willAnswer(Answer.json(200, INTUNE_USER,
				Map.of("request-id", "5a3c1d2e-0000-4000-8000-000000000001", "client-request-id",
						"5a3c1d2e-0000-4000-8000-000000000002", "ETag", "W/\"abc\"", "x-ms-ags-diagnostic",
						"{\"ServerInfo\":{\"DataCenter\":\"North Europe\"}}")));

		EntityExchangeResult<byte[]> result = patch("/users/" + USER_ID).bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult();

		HttpHeaders headers = result.getResponseHeaders();
		assertThat(result.getResponseBody()).isEqualTo(INTUNE_USER.getBytes(StandardCharsets.UTF_8));
		assertThat(headers.getFirst("Content-Type")).isEqualTo("application/json;odata.metadata=minimal;charset=utf-8");
		assertThat(headers.get("request-id")).containsExactly("5a3c1d2e-0000-4000-8000-000000000001");
		assertThat(headers.get("client-request-id")).containsExactly("5a3c1d2e-0000-4000-8000-000000000002");
		assertThat(headers.getFirst("ETag")).isEqualTo("W/\"abc\"");
		assertThat(headers.getFirst("x-ms-ags-diagnostic"))
			.isEqualTo("{\"ServerInfo\":{\"DataCenter\":\"North Europe\"}}");
	}

	@Test
	void patchWhenGraphAnswers204ThenNoContentRelayed() {
		EntityExchangeResult<byte[]> result = patch("/users/" + USER_ID).bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNoContent()
			.expectBody()
			.returnResult();

		assertThat(result.getResponseBody()).isNull();
		assertThat(result.getResponseHeaders().getFirst("request-id"))
			.isEqualTo("0b8f1a4e-9d6a-4a57-9d3c-5f1f9e3c2a11");
	}

	@ParameterizedTest
	@ValueSource(ints = { 400, 403, 404, 409, 412, 429, 500, 502, 503, 504 })
	void patchWhenGraphAnswersAnErrorThenItIsRelayedUnchanged(int status) {
		String graphError = "{\"error\":{\"code\":\"graph" + status + "\",\"message\":\"from Graph\","
				+ "\"innerError\":{\"date\":\"2026-11-27T10:00:00\",\"request-id\":\"r-" + status + "\"}}}";
		graph.willAnswer(Answer.json(status, graphError, Map.of("Retry-After", "7", "request-id", "r-" + status)));

		EntityExchangeResult<byte[]> result = patch("/users/" + USER_ID).bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isEqualTo(status)
			.expectBody()
			.returnResult();

		assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo(graphError);
		assertThat(result.getResponseHeaders().getFirst("Retry-After")).isEqualTo("7");
		assertThat(result.getResponseHeaders().get("request-id")).containsExactly("r-" + status);
		assertThat(graph.received()).hasSize(1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "/users/" + USER_ID + "/manager", "/users/" + USER_ID + "/", "/Users/" + USER_ID,
			"/v2.0/users/" + USER_ID, "/users", "/groups/" + USER_ID, "/actuator/health", "/me" })
	void patchWhenPathIsNotRoutedThenNotFoundInGraphShape(String path) {
		this.client.method(HttpMethod.PATCH)
			.uri(URI.create("http://127.0.0.1:" + this.port + path))
			.header(HttpHeaders.AUTHORIZATION, bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("itemNotFound")
			.jsonPath("$.error.innerError.request-id")
			.isNotEmpty();

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "//users/" + USER_ID, "/users/a%2Fb@contoso.example", "/v1.0/users/%2e%2e",
			"/users/..%2F..%2Fgroups", "/users/x%252Fy@contoso.example", "/users/" + USER_ID + ";x=1",
			"/v1.0/users/a%5Cb@contoso.example", "/users/%00" + USER_ID, "/v1.0/users/../users/" + USER_ID })
	void patchWhenPathIsMalformedThenBadRequestAndNothingForwarded(String path) {
		this.client.method(HttpMethod.PATCH)
			.uri(URI.create("http://127.0.0.1:" + this.port + path))
			.header(HttpHeaders.AUTHORIZATION, bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalidRequest");

		assertThat(graph.received()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "GET", "POST", "PUT", "DELETE" })
	void otherMethodOnRoutedPathThenMethodNotAllowed(String method) {
		this.client.method(HttpMethod.valueOf(method))
			.uri("/users/" + USER_ID)
			.header(HttpHeaders.AUTHORIZATION, bearer())
			.exchange()
			.expectStatus()
			.isEqualTo(405)
			.expectHeader()
			.valueEquals(HttpHeaders.ALLOW, "PATCH")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("methodNotAllowed");

		assertThat(graph.received()).isEmpty();
	}

	@Test
	void managementPortExposesOnlyHealthInfoAndPrometheus() {
		WebTestClient management = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.managementPort)
			.build();
		management.get().uri("/actuator/health").exchange().expectStatus().isOk();
		management.get().uri("/actuator/info").exchange().expectStatus().isOk();
		management.get().uri("/actuator/prometheus").exchange().expectStatus().isOk();
		for (String hidden : new String[] { "/actuator/env", "/actuator/beans", "/actuator/gateway/routes",
				"/actuator/configprops", "/actuator/heapdump" }) {
			management.get().uri(hidden).exchange().expectStatus().isNotFound();
		}
		assertThat(this.managementPort).isNotEqualTo(this.port);
	}

	@Test
	void actuatorIsNotServedOnTheGatewayPort() {
		this.client.get().uri("/actuator/health").exchange().expectStatus().isNotFound();
	}

	private WebTestClient.RequestBodySpec patch(String pathAndQuery) {
		return this.client.method(HttpMethod.PATCH)
			.uri(URI.create("http://127.0.0.1:" + this.port + pathAndQuery))
			.header(HttpHeaders.AUTHORIZATION, bearer())
			.contentType(MediaType.APPLICATION_JSON);
	}

	private static String bearer() {
		return "Bearer " + identityProvider.validToken();
	}

}
