package com.graphpolicygateway.audit.write;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.graph.BodyProperty;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.TestOperations;
import com.graphpolicygateway.graph.UpstreamAuthorization;
import com.graphpolicygateway.policy.PolicyDecision;
import com.graphpolicygateway.policy.PolicyDecision.CaptureBefore;
import com.graphpolicygateway.policy.RateLimits;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BeforeImageGatewayFilterFactory}, the filter alone in front of a
 * stubbed Graph: what it asks for and with which token, what it hands the audit stage,
 * and when it refuses.
 */
class BeforeImageGatewayFilterFactoryTests {

	private static final String GRAPH_TOKEN = "graph-token-of-the-forward";

	private final List<ClientRequest> asked = new ArrayList<>();

	private final JsonMapper json = JsonMapper.builder().build();

	private final AuditEventFactory events = new AuditEventFactory(List.of("passwordProfile"), 1024,
			Clock.fixed(TestAuditEvents.ARRIVED, ZoneOffset.UTC), TestOperations.catalogue());

	@Test
	void filterWhenCapturedThenAsksForTheBodysPropertiesWithTheForwardsTokenAndHandsOnTheOldValues() {
		GatewayFilter filter = filter(answering(200,
				"{\"id\":\"x\",\"DisplayName\":\"Adele V.\",\"accountEnabled\":true,\"otherMails\":[\"a@b.c\"]}"));
		MockServerWebExchange exchange = exchange(CaptureBefore.BEST_EFFORT,
				new BodyProperty("displayName", "Adele Vance"), new BodyProperty("accountEnabled", "false"),
				new BodyProperty("otherMails", "[]"), new BodyProperty("passwordProfile", "{}"),
				new BodyProperty("faxNumber", "1"));
		AtomicBoolean forwarded = new AtomicBoolean();

		filter.filter(exchange, chain(forwarded)).block(Duration.ofSeconds(5));

		assertThat(forwarded).isTrue();
		assertThat(this.asked).singleElement().satisfies((request) -> {
			assertThat(request.url().getRawPath()).isEqualTo("/v1.0/users/" + TestAuditEvents.TARGET);
			assertThat(request.url().getRawQuery())
				.isEqualTo("$select=displayName,accountEnabled,otherMails,faxNumber");
			assertThat(request.headers().getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer " + GRAPH_TOKEN);
		});
		BeforeImageRead read = BeforeImageRead.from(exchange);
		assertThat(read).isNotNull();
		assertThat(read.status().status()).isEqualTo(AuditEvent.BeforeImage.CAPTURED);
		assertThat(read.status().latencyMillis()).isNotNull();
		assertThat(read.oldValues()).containsEntry("displayName", "Adele V.")
			.containsEntry("accountEnabled", "true")
			.containsEntry("otherMails", "[\"a@b.c\"]")
			.containsEntry("faxNumber", null)
			.doesNotContainKey("passwordProfile");
	}

	@Test
	void filterWhenTenantCapturesNothingThenGraphNotAsked() {
		GatewayFilter filter = filter(answering(200, "{}"));
		MockServerWebExchange exchange = exchange(CaptureBefore.OFF, new BodyProperty("displayName", "x"));
		AtomicBoolean forwarded = new AtomicBoolean();

		filter.filter(exchange, chain(forwarded)).block(Duration.ofSeconds(5));

		assertThat(forwarded).isTrue();
		assertThat(this.asked).isEmpty();
		assertThat(BeforeImageRead.from(exchange)).isNull();
	}

	@ParameterizedTest
	@CsvSource({ "404, graph_404", "429, throttled", "403, graph_error_403", "500, graph_error_500" })
	void filterWhenBestEffortAndGraphFailsThenForwardedWithTheReason(int status, String reason) {
		GatewayFilter filter = filter(answering(status, "{\"error\":{\"code\":\"x\"}}"));
		MockServerWebExchange exchange = exchange(CaptureBefore.BEST_EFFORT, new BodyProperty("displayName", "x"));
		AtomicBoolean forwarded = new AtomicBoolean();

		filter.filter(exchange, chain(forwarded)).block(Duration.ofSeconds(5));

		assertThat(forwarded).isTrue();
		assertThat(BeforeImageRead.from(exchange).status()).isEqualTo(new AuditEvent.BeforeImage(
				AuditEvent.BeforeImage.UNAVAILABLE, reason, BeforeImageRead.from(exchange).status().latencyMillis()));
		assertThat(BeforeImageRead.from(exchange).oldValues()).isEmpty();
	}

	@Test
	void filterWhenRequiredAndGraphTooSlowThenRefusedServiceNotAvailableAndNotForwarded() {
		GatewayFilter filter = new BeforeImageGatewayFilterFactory(
				WebClient.builder().exchangeFunction((request) -> Mono.never()).build(),
				URI.create("https://graph.example"), this.events, new GraphErrorResponder(this.json, Clock.systemUTC()),
				this.json)
			.apply(new BeforeImageGatewayFilterFactory.Config().timeout(Duration.ofMillis(100)));
		MockServerWebExchange exchange = exchange(CaptureBefore.REQUIRED, new BodyProperty("displayName", "x"));
		AtomicBoolean forwarded = new AtomicBoolean();

		filter.filter(exchange, chain(forwarded)).block(Duration.ofSeconds(5));

		assertThat(forwarded).isFalse();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
			.contains("\"serviceNotAvailable\"")
			.contains("timeout");
		assertThat(BeforeImageRead.from(exchange).status().reason()).isEqualTo("timeout");
	}

	@ParameterizedTest
	@CsvSource({ "429, 17, 17", "503, 30, 30", "429, 86400, 300", "429, soon, 5" })
	void filterWhenRequiredAndGraphThrottlesTheReadThenRefusedWithGraphsWait(int status, String graphWait,
			String callerWait) {
		GatewayFilter filter = filter((request) -> Mono.just(ClientResponse.create(HttpStatus.valueOf(status))
			.header(HttpHeaders.RETRY_AFTER, graphWait)
			.header(HttpHeaders.CONTENT_TYPE, "application/json")
			.body("{\"error\":{\"code\":\"TooManyRequests\"}}")
			.build()));
		MockServerWebExchange exchange = exchange(CaptureBefore.REQUIRED, new BodyProperty("displayName", "x"));
		AtomicBoolean forwarded = new AtomicBoolean();

		filter.filter(exchange, chain(forwarded)).block(Duration.ofSeconds(5));

		assertThat(forwarded).isFalse();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo(callerWait);
	}

	private GatewayFilter filter(org.springframework.web.reactive.function.client.ExchangeFunction graph) {
		return new BeforeImageGatewayFilterFactory(WebClient.builder().exchangeFunction(graph).build(),
				URI.create("https://graph.example"), this.events, new GraphErrorResponder(this.json, Clock.systemUTC()),
				this.json)
			.apply(new BeforeImageGatewayFilterFactory.Config());
	}

	private org.springframework.web.reactive.function.client.ExchangeFunction answering(int status, String body) {
		return (request) -> {
			this.asked.add(request);
			return Mono.just(ClientResponse.create(HttpStatus.valueOf(status))
				.header(HttpHeaders.CONTENT_TYPE, "application/json")
				.body(new String(body.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
				.build());
		};
	}

	private static MockServerWebExchange exchange(CaptureBefore capture, BodyProperty... properties) {
		MockServerWebExchange exchange = TestAuditExchanges.patch().properties(properties).build();
		// The policy stores its decision with a package-private method; its attribute
		// name is its class name.
		exchange.getAttributes()
			.put(PolicyDecision.class.getName(),
					new PolicyDecision(null, List.of(), "v1", new RateLimits(null, null), null, capture));
		UpstreamAuthorization.bearer(GRAPH_TOKEN).storeOn(exchange);
		return exchange;
	}

	private static GatewayFilterChain chain(AtomicBoolean forwarded) {
		return (exchange) -> {
			forwarded.set(true);
			return Mono.empty();
		};
	}

}
