package com.graphpolicygateway.identity;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import reactor.core.publisher.Mono;

import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.authorization.ReactiveAuthorizationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.web.server.authorization.AuthorizationContext;
import org.springframework.util.Assert;

/**
 * Allows a caller whose token holds one of the required permissions, as a delegated scope
 * ({@code scp}) or an application role ({@code roles}), and who is not a personal
 * Microsoft account. The access-denied handler asks it why a caller was refused.
 */
final class RequiredPermissionAuthorizationManager implements ReactiveAuthorizationManager<AuthorizationContext> {

	private final List<String> permissions;

	private final Set<String> authorities = new HashSet<>();

	RequiredPermissionAuthorizationManager(String permission) {
		this(List.of(permission));
	}

	/** Allows a caller holding any one of {@code permissions}. */
	RequiredPermissionAuthorizationManager(Collection<String> permissions) {
		Assert.notEmpty(permissions, "permissions cannot be empty");
		permissions.forEach((permission) -> Assert.hasText(permission, "permission cannot be empty"));
		this.permissions = List.copyOf(new TreeSet<>(permissions));
		for (String permission : this.permissions) {
			this.authorities.add(EntraAuthoritiesConverter.SCOPE_PREFIX + permission);
			this.authorities.add(EntraAuthoritiesConverter.ROLE_PREFIX + permission);
		}
	}

	@Override
	public Mono<AuthorizationResult> authorize(Mono<Authentication> authentication, AuthorizationContext context) {
		return authentication.filter(Authentication::isAuthenticated)
			// Later refusals (guard, policy) are audited with the caller the token names.
			.doOnNext((caller) -> Caller.remember(context.getExchange(), caller))
			.<AuthorizationResult>map((caller) -> new AuthorizationDecision(denialOf(caller).isEmpty()))
			.defaultIfEmpty(new AuthorizationDecision(false));
	}

	/** Why the caller is refused, or empty when the caller is allowed. */
	Optional<PermissionDenial> denialOf(Authentication caller) {
		if (isPersonalAccount(caller)) {
			return Optional
				.of(new PermissionDenial("Personal Microsoft accounts are not supported by this API.", false));
		}
		if (!holdsPermission(caller)) {
			return Optional.of(new PermissionDenial("Insufficient privileges to complete the operation: the token "
					+ "must hold " + String.join(" or ", this.permissions)
					+ " as a delegated scope (scp) or an application role (roles).", true));
		}
		return Optional.empty();
	}

	/** The permissions, space-separated (a {@code WWW-Authenticate} scope). */
	String permission() {
		return String.join(" ", this.permissions);
	}

	private boolean holdsPermission(Authentication caller) {
		for (GrantedAuthority authority : caller.getAuthorities()) {
			if (this.authorities.contains(authority.getAuthority())) {
				return true;
			}
		}
		return false;
	}

	private static boolean isPersonalAccount(Authentication caller) {
		return Caller.of(caller)
			.map(Caller::tenantId)
			.filter(EntraClaims.PERSONAL_ACCOUNTS_TENANT::equalsIgnoreCase)
			.isPresent();
	}

}
