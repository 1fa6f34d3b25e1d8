package com.graphpolicygateway.identity;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.authorization.ReactiveAuthorizationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.authorization.AuthorizationContext;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.OperationMatch;

/**
 * The permission check of the Graph operations: a request aimed at an operation needs one
 * of that operation's permissions; one aimed under an operation's path that matches none
 * exactly (a sub-path, which is then answered 404) needs one of the permissions of the
 * operations it is aimed under, so nothing near a route escapes authentication.
 */
final class OperationPermissions implements ReactiveAuthorizationManager<AuthorizationContext> {

	private final OperationCatalogue catalogue;

	private final Map<Set<String>, RequiredPermissionAuthorizationManager> managers = new ConcurrentHashMap<>();

	OperationPermissions(OperationCatalogue catalogue) {
		Assert.notNull(catalogue, "catalogue cannot be null");
		this.catalogue = catalogue;
	}

	/** The requests this check applies to: those aimed at an operation. */
	ServerWebExchangeMatcher aimedAtOperations() {
		return (exchange) -> aimedAt(exchange).isEmpty() ? ServerWebExchangeMatcher.MatchResult.notMatch()
				: ServerWebExchangeMatcher.MatchResult.match();
	}

	@Override
	public Mono<AuthorizationResult> authorize(Mono<Authentication> authentication, AuthorizationContext context) {
		return managerFor(context.getExchange()).authorize(authentication, context);
	}

	/** The check of the permissions the exchange's request needs. */
	RequiredPermissionAuthorizationManager managerFor(ServerWebExchange exchange) {
		OperationMatch match = this.catalogue.matchOn(exchange);
		Collection<Operation> operations = (match != null) ? List.of(match.operation()) : aimedAt(exchange);
		Set<String> permissions = new TreeSet<>();
		operations.forEach((operation) -> permissions.addAll(operation.permissions()));
		return this.managers.computeIfAbsent(Set.copyOf(permissions), RequiredPermissionAuthorizationManager::new);
	}

	private List<Operation> aimedAt(ServerWebExchange exchange) {
		return this.catalogue.aimedAt(exchange.getRequest().getMethod(),
				exchange.getRequest().getPath().pathWithinApplication());
	}

}
