package com.graphpolicygateway.identity;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.resource.BearerTokenError;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;

/**
 * Answers a missing or unacceptable bearer token with 401
 * {@code InvalidAuthenticationToken} in Graph's shape and an RFC 6750 challenge, as
 * {@code BearerTokenServerAuthenticationEntryPoint} does for plain resource servers.
 */
final class GraphBearerTokenEntryPoint implements ServerAuthenticationEntryPoint {

	private final GraphErrorResponder errors;

	GraphBearerTokenEntryPoint(GraphErrorResponder errors) {
		Assert.notNull(errors, "errors cannot be null");
		this.errors = errors;
	}

	@Override
	public Mono<Void> commence(ServerWebExchange exchange, AuthenticationException ex) {
		String challenge;
		String message;
		if (ex instanceof OAuth2AuthenticationException oauth2 && oauth2.getError() instanceof BearerTokenError error
				&& !OAuth2ErrorCodes.INVALID_REQUEST.equals(error.getErrorCode())) {
			message = BearerChallenge.describe(error.getDescription(), "The access token is not valid.");
			challenge = BearerChallenge.challenge(error.getErrorCode(), message, null);
		}
		else if (ex instanceof OAuth2AuthenticationException oauth2) {
			message = BearerChallenge.describe(oauth2.getError().getDescription(), "The access token is not valid.");
			challenge = BearerChallenge.challenge(OAuth2ErrorCodes.INVALID_REQUEST, message, null);
		}
		else {
			message = "Access token is empty.";
			challenge = BearerChallenge.challenge(null, null, null);
		}
		return this.errors.respond(exchange, HttpStatus.UNAUTHORIZED, GraphErrorCodes.INVALID_AUTHENTICATION_TOKEN,
				message, (headers) -> headers.set(HttpHeaders.WWW_AUTHENTICATE, challenge));
	}

}
