package com.graphpolicygateway.policy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;

import com.graphpolicygateway.policy.CompiledPolicy.TenantRules;
import com.graphpolicygateway.policy.UserResolver.ResolvedUser;

/**
 * Decides whether a call's target is one of the tenant's protected users, whatever
 * identifier the call and the policy use: the target and the principal names listed in
 * {@code protected-users} are resolved with Graph, and the target is protected when its
 * object id is a listed or resolved one, or its current principal name is a listed one.
 * Graph is only asked when the answer depends on it: never for a tenant without protected
 * users or with resolution off, nor for a target listed as written, nor for an object id
 * when only object ids are listed.
 */
final class TargetProtection {

	/** Lookups of listed principal names made at once for one call. */
	private static final int CONCURRENT_LOOKUPS = 8;

	private final UserResolver resolver;

	TargetProtection(UserResolver resolver) {
		Assert.notNull(resolver, "resolver cannot be null");
		this.resolver = resolver;
	}

	Mono<Outcome> check(TenantRules tenant, @Nullable String tenantId, String targetUserId) {
		Set<String> listed = tenant.protectedUsers();
		String target = UserIdentifiers.normalize(targetUserId);
		if (listed.isEmpty()) {
			return Mono.just(Outcome.NOT_PROTECTED);
		}
		if (listed.contains(target)) {
			return Mono.just(Outcome.PROTECTED);
		}
		if (!tenant.resolvesProtectedUsers()) {
			return Mono.just(Outcome.NOT_PROTECTED);
		}
		List<String> listedNames = listed.stream().filter(UserIdentifiers::isUserPrincipalName).toList();
		if (UserIdentifiers.isObjectId(target) && listedNames.isEmpty()) {
			// An object id is the user's own: listed object ids were compared above.
			return Mono.just(Outcome.NOT_PROTECTED);
		}
		if (tenantId == null || !UserIdentifiers.isUser(target)) {
			return Mono.just(Outcome.unresolved("the target is not a user id in a known tenant"));
		}
		Mono<Resolution> targetUser = resolve(tenantId, target);
		Mono<List<Resolution>> listedUsers = Flux.fromIterable(listedNames)
			.flatMap((name) -> resolve(tenantId, name), CONCURRENT_LOOKUPS)
			.collectList();
		return Mono.zip(targetUser, listedUsers)
			.map((resolved) -> decide(listed, listedNames, target, resolved.getT1(), resolved.getT2()));
	}

	private Mono<Resolution> resolve(String tenantId, String identifier) {
		return this.resolver.resolve(tenantId, identifier)
			.map((user) -> new Resolution(user, null))
			.defaultIfEmpty(new Resolution(null, null))
			.onErrorResume(UserResolver.LookupFailedException.class,
					(ex) -> Mono.just(new Resolution(null, ex.getMessage())));
	}

	/**
	 * Protected when any answer proves it, even if another lookup failed; unresolved when
	 * a lookup failed and nothing proves it; otherwise not protected.
	 */
	private static Outcome decide(Set<String> listed, List<String> listedNames, String target, Resolution targetUser,
			List<Resolution> listedUsers) {
		Set<String> protectedIds = new HashSet<>();
		listed.stream().filter(UserIdentifiers::isObjectId).forEach(protectedIds::add);
		for (Resolution listedUser : listedUsers) {
			if (listedUser.user() != null) {
				protectedIds.add(listedUser.user().objectId());
			}
		}
		ResolvedUser user = targetUser.user();
		boolean isProtected = protectedIds.contains(target) || (user != null
				&& (protectedIds.contains(user.objectId()) || listedNames.contains(user.userPrincipalName())));
		if (isProtected) {
			return Outcome.PROTECTED;
		}
		if (targetUser.problem() != null) {
			return Outcome.unresolved(targetUser.problem());
		}
		return listedUsers.stream()
			.filter((listedUser) -> listedUser.problem() != null)
			.findFirst()
			.map((listedUser) -> Outcome.unresolved(listedUser.problem()))
			.orElse(Outcome.NOT_PROTECTED);
	}

	/**
	 * What the check found.
	 *
	 * @param isProtected whether the target is a protected user
	 * @param unresolved why it could not be told, or null when it could
	 */
	record Outcome(boolean isProtected, @Nullable String unresolved) {

		static final Outcome PROTECTED = new Outcome(true, null);

		static final Outcome NOT_PROTECTED = new Outcome(false, null);

		static Outcome unresolved(String problem) {
			return new Outcome(false, problem);
		}

	}

	/** One lookup's answer: a user, no such user, or a problem. */
	private record Resolution(@Nullable ResolvedUser user, @Nullable String problem) {
	}

}
