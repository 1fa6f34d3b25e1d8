package com.graphpolicygateway.identity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;

/**
 * Turns an Entra token's delegated scopes ({@code scp}, space-separated) and application
 * roles ({@code roles}) into authorities with distinct prefixes, so that a scope can
 * never pass for a role or the other way round.
 */
final class EntraAuthoritiesConverter implements Converter<Jwt, Collection<GrantedAuthority>> {

	static final String SCOPE_PREFIX = "SCOPE_";

	static final String ROLE_PREFIX = "APPROLE_";

	private final JwtGrantedAuthoritiesConverter scopes = converter(EntraClaims.SCOPES, SCOPE_PREFIX);

	private final JwtGrantedAuthoritiesConverter roles = converter(EntraClaims.ROLES, ROLE_PREFIX);

	@Override
	public Collection<GrantedAuthority> convert(Jwt jwt) {
		List<GrantedAuthority> authorities = new ArrayList<>(this.scopes.convert(jwt));
		authorities.addAll(this.roles.convert(jwt));
		return authorities;
	}

	private static JwtGrantedAuthoritiesConverter converter(String claim, String prefix) {
		JwtGrantedAuthoritiesConverter converter = new JwtGrantedAuthoritiesConverter();
		converter.setAuthoritiesClaimName(claim);
		converter.setAuthorityPrefix(prefix);
		return converter;
	}

}
