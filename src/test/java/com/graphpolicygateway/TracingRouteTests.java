package com.graphpolicygateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.test.StubGraph.Received;
import com.graphpolicygateway.test.StubIdentityProvider;
import com.graphpolicygateway.test.StubIdentityProvider.TokenAnswer;
import com.graphpolicygateway.test.StubbedGateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Distributed tracing with an OTLP endpoint configured (docs/tracing.md): a call
 * continues the caller's trace; each stage is a span under the request's, with the
 * attributes an operator searches by; the {@code traceparent} sent to Graph names the
 * Graph call's span; the audit event names the trace; the spans reach the OTLP endpoint
 * (here an in-process receiver on 127.0.0.1); and no span, attribute or export holds a
 * token, a secret, a body value or the target's id.
 */
@SpringBootTest(classes = { GraphPolicyGatewayApplication.class, TracingRouteTests.SpansInMemory.class },
		webEnvironment = WebEnvironment.RANDOM_PORT)
class TracingRouteTests {

	static final String USER_ID = "5d0e9c8b-7a6f-4e5d-8c4b-3a2918070605";

	static final String USER_PATH = "/v1.0/users/" + USER_ID;

	/** A tenant whose Intune license is asked of Graph ({@code license: auto}). */
	static final String AUTO_LICENSE_TENANT = "3d4e5f60-7182-4930-9b1c-2d3e4f5a6b7c";

	/** A tenant that captures before-images ({@code capture-before: best-effort}). */
	static final String CAPTURING_TENANT = "3d4e5f60-7182-4930-9b1c-2d3e4f5a6b7d";

	static final String OLD_VALUE = "Old Value Never In A Span 5e2b";

	static final String OPERATION = "intune-mam-user-update";

	static final String BODY_VALUE = "Tracing Body Value 6c1f";

	static final String APP_TOKEN = "graph-app-token-never-in-a-span-41d2";

	static final String OBO_TOKEN = "graph-obo-token-never-in-a-span-93ab";

	static final StubGraph graph = StubGraph.start();

	static final StubIdentityProvider identityProvider = StubIdentityProvider.start();

	static final OtlpReceiver receiver = OtlpReceiver.start();

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	InMemorySpanExporter spans;

	@Autowired
	SdkTracerProvider tracerProvider;

	@Autowired
	JdbcTemplate jdbc;

	WebTestClient client;

	@DynamicPropertySource
	static void gatewayProperties(DynamicPropertyRegistry registry) {
		StubbedGateway.register(registry, graph, identityProvider, policy());
		registry.add("graph-gateway.upstream.auth", () -> "on-behalf-of");
		registry.add("management.opentelemetry.tracing.export.otlp.endpoint", receiver::endpoint);
		registry.add("management.tracing.sampling.probability", () -> "1.0");
	}

	@BeforeEach
	void reset() {
		graph.reset();
		identityProvider.resetTokens();
		this.spans.reset();
		this.client = StubbedGateway.client(this.port);
	}

	@AfterAll
	static void stopReceiver() {
		receiver.stop();
	}

	@Test
	void patchWhenCallerSentTraceparentThenEachStageIsASpanOfTheCallersTrace() {
		String traceId = randomHex(16);
		String callerSpanId = randomHex(8);
		String callerToken = callerToken(AUTO_LICENSE_TENANT);
		graph.willAnswer(Answer.json(200, """
				{"value":[{"skuPartNumber":"EMSPREMIUM","capabilityStatus":"Enabled","servicePlans":[
				{"servicePlanId":"c1ec4a95-1f05-45b3-a911-aa3fa01094f5","servicePlanName":"INTUNE_A",
				"provisioningStatus":"Success"}]}]}""", Map.of()));
		graph.willAnswer(new Answer(204, Map.of("request-id", "7e1c0b4a-0000-4000-8000-0000000000a1"), new byte[0]));
		identityProvider.willAnswerToken(TokenAnswer.token(APP_TOKEN, 3600));
		identityProvider.willAnswerToken(TokenAnswer.token(OBO_TOKEN, 3600));
		String clientRequestId = UUID.randomUUID().toString();

		patch(callerToken, clientRequestId).header("traceparent", "00-" + traceId + "-" + callerSpanId + "-01")
			.header("tracestate", "congo=t61rcWkgMzE")
			.exchange()
			.expectStatus()
			.isNoContent();

		List<SpanData> trace = spansOf(traceId, 9);
		SpanData request = only(trace, SpanKind.SERVER, "http patch");
		assertThat(request.getParentSpanId()).isEqualTo(callerSpanId);
		assertThat(request.getAttributes().asMap()).extractingFromEntries((entry) -> entry.getKey().getKey())
			.doesNotContain("http.url");
		assertThat(attributes(request)).containsEntry("graph_gateway.operation", OPERATION)
			.containsEntry("graph_gateway.tenant", AUTO_LICENSE_TENANT)
			.containsEntry("graph_gateway.decision", "allow")
			.containsEntry("graph_gateway.reason", "allowed");
		SpanData policy = only(trace, SpanKind.INTERNAL, "policy decision");
		assertThat(trace).filteredOn((span) -> span.getKind() != SpanKind.SERVER && span != policy)
			.filteredOn((span) -> !span.getName().equals("license lookup"))
			.extracting(SpanData::getName)
			.containsExactlyInAnyOrder("token check", "request check", "rate limit", "audit commit", "upstream token",
					"HTTP PATCH");
		assertThat(trace).filteredOn((span) -> span != request && span.getKind() != SpanKind.SERVER)
			.filteredOn((span) -> !span.getName().equals("license lookup"))
			.allSatisfy((span) -> assertThat(span.getParentSpanId()).as(span.getName()).isEqualTo(request.getSpanId()));
		assertThat(only(trace, SpanKind.INTERNAL, "license lookup").getParentSpanId()).isEqualTo(policy.getSpanId());
		assertThat(attributes(only(trace, SpanKind.INTERNAL, "token check")))
			.containsEntry("graph_gateway.outcome", "valid")
			.containsEntry("graph_gateway.tenant", AUTO_LICENSE_TENANT);
		assertThat(attributes(policy)).containsEntry("graph_gateway.operation", OPERATION)
			.containsEntry("graph_gateway.outcome", "passed")
			.containsEntry("graph_gateway.decision", "allow")
			.containsEntry("graph_gateway.reason", "allowed");
		assertThat(attributes(only(trace, SpanKind.INTERNAL, "license lookup")))
			.containsEntry("graph_gateway.tenant", AUTO_LICENSE_TENANT)
			.containsEntry("graph_gateway.license.source", "graph")
			.containsEntry("graph_gateway.license.active", "true");
		assertThat(attributes(only(trace, SpanKind.INTERNAL, "audit commit"))).containsEntry("graph_gateway.outcome",
				"passed");
		assertThat(attributes(only(trace, SpanKind.INTERNAL, "upstream token"))).containsEntry("graph_gateway.outcome",
				"passed");
		SpanData graphCall = only(trace, SpanKind.CLIENT, "HTTP PATCH");
		assertThat(attributes(graphCall)).containsEntry("graph_gateway.operation", OPERATION)
			.containsEntry("http.status_code", "204")
			.containsEntry("graph_gateway.graph.request_id", "7e1c0b4a-0000-4000-8000-0000000000a1")
			.doesNotContainKey("http.uri");
		assertThat(patchReceivedByGraph().headers().get("traceparent"))
			.containsExactly("00-" + traceId + "-" + graphCall.getSpanId() + "-01");
		assertThat(patchReceivedByGraph().headers().get("tracestate")).containsExactly("congo=t61rcWkgMzE");
		assertThat(auditedTraceId(clientRequestId)).isEqualTo(traceId);
		assertNothingSecretIn(trace, callerToken);
	}

	@Test
	void patchWhenTenantCapturesBeforeImagesThenTheReadIsASpanOfItsOwnWithoutAnyValue() {
		String traceId = randomHex(16);
		String callerToken = callerToken(CAPTURING_TENANT);
		graph.directory()
			.user(USER_ID, "adele.vance@contoso.example")
			.property(USER_ID, "displayName", "\"" + OLD_VALUE + "\"");
		identityProvider.willAnswerToken(TokenAnswer.token(OBO_TOKEN, 3600));
		String clientRequestId = UUID.randomUUID().toString();

		patch(callerToken, clientRequestId).header("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01")
			.exchange()
			.expectStatus()
			.isNoContent();

		List<SpanData> trace = spansOf(traceId, 9);
		SpanData request = only(trace, SpanKind.SERVER, "http patch");
		SpanData read = only(trace, SpanKind.INTERNAL, "before-image");
		assertThat(read.getParentSpanId()).isEqualTo(request.getSpanId());
		assertThat(attributes(read)).containsEntry("graph_gateway.operation", OPERATION)
			.containsEntry("graph_gateway.outcome", "passed");
		assertThat(graph.directory().lookups()).singleElement()
			.satisfies((lookup) -> assertThat(lookup.headers().getFirst(HttpHeaders.AUTHORIZATION))
				.isEqualTo("Bearer " + OBO_TOKEN));
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.jdbc.queryForList(
					"SELECT modified_properties FROM audit_event WHERE correlation_id = ? AND activity_result <> 'pending'",
					String.class, clientRequestId))
				.singleElement()
				.satisfies((properties) -> assertThat(properties).contains(OLD_VALUE)));
		assertNothingSecretIn(trace, callerToken, OLD_VALUE);
	}

	@Test
	void patchWhenTenantCapturesNoBeforeImagesThenNoBeforeImageSpan() {
		String traceId = randomHex(16);

		patch(callerToken(StubIdentityProvider.TENANT), UUID.randomUUID().toString())
			.header("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01")
			.exchange()
			.expectStatus()
			.isNoContent();

		assertThat(spansOf(traceId, 8)).extracting(SpanData::getName).doesNotContain("before-image");
		assertThat(graph.directory().lookups()).isEmpty();
	}

	@Test
	void patchWhenRefusedThenTheRefusingStageAndTheRequestNameTheReasonAndNothingIsForwarded() {
		String traceId = randomHex(16);
		String password = "never-in-a-span-9d1e";

		// Cut short: the request guard refuses it.
		patch(callerToken(StubIdentityProvider.TENANT), UUID.randomUUID().toString(),
				"{\"displayName\":\"" + BODY_VALUE + "\",\"password\":\"" + password + "\"")
			.header("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01")
			.exchange()
			.expectStatus()
			.isBadRequest();

		List<SpanData> trace = spansOf(traceId, 3);
		SpanData check = only(trace, SpanKind.INTERNAL, "request check");
		assertThat(attributes(check)).containsEntry("graph_gateway.outcome", "refused")
			.containsEntry("graph_gateway.reason", "invalid_request");
		assertThat(attributes(only(trace, SpanKind.SERVER, "http patch")))
			.containsEntry("graph_gateway.decision", "refuse")
			.containsEntry("graph_gateway.reason", "invalid_request");
		assertThat(trace).extracting(SpanData::getName)
			.doesNotContain("policy decision", "audit commit", "upstream token", "HTTP PATCH");
		assertThat(graph.received()).isEmpty();
		assertNothingSecretIn(trace, password);
	}

	@Test
	void patchWhenCallerSentNoTraceparentThenANewTraceWhichTheAuditEventAndGraphName() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(callerToken(StubIdentityProvider.TENANT), clientRequestId).exchange().expectStatus().isNoContent();

		String traceparent = patchReceivedByGraph().headers().getFirst("traceparent");
		assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
		String traceId = traceparent.substring(3, 35);
		List<SpanData> trace = spansOf(traceId, 8);
		SpanData request = only(trace, SpanKind.SERVER, "http patch");
		assertThat(request.getParentSpanContext().isValid()).isFalse();
		assertThat(traceparent).endsWith("-" + only(trace, SpanKind.CLIENT, "HTTP PATCH").getSpanId() + "-01");
		assertThat(auditedTraceId(clientRequestId)).isEqualTo(traceId);
	}

	@Test
	void patchWhenTracedThenTheSpansReachTheOtlpEndpointWithoutAnySecret() {
		String traceId = randomHex(16);
		String callerToken = callerToken(StubIdentityProvider.TENANT);
		identityProvider.willAnswerToken(TokenAnswer.token(OBO_TOKEN, 3600));

		patch(callerToken, UUID.randomUUID().toString())
			.header("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01")
			.exchange()
			.expectStatus()
			.isNoContent();
		spansOf(traceId, 8);

		byte[] traceIdBytes = HexFormat.of().parseHex(traceId);
		await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
			flush();
			assertThat(receiver.exports()).anySatisfy((export) -> assertThat(contains(export, traceIdBytes)).isTrue());
		});
		assertThat(receiver.contentTypes()).containsOnly("application/x-protobuf");
		for (byte[] export : receiver.exports()) {
			String text = new String(export, StandardCharsets.ISO_8859_1);
			assertThat(text).doesNotContain(callerToken)
				.doesNotContain(OBO_TOKEN)
				.doesNotContain(StubIdentityProvider.GATEWAY_CLIENT_SECRET)
				.doesNotContain(BODY_VALUE)
				.doesNotContain(USER_ID);
		}
	}

	@Test
	void healthWhenProbedThenItsRequestIsNotExported() {
		String traceId = randomHex(16);
		WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.managementPort)
			.build()
			.get()
			.uri("/actuator/health/liveness")
			.header("traceparent", "00-" + traceId + "-" + randomHex(8) + "-01")
			.exchange()
			.expectStatus()
			.isOk();
		String patchTraceId = randomHex(16);
		patch(callerToken(StubIdentityProvider.TENANT), UUID.randomUUID().toString())
			.header("traceparent", "00-" + patchTraceId + "-" + randomHex(8) + "-01")
			.exchange()
			.expectStatus()
			.isNoContent();

		// Exported in order: once the later call's spans are there, the probe's would be.
		spansOf(patchTraceId, 8);
		assertThat(this.spans.getFinishedSpanItems()).noneMatch((span) -> span.getTraceId().equals(traceId));
	}

	private WebTestClient.RequestHeadersSpec<?> patch(String callerToken, String clientRequestId) {
		return patch(callerToken, clientRequestId, Map.of("displayName", BODY_VALUE));
	}

	private WebTestClient.RequestHeadersSpec<?> patch(String callerToken, String clientRequestId, Object body) {
		return this.client.method(HttpMethod.PATCH)
			.uri(USER_PATH)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + callerToken)
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body);
	}

	private static String callerToken(String tenant) {
		return identityProvider.token()
			.claim("oid", UUID.randomUUID().toString())
			.tenant(tenant)
			.issuer(identityProvider.issuerV2(tenant))
			.build();
	}

	/**
	 * The spans of {@code traceId}, once at least {@code atLeast} of them are exported.
	 */
	private List<SpanData> spansOf(String traceId, int atLeast) {
		return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
			flush();
			return this.spans.getFinishedSpanItems()
				.stream()
				.filter((span) -> span.getTraceId().equals(traceId))
				.toList();
		}, (found) -> found.size() >= atLeast && found.stream().anyMatch((span) -> span.getKind() == SpanKind.SERVER));
	}

	private void flush() {
		this.tracerProvider.forceFlush().join(5, TimeUnit.SECONDS);
	}

	private static SpanData only(List<SpanData> trace, SpanKind kind, String name) {
		List<SpanData> found = trace.stream()
			.filter((span) -> span.getKind() == kind && span.getName().equals(name))
			.toList();
		assertThat(found).as("%s spans named '%s' in %s", kind, name, trace).hasSize(1);
		return found.get(0);
	}

	private static Map<String, String> attributes(SpanData span) {
		Map<String, String> attributes = new java.util.HashMap<>();
		span.getAttributes().forEach((key, value) -> attributes.put(key.getKey(), String.valueOf(value)));
		return attributes;
	}

	private Received patchReceivedByGraph() {
		return graph.received()
			.stream()
			.filter((received) -> received.method().equals("PATCH"))
			.reduce((first, second) -> {
				throw new AssertionError("more than one PATCH reached Graph");
			})
			.orElseThrow();
	}

	private String auditedTraceId(String clientRequestId) {
		List<Map<String, Object>> events = await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> !rows.isEmpty()
							&& rows.stream().noneMatch((row) -> "pending".equals(row.get("activity_result"))));
		assertThat(events).hasSize(1);
		return (String) events.get(0).get("trace_id");
	}

	/**
	 * No span's name, attribute or event attribute holds a token, the client secret, a
	 * body value or the target's id.
	 */
	private static void assertNothingSecretIn(List<SpanData> trace, String... more) {
		List<String> secrets = Stream
			.concat(Stream.of(APP_TOKEN, OBO_TOKEN, StubIdentityProvider.GATEWAY_CLIENT_SECRET, BODY_VALUE, USER_ID),
					Stream.of(more))
			.toList();
		List<String> recorded = trace.stream()
			.flatMap((span) -> Stream.concat(Stream.of(span.getName()), Stream.concat(values(span.getAttributes()),
					span.getEvents().stream().map(EventData::getAttributes).flatMap(TracingRouteTests::values))))
			.toList();
		assertThat(recorded).isNotEmpty();
		for (String secret : secrets) {
			assertThat(recorded).noneMatch((value) -> value.contains(secret));
		}
	}

	private static Stream<String> values(Attributes attributes) {
		return attributes.asMap().values().stream().map(String::valueOf);
	}

	private static boolean contains(byte[] haystack, byte[] needle) {
		outer: for (int i = 0; i <= haystack.length - needle.length; i++) {
			for (int j = 0; j < needle.length; j++) {
				if (haystack[i + j] != needle[j]) {
					continue outer;
				}
			}
			return true;
		}
		return false;
	}

	private static String randomHex(int bytes) {
		byte[] random = new byte[bytes];
		new java.security.SecureRandom().nextBytes(random);
		return HexFormat.of().formatHex(random);
	}

	/** Every tenant allowed and licensed, but one whose license is asked of Graph. */
	private static Path policy() {
		try {
			Path file = Files.createTempFile("tracing-policy", ".yml");
			Files.writeString(file, Files.readString(Path.of("src/test/resources/policy/allow-all.yml")) + """
					tenants:
					  - id: %s
					    license: auto
					  - id: %s
					    capture-before: best-effort
					""".formatted(AUTO_LICENSE_TENANT, CAPTURING_TENANT));
			return file;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The spans also kept in memory, beside the OTLP export. */
	@TestConfiguration(proxyBeanMethods = false)
	static class SpansInMemory {

		@Bean
		InMemorySpanExporter inMemorySpanExporter() {
			return InMemorySpanExporter.create();
		}

	}

	/**
	 * An OTLP receiver on 127.0.0.1: keeps what is posted to {@code /v1/traces}, answers
	 * 200 with an empty body (an empty {@code ExportTraceServiceResponse}).
	 */
	static final class OtlpReceiver {

		private final HttpServer server;

		private final List<byte[]> exports = new CopyOnWriteArrayList<>();

		private final List<String> contentTypes = new CopyOnWriteArrayList<>();

		private OtlpReceiver(HttpServer server) {
			this.server = server;
			server.createContext("/v1/traces", (exchange) -> {
				try (exchange; InputStream body = exchange.getRequestBody()) {
					this.contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
					this.exports.add(body.readAllBytes());
					exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
					exchange.sendResponseHeaders(200, -1);
				}
			});
			server.start();
		}

		static OtlpReceiver start() {
			try {
				return new OtlpReceiver(
						HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		String endpoint() {
			return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/v1/traces";
		}

		List<byte[]> exports() {
			return List.copyOf(this.exports);
		}

		List<String> contentTypes() {
			return List.copyOf(this.contentTypes);
		}

		void stop() {
			this.server.stop(0);
		}

	}

}
