package com.graphpolicygateway.identity;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.ReactiveAuthenticationManagerResolver;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtReactiveAuthenticationManager;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * Resolves a token's {@code iss} to the authentication manager of the configured issuer
 * it belongs to. Each configured issuer has one decoder and one key source, shared by all
 * tenants of a template issuer; unknown issuers resolve to nothing and are refused.
 */
final class TrustedIssuers implements ReactiveAuthenticationManagerResolver<String> {

	private final IssuerDecoders decoders;

	private final Converter<Jwt, Mono<AbstractAuthenticationToken>> authenticationConverter;

	/** One manager per issuer decoder, made on first use. */
	private final Map<ReactiveJwtDecoder, ReactiveAuthenticationManager> managers = new ConcurrentHashMap<>();

	TrustedIssuers(GraphGatewayProperties.Identity identity, WebClient webClient, Clock clock,
			Converter<Jwt, Mono<AbstractAuthenticationToken>> authenticationConverter) {
		Assert.notNull(identity, "identity cannot be null");
		this.decoders = new IssuerDecoders(identity, identity.acceptedAudiences(), webClient, clock);
		this.authenticationConverter = authenticationConverter;
	}

	@Override
	public Mono<ReactiveAuthenticationManager> resolve(String issuer) {
		return Mono.justOrEmpty(this.decoders.forIssuer(issuer))
			.map((decoder) -> this.managers.computeIfAbsent(decoder, this::manager));
	}

	private ReactiveAuthenticationManager manager(ReactiveJwtDecoder decoder) {
		JwtReactiveAuthenticationManager manager = new JwtReactiveAuthenticationManager(decoder);
		manager.setJwtAuthenticationConverter(this.authenticationConverter);
		return manager;
	}

}
