package com.graphpolicygateway.routing;

import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;
import reactor.util.context.Context;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.graphpolicygateway.system.Ids;
import com.graphpolicygateway.system.LogCorrelation;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GatewayStages;

/**
 * Gives every request its correlation ids before anything else runs, so that refusals
 * from any later stage (token, guard, route) carry them. A caller without
 * {@code client-request-id} gets one made here; it is sent upstream and answered back.
 */
public final class ClientRequestIdWebFilter implements WebFilter, Ordered {

	/** Runs before Spring Security, whose refusals need the ids too. */
	public static final int ORDER = GatewayStages.CLIENT_REQUEST_ID;

	private final GraphErrorResponder errors;

	public ClientRequestIdWebFilter(GraphErrorResponder errors) {
		Assert.notNull(errors, "errors cannot be null");
		this.errors = errors;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		List<String> sent = exchange.getRequest().getHeaders().getOrEmpty(RequestCorrelation.CLIENT_REQUEST_ID);
		String requestId = UUID.randomUUID().toString();
		if (sent.size() > 1 || (sent.size() == 1 && !Ids.isGuid(sent.get(0)))) {
			new RequestCorrelation(requestId, UUID.randomUUID().toString()).storeOn(exchange);
			return this.errors.respond(exchange, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST,
					"The client-request-id header must be a single GUID.");
		}
		String clientRequestId = sent.isEmpty() ? UUID.randomUUID().toString() : sent.get(0);
		new RequestCorrelation(requestId, clientRequestId).storeOn(exchange);
		ServerWebExchange correlated = sent.isEmpty() ? exchange.mutate()
			.request((request) -> request
				.headers((headers) -> headers.set(RequestCorrelation.CLIENT_REQUEST_ID, clientRequestId)))
			.build() : exchange;
		correlated.getResponse().beforeCommit(() -> {
			HttpHeaders headers = correlated.getResponse().getHeaders();
			if (!headers.containsHeader(RequestCorrelation.CLIENT_REQUEST_ID)) {
				headers.set(RequestCorrelation.CLIENT_REQUEST_ID, clientRequestId);
			}
			return Mono.empty();
		});
		return chain.filter(correlated)
			.contextWrite(Context.of(LogCorrelation.REQUEST_ID, requestId, LogCorrelation.CLIENT_REQUEST_ID,
					clientRequestId));
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
