package com.graphpolicygateway.identity;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserRequest;
import org.springframework.security.oauth2.client.userinfo.ReactiveOAuth2UserService;
import org.springframework.security.oauth2.core.oidc.IdTokenClaimNames;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;

/**
 * The user signed in to the audit page, from the ID token alone: its application roles
 * ({@code roles}) become the same {@code APPROLE_} authorities a bearer token's roles do,
 * so the page and the API share one permission check. No user-info call is made, and the
 * access token's scopes grant nothing.
 */
final class IdTokenUserService implements ReactiveOAuth2UserService<OidcUserRequest, OidcUser> {

	@Override
	public Mono<OidcUser> loadUser(OidcUserRequest request) {
		OidcIdToken idToken = request.getIdToken();
		List<GrantedAuthority> authorities = roles(idToken);
		return Mono.just(new DefaultOidcUser(authorities, idToken, IdTokenClaimNames.SUB));
	}

	private static List<GrantedAuthority> roles(OidcIdToken idToken) {
		List<String> roles = idToken.getClaimAsStringList(EntraClaims.ROLES);
		if (roles == null) {
			return List.of();
		}
		return roles.stream()
			.<GrantedAuthority>map((role) -> new SimpleGrantedAuthority(EntraAuthoritiesConverter.ROLE_PREFIX + role))
			.toList();
	}

}
