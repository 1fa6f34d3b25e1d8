package com.graphpolicygateway.identity;

import java.io.Serial;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.ReactiveJwtAuthenticationConverterAdapter;

import com.graphpolicygateway.system.Ids;

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

	/** The token's SHA-256, once someone computed it (the validated-token cache does). */
	private volatile @Nullable String tokenFingerprint;

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

	/** The SHA-256 of the token, hex: computed at most once per token. */
	String tokenFingerprint() {
		String fingerprint = this.tokenFingerprint;
		if (fingerprint == null) {
			fingerprint = Ids.sha256Hex(getToken().getTokenValue());
			this.tokenFingerprint = fingerprint;
		}
		return fingerprint;
	}

	/** Keeps the fingerprint the validated-token cache computed for its key. */
	void rememberTokenFingerprint(String fingerprint) {
		this.tokenFingerprint = fingerprint;
	}

}
