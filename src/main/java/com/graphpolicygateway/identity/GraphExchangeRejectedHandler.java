package com.graphpolicygateway.identity;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedException;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;

/**
 * Answers requests that Spring Security's firewall rejects (encoded slashes, double
 * slashes, dot segments, semicolons, control characters) with 400 in Graph's shape
 * instead of an empty body.
 */
final class GraphExchangeRejectedHandler implements ServerExchangeRejectedHandler {

	private final GraphErrorResponder errors;

	GraphExchangeRejectedHandler(GraphErrorResponder errors) {
		Assert.notNull(errors, "errors cannot be null");
		this.errors = errors;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, ServerExchangeRejectedException rejected) {
		return this.errors.respond(exchange, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST,
				"The request was rejected: its path or headers contain characters or sequences the gateway does not accept.");
	}

}
