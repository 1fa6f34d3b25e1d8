package com.graphpolicygateway.identity;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.routing.GraphErrorCodes;
import com.graphpolicygateway.routing.GraphErrorResponder;

/**
 * Answers an authenticated caller who may not call the route with 403
 * {@code Authorization_RequestDenied}; a missing permission also carries
 * {@code WWW-Authenticate: Bearer error="insufficient_scope"} naming the permission, as
 * {@code BearerTokenServerAccessDeniedHandler} does.
 */
final class GraphAccessDeniedHandler implements ServerAccessDeniedHandler {

	private final GraphErrorResponder errors;

	private final String requiredPermission;

	GraphAccessDeniedHandler(GraphErrorResponder errors, String requiredPermission) {
		Assert.notNull(errors, "errors cannot be null");
		Assert.hasText(requiredPermission, "requiredPermission cannot be empty");
		this.errors = errors;
		this.requiredPermission = requiredPermission;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, AccessDeniedException denied) {
		boolean insufficientScope = !(denied instanceof PermissionDeniedException permission)
				|| permission.isInsufficientScope();
		String message = (denied instanceof PermissionDeniedException) ? denied.getMessage()
				: "Insufficient privileges to complete the operation.";
		if (!insufficientScope) {
			return this.errors.respond(exchange, HttpStatus.FORBIDDEN, GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED,
					message);
		}
		String challenge = BearerChallenge.challenge("insufficient_scope", message, this.requiredPermission);
		return this.errors.respond(exchange, HttpStatus.FORBIDDEN, GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED,
				message, (headers) -> headers.set(HttpHeaders.WWW_AUTHENTICATE, challenge));
	}

}
