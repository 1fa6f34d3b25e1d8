package com.graphpolicygateway.identity;

import java.util.function.Function;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;

/**
 * Answers an authenticated caller who may not call the route with 403
 * {@code Authorization_RequestDenied}; a missing permission also carries
 * {@code WWW-Authenticate: Bearer error="insufficient_scope"} naming the permission, as
 * {@code BearerTokenServerAccessDeniedHandler} does.
 */
final class GraphAccessDeniedHandler implements ServerAccessDeniedHandler {

	private final GraphErrorResponder errors;

	private final Function<ServerWebExchange, RequiredPermissionAuthorizationManager> permissionsByPath;

	GraphAccessDeniedHandler(GraphErrorResponder errors,
			Function<ServerWebExchange, RequiredPermissionAuthorizationManager> permissionsByPath) {
		Assert.notNull(errors, "errors cannot be null");
		Assert.notNull(permissionsByPath, "permissionsByPath cannot be null");
		this.errors = errors;
		this.permissionsByPath = permissionsByPath;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, AccessDeniedException denied) {
		RequiredPermissionAuthorizationManager permissions = this.permissionsByPath.apply(exchange);
		return exchange.getPrincipal()
			.filter(Authentication.class::isInstance)
			.map(Authentication.class::cast)
			.doOnNext((caller) -> Caller.remember(exchange, caller))
			.flatMap((caller) -> Mono.justOrEmpty(permissions.denialOf(caller)))
			.defaultIfEmpty(new PermissionDenial("Insufficient privileges to complete the operation.", true))
			.flatMap((denial) -> respond(exchange, denial, permissions.permission()));
	}

	private Mono<Void> respond(ServerWebExchange exchange, PermissionDenial denial, String permission) {
		if (!denial.insufficientScope()) {
			return this.errors.respond(exchange, HttpStatus.FORBIDDEN, GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED,
					denial.message());
		}
		String challenge = BearerChallenge.challenge("insufficient_scope", denial.message(), permission);
		return this.errors.respond(exchange, HttpStatus.FORBIDDEN, GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED,
				denial.message(), (headers) -> headers.set(HttpHeaders.WWW_AUTHENTICATE, challenge));
	}

}
