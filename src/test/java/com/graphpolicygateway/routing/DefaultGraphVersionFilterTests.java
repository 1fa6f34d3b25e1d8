package com.graphpolicygateway.routing;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DefaultGraphVersionFilter}.
 */
class DefaultGraphVersionFilterTests {

	private final DefaultGraphVersionFilter filter = new DefaultGraphVersionFilter();

	@Test
	void filterWhenBarePathThenUpstreamUrlGetsTheDefaultVersion() {
		assertThat(upstreamUrlAfterFilter("http://graph.example:8443/users/alice%23EXT%23@contoso.example"))
			.isEqualTo(URI.create("http://graph.example:8443/v1.0/users/alice%23EXT%23@contoso.example"));
	}

	@Test
	void filterWhenBarePathWithQueryThenQueryKeptAsSent() {
		assertThat(upstreamUrlAfterFilter("https://graph.example/users/u1?%24select=id&x=a%20b"))
			.isEqualTo(URI.create("https://graph.example/v1.0/users/u1?%24select=id&x=a%20b"));
	}

	// Every operation of the catalogue is served bare too, not only /users/{id}.
	@Test
	void filterWhenBareDevicePathThenUpstreamUrlGetsTheDefaultVersion() {
		assertThat(upstreamUrlAfterFilter("https://graph.example/deviceManagement/managedDevices/d1/wipe"))
			.isEqualTo(URI.create("https://graph.example/v1.0/deviceManagement/managedDevices/d1/wipe"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://graph.example/v1.0/users/u1", "https://graph.example/beta/users/u1",
			"https://graph.example/beta/deviceManagement/managedDevices/d1/retire" })
	void filterWhenPathIsNotBareThenUpstreamUrlUnchanged(String url) {
		assertThat(upstreamUrlAfterFilter(url)).isEqualTo(URI.create(url));
	}

	@Test
	void filterWhenBarePathThenRequestLeftAlone() {
		MockServerWebExchange exchange = exchangeWithUpstreamUrl("https://graph.example/users/u1");
		ServerWebExchange[] passedOn = new ServerWebExchange[1];
		this.filter.filter(exchange, (next) -> {
			passedOn[0] = next;
			return Mono.empty();
		}).block();
		assertThat(passedOn[0]).isSameAs(exchange);
		assertThat(exchange.getRequest().getURI().getRawPath()).isEqualTo("/users/u1");
	}

	@Test
	void filterWhenNoUpstreamUrlThenNothingSet() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.patch("/users/u1"));
		this.filter.filter(exchange, (next) -> Mono.empty()).block();
		assertThat(exchange.getAttributes()).doesNotContainKey(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
	}

	@Test
	void getOrderWhenComparedWithTheUrlResolutionThenRightAfterIt() {
		assertThat(this.filter.getOrder()).isEqualTo(RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1);
	}

	private URI upstreamUrlAfterFilter(String url) {
		MockServerWebExchange exchange = exchangeWithUpstreamUrl(url);
		URI[] seen = new URI[1];
		GatewayFilterChain chain = (next) -> {
			seen[0] = next.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
			return Mono.empty();
		};
		this.filter.filter(exchange, chain).block();
		return seen[0];
	}

	private static MockServerWebExchange exchangeWithUpstreamUrl(String url) {
		URI upstream = URI.create(url);
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.patch(upstream.getRawPath()));
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, upstream);
		return exchange;
	}

}
