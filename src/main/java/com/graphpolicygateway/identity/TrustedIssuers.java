package com.graphpolicygateway.identity;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSecurityContextJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import reactor.core.publisher.Mono;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.ReactiveAuthenticationManagerResolver;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtReactiveAuthenticationManager;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.system.GraphGatewayProperties.TrustedIssuer;

/**
 * Resolves a token's {@code iss} to the authentication manager of the configured issuer
 * it belongs to. Each configured issuer has one decoder and one key source, shared by all
 * tenants of a template issuer; unknown issuers resolve to nothing and are refused.
 */
final class TrustedIssuers implements ReactiveAuthenticationManagerResolver<String> {

	/**
	 * Asymmetric signatures only: {@code none} and HMAC can be forged with public
	 * material.
	 */
	static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
			JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
			JWSAlgorithm.ES512);

	private final List<Entry> entries = new ArrayList<>();

	TrustedIssuers(GraphGatewayProperties.Identity identity, WebClient webClient, Clock clock,
			Converter<Jwt, Mono<AbstractAuthenticationToken>> authenticationConverter) {
		Assert.notNull(identity, "identity cannot be null");
		for (TrustedIssuer issuer : identity.issuers()) {
			RefreshLimitedJwkSource keys = new RefreshLimitedJwkSource(webClient, issuer.jwkSetUri(),
					identity.jwksRefreshInterval(), clock);
			NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder.withJwkSource(keys)
				.jwtProcessorCustomizer((processor) -> processor
					.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, new JWKSecurityContextJWKSet())))
				.build();
			JwtTimestampValidator timestamps = new JwtTimestampValidator(identity.clockSkew());
			timestamps.setClock(clock);
			decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(timestamps,
					new EntraTokenValidator(issuer, identity.acceptedAudiences())));
			// Nimbus reports an unreachable key set as IllegalStateException; as a
			// (non-bad) JwtException it
			// becomes an AuthenticationServiceException, answered 503 rather than 500.
			ReactiveJwtDecoder keysChecked = (token) -> decoder.decode(token)
				.onErrorMap(IllegalStateException.class,
						(ex) -> new JwtException("The issuer's signing keys are unavailable", ex));
			JwtReactiveAuthenticationManager manager = new JwtReactiveAuthenticationManager(keysChecked);
			manager.setJwtAuthenticationConverter(authenticationConverter);
			this.entries.add(new Entry(pattern(issuer), manager));
		}
	}

	@Override
	public Mono<ReactiveAuthenticationManager> resolve(String issuer) {
		for (Entry entry : this.entries) {
			if (entry.issuer().matcher(issuer).matches()) {
				return Mono.just(entry.manager());
			}
		}
		return Mono.empty();
	}

	private static Pattern pattern(TrustedIssuer issuer) {
		String template = issuer.issuer();
		int placeholder = template.indexOf(TrustedIssuer.TENANT_PLACEHOLDER);
		if (placeholder < 0) {
			return Pattern.compile(Pattern.quote(template));
		}
		String before = template.substring(0, placeholder);
		String after = template.substring(placeholder + TrustedIssuer.TENANT_PLACEHOLDER.length());
		return Pattern.compile(Pattern.quote(before) + "[0-9a-fA-F-]{36}" + Pattern.quote(after));
	}

	private record Entry(Pattern issuer, ReactiveAuthenticationManager manager) {
	}

}
