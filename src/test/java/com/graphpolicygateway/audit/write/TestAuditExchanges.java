package com.graphpolicygateway.audit.write;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.graph.BodyProperty;
import com.graphpolicygateway.graph.OperationRequest;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.TestOperations;

/**
 * {@code PATCH /v1.0/users/{id}} exchanges as the audit sees them once the request guard
 * ran: the body's properties and the correlation ids stored on the exchange, a bearer
 * token in {@code Authorization}, a W3C {@code traceparent}, and a connection from
 * {@link TestAuditEvents#IP_ADDRESS}.
 */
public final class TestAuditExchanges {

	static final String TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3Qta2V5In0"
			+ ".eyJ0aWQiOiI3MmY5ODhiZiIsInNjcCI6IkRldmljZU1hbmFnZW1lbnRBcHBzIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

	static final String CLIENT_REQUEST_ID = "7d0e6b9a-4c3f-4e2d-8a1b-0c9d8e7f6a5b";

	private TestAuditExchanges() {
	}

	static Builder patch() {
		return new Builder();
	}

	/** An exchange under construction. */
	static final class Builder {

		private final Map<String, List<String>> headers = new LinkedHashMap<>();

		private final List<BodyProperty> properties = new ArrayList<>(List
			.of(new BodyProperty("displayName", "Adele Vance"), new BodyProperty("jobTitle", "Retail Manager")));

		private boolean guarded = true;

		private @Nullable InetSocketAddress remoteAddress = new InetSocketAddress(TestAuditEvents.IP_ADDRESS, 50123);

		private Builder() {
			header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN);
			header("traceparent", "00-" + TestAuditEvents.TRACE_ID + "-00f067aa0ba902b7-01");
		}

		Builder header(String name, String... values) {
			this.headers.put(name, List.of(values));
			return this;
		}

		Builder withoutHeader(String name) {
			this.headers.remove(name);
			return this;
		}

		/** Replaces the body's properties. */
		public Builder properties(BodyProperty... properties) {
			this.properties.clear();
			this.properties.addAll(List.of(properties));
			return this;
		}

		Builder property(String name, @Nullable String value) {
			this.properties.add(new BodyProperty(name, value));
			return this;
		}

		/** A request refused before the guard stored its target and body. */
		Builder unguarded() {
			this.guarded = false;
			return this;
		}

		Builder remoteAddress(@Nullable InetSocketAddress remoteAddress) {
			this.remoteAddress = remoteAddress;
			return this;
		}

		public MockServerWebExchange build() {
			MockServerHttpRequest.BodyBuilder request = MockServerHttpRequest.patch("/v1.0/users/{id}",
					TestAuditEvents.TARGET);
			this.headers.forEach((name, values) -> request.header(name, values.toArray(String[]::new)));
			if (this.remoteAddress != null) {
				request.remoteAddress(this.remoteAddress);
			}
			MockServerWebExchange exchange = MockServerWebExchange.from(request.build());
			// The guard and the client-request-id filter store these with package-private
			// methods; their attribute names are their class names.
			exchange.getAttributes()
				.put(RequestCorrelation.class.getName(),
						new RequestCorrelation("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", CLIENT_REQUEST_ID));
			if (this.guarded) {
				exchange.getAttributes()
					.put(OperationRequest.class.getName(),
							new OperationRequest(TestOperations.userUpdate(), TestAuditEvents.TARGET, this.properties));
			}
			return exchange;
		}

	}

}
