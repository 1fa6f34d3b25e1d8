package com.graphpolicygateway.identity;

import java.io.Serial;

import reactor.core.publisher.Mono;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.ReactiveJwtAuthenticationConverterAdapter;

/**
 * A verified bearer token's authentication that carries its {@link Caller}, read from the
 * claims once. Every filter of a call asks who called (permission, policy, rate limit,
 * audit, the Graph token), and a token re-used by its client is remembered
 * ({@code ValidatedTokenCache}), so the claims are read once per token instead of several
 * times per call.
 */
final class CallerAuthenticationToken extends JwtAuthenticationToken {

	@Serial
	private static final long serialVersionUID = 1L;

	private final Caller caller;

	CallerAuthenticationToken(JwtAuthenticationToken authentication) {
		super(authentication.getToken(), authentication.getAuthorities(), authentication.getName());
		this.caller = Caller.ofBearer(authentication.getToken());
	}

	/**
	 * What a verified token becomes: Spring Security's authentication of it, with the
	 * Entra permissions as authorities ({@link EntraAuthoritiesConverter}) and its
	 * caller.
	 */
	static Converter<Jwt, Mono<AbstractAuthenticationToken>> converter() {
		JwtAuthenticationConverter authentication = new JwtAuthenticationConverter();
		authentication.setJwtGrantedAuthoritiesConverter(new EntraAuthoritiesConverter());
		return new ReactiveJwtAuthenticationConverterAdapter(
				(jwt) -> new CallerAuthenticationToken((JwtAuthenticationToken) authentication.convert(jwt)));
	}

	Caller caller() {
		return this.caller;
	}

}
