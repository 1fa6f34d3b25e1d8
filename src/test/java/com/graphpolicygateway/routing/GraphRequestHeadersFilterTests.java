package com.graphpolicygateway.routing;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.UpstreamAuthorization;

/**
 * Tests for {@link GraphRequestHeadersFilter}.
 */
class GraphRequestHeadersFilterTests {

	private final GraphRequestHeadersFilter filter = new GraphRequestHeadersFilter();

	private final MockServerWebExchange exchange = MockServerWebExchange
		.from(MockServerHttpRequest.patch("/v1.0/users/{id}", TestUserIds.guid()));

	@Test
	void filterWhenEveryAllowListedHeaderSentThenAllForwarded() {
		HttpHeaders input = new HttpHeaders();
		GraphRequestHeadersFilter.FORWARDED.forEach((name) -> input.add(name, "value of " + name));
		HttpHeaders forwarded = this.filter.filter(input, this.exchange);
		assertThat(forwarded.headerNames()).containsExactlyInAnyOrderElementsOf(GraphRequestHeadersFilter.FORWARDED);
		GraphRequestHeadersFilter.FORWARDED
			.forEach((name) -> assertThat(forwarded.get(name)).containsExactly("value of " + name));
	}

	@Test
	void filterWhenTypicalGraphRequestThenItsHeadersForwarded() {
		HttpHeaders input = new HttpHeaders();
		input.setBearerAuth("caller-token");
		input.set(RequestCorrelation.CLIENT_REQUEST_ID, TestUserIds.guid());
		input.set("ConsistencyLevel", "eventual");
		input.set(HttpHeaders.IF_MATCH, "W/\"etag\"");
		input.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
		HttpHeaders forwarded = this.filter.filter(input, this.exchange);
		assertThat(forwarded.toSingleValueMap()).isEqualTo(input.toSingleValueMap());
	}

	@ParameterizedTest
	@ValueSource(strings = { "AUTHORIZATION", "authorization", "Client-Request-Id", "CONTENT-TYPE", "consistencylevel",
			"Traceparent", "if-match" })
	void filterWhenAllowListedHeaderInOtherCaseThenForwarded(String name) {
		HttpHeaders input = new HttpHeaders();
		input.set(name, "x");
		assertThat(this.filter.filter(input, this.exchange).get(name)).containsExactly("x");
	}

	@Test
	void filterWhenHeaderHasSeveralValuesThenAllForwardedInOrder() {
		HttpHeaders input = new HttpHeaders();
		input.addAll(HttpHeaders.ACCEPT, List.of("application/json", "text/plain;q=0.5"));
		input.addAll("Prefer", List.of("return=minimal", "respond-async"));
		HttpHeaders forwarded = this.filter.filter(input, this.exchange);
		assertThat(forwarded.get(HttpHeaders.ACCEPT)).containsExactly("application/json", "text/plain;q=0.5");
		assertThat(forwarded.get("Prefer")).containsExactly("return=minimal", "respond-async");
	}

	@ParameterizedTest
	@ValueSource(strings = { "Cookie", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
			"X-Real-IP", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "X-Original-URL",
			"X-Rewrite-URL", "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Upgrade", "Expect",
			"Proxy-Authorization", "Origin", "Referer", "Range", "X-MS-Client-Application", "X-Invented-By-Caller" })
	void filterWhenHeaderNotAllowListedThenDropped(String name) {
		HttpHeaders input = new HttpHeaders();
		input.setBearerAuth("caller-token");
		input.set(name, "x");
		HttpHeaders forwarded = this.filter.filter(input, this.exchange);
		assertThat(forwarded.containsHeader(name)).isFalse();
		assertThat(forwarded.headerNames()).containsExactly(HttpHeaders.AUTHORIZATION);
	}

	@ParameterizedTest
	@ValueSource(strings = { "Prefer", "prefer", "keep-alive, PREFER", " Prefer ,Accept" })
	void filterWhenConnectionNamesAllowListedHeaderThenItIsDropped(String connection) {
		HttpHeaders input = new HttpHeaders();
		input.set(HttpHeaders.CONNECTION, connection);
		input.set("Prefer", "return=minimal");
		input.set(HttpHeaders.CONTENT_TYPE, "application/json");
		HttpHeaders forwarded = this.filter.filter(input, this.exchange);
		assertThat(forwarded.containsHeader("Prefer")).isFalse();
		assertThat(forwarded.containsHeader(HttpHeaders.CONNECTION)).isFalse();
		assertThat(forwarded.get(HttpHeaders.CONTENT_TYPE)).containsExactly("application/json");
	}

	@Test
	void filterWhenSeveralConnectionHeadersThenEveryNamedHeaderDropped() {
		HttpHeaders input = new HttpHeaders();
		input.addAll(HttpHeaders.CONNECTION, List.of("Prefer", "If-Match"));
		input.set("Prefer", "return=minimal");
		input.set(HttpHeaders.IF_MATCH, "*");
		input.set(HttpHeaders.ACCEPT, "application/json");
		assertThat(this.filter.filter(input, this.exchange).headerNames()).containsExactly(HttpHeaders.ACCEPT);
	}

	@Test
	void filterWhenCalledThenInputLeftUnchanged() {
		HttpHeaders input = new HttpHeaders();
		input.set(HttpHeaders.COOKIE, "session=1");
		input.set(HttpHeaders.CONTENT_TYPE, "application/json");
		this.filter.filter(input, this.exchange);
		assertThat(input.headerNames()).containsExactlyInAnyOrder(HttpHeaders.COOKIE, HttpHeaders.CONTENT_TYPE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "Authorization", "authorization", "AUTHORIZATION" })
	void filterWhenUpstreamAuthorizedThenItReplacesTheCallersAuthorization(String name) {
		HttpHeaders input = new HttpHeaders();
		input.set(name, "Bearer caller-token");
		input.set(HttpHeaders.CONTENT_TYPE, "application/json");
		new UpstreamAuthorization("Bearer graph-token").storeOn(this.exchange);
		HttpHeaders forwarded = this.filter.filter(input, this.exchange);
		assertThat(forwarded.get(HttpHeaders.AUTHORIZATION)).containsExactly("Bearer graph-token");
		assertThat(forwarded.get(HttpHeaders.CONTENT_TYPE)).containsExactly("application/json");
		assertThat(input.get(name)).containsExactly("Bearer caller-token");
	}

	@Test
	void filterWhenUpstreamAuthorizedAndCallerSentNoneThenGraphGetsIt() {
		new UpstreamAuthorization("Bearer graph-token").storeOn(this.exchange);
		assertThat(this.filter.filter(new HttpHeaders(), this.exchange).toSingleValueMap())
			.containsExactly(Map.entry(HttpHeaders.AUTHORIZATION, "Bearer graph-token"));
	}

	@Test
	void filterWhenNoHeadersThenNoneForwarded() {
		assertThat(this.filter.filter(new HttpHeaders(), this.exchange).isEmpty()).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "prefer", "CLIENT-REQUEST-ID", "content-length", "TRACESTATE" })
	void forwardedWhenLookedUpInOtherCaseThenFound(String name) {
		assertThat(GraphRequestHeadersFilter.FORWARDED.contains(name)).isTrue();
	}

	@Test
	void forwardedWhenLookedUpForCookieThenNotFound() {
		assertThat(GraphRequestHeadersFilter.FORWARDED.contains("cookie")).isFalse();
	}

	@Test
	void forwardedWhenModifiedThenUnsupported() {
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> GraphRequestHeadersFilter.FORWARDED.add(HttpHeaders.COOKIE));
	}

	@Test
	void supportsWhenRequestThenTrue() {
		assertThat(this.filter.supports(HttpHeadersFilter.Type.REQUEST)).isTrue();
	}

	@Test
	void supportsWhenResponseThenFalse() {
		assertThat(this.filter.supports(HttpHeadersFilter.Type.RESPONSE)).isFalse();
	}

	@Test
	void getOrderWhenComparedWithOtherHeaderFiltersThenLast() {
		assertThat(this.filter.getOrder()).isEqualTo(GraphRequestHeadersFilter.ORDER)
			.isEqualTo(Ordered.LOWEST_PRECEDENCE);
	}

}
