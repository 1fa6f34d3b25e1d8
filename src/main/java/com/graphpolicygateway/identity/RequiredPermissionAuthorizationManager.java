package com.graphpolicygateway.identity;

import java.util.Optional;

import reactor.core.publisher.Mono;

import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.authorization.ReactiveAuthorizationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.web.server.authorization.AuthorizationContext;
import org.springframework.util.Assert;

/**
 * Allows a caller whose token holds the required permission, as a delegated scope
 * ({@code scp}) or an application role ({@code roles}), and who is not a personal
 * Microsoft account. The access-denied handler asks it why a caller was refused.
 */
final class RequiredPermissionAuthorizationManager implements ReactiveAuthorizationManager<AuthorizationContext> {

	private final String permission;

	private final String scopeAuthority;

	private final String roleAuthority;

	RequiredPermissionAuthorizationManager(String permission) {
		Assert.hasText(permission, "permission cannot be empty");
		this.permission = permission;
		this.scopeAuthority = EntraAuthoritiesConverter.SCOPE_PREFIX + permission;
		this.roleAuthority = EntraAuthoritiesConverter.ROLE_PREFIX + permission;
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
			return Optional.of(
					new PermissionDenial(
							"Insufficient privileges to complete the operation: the token " + "must hold "
									+ this.permission + " as a delegated scope (scp) or an application role (roles).",
							true));
		}
		return Optional.empty();
	}

	String permission() {
		return this.permission;
	}

	private boolean holdsPermission(Authentication caller) {
		for (GrantedAuthority authority : caller.getAuthorities()) {
			String name = authority.getAuthority();
			if (this.scopeAuthority.equals(name) || this.roleAuthority.equals(name)) {
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
