package com.graphpolicygateway.identity;

import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSecurityContextJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jwt.JWTParser;
import reactor.core.publisher.Mono;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.system.GraphGatewayProperties.TrustedIssuer;

/**
 * One token decoder per configured trusted issuer, for one set of accepted audiences:
 * asymmetric signatures from the issuer's key set (re-fetched at most once per refresh
 * interval), timestamps with the configured skew, the shapes of the claims the gateway
 * reads, and the Entra checks (issuer of the token's own tenant, accepted audience, never
 * Graph's). Callers' bearer tokens and the audit page's ID tokens are decoded by two
 * instances of it.
 */
final class IssuerDecoders implements ReactiveJwtDecoder {

	/**
	 * Asymmetric signatures only: {@code none} and HMAC can be forged with public
	 * material.
	 */
	static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
			JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
			JWSAlgorithm.ES512);

	private static final Converter<Object, Object> AS_SENT = (value) -> value;

	private final List<Entry> entries = new ArrayList<>();

	IssuerDecoders(GraphGatewayProperties.Identity identity, List<String> acceptedAudiences, WebClient webClient,
			Clock clock) {
		Assert.notNull(identity, "identity cannot be null");
		Assert.notEmpty(acceptedAudiences, "acceptedAudiences cannot be empty");
		for (TrustedIssuer issuer : identity.issuers()) {
			RefreshLimitedJwkSource keys = new RefreshLimitedJwkSource(webClient, issuer.jwkSetUri(),
					identity.jwksRefreshInterval(), clock);
			NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder.withJwkSource(keys)
				.jwtProcessorCustomizer((processor) -> processor
					.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, new JWKSecurityContextJWKSet())))
				.build();
			// sub and aud as the token holds them, not turned into text first, so that
			// their shape is checked like every other claim's (EntraClaimShapes).
			decoder.setClaimSetConverter(MappedJwtClaimSetConverter
				.withDefaults(Map.of(JwtClaimNames.SUB, AS_SENT, JwtClaimNames.AUD, AS_SENT)));
			JwtTimestampValidator timestamps = new JwtTimestampValidator(identity.clockSkew());
			timestamps.setClock(clock);
			// Shapes first: the Entra checks, and everything after the decoder, read
			// claims whose shape has been checked.
			decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(timestamps, new EntraClaimShapes(),
					new EntraTokenValidator(issuer, acceptedAudiences)));
			// Nimbus reports an unreachable key set as IllegalStateException; as a
			// (non-bad) JwtException it becomes an AuthenticationServiceException,
			// answered 503 rather than 500.
			ReactiveJwtDecoder keysChecked = (token) -> decoder.decode(token)
				.onErrorMap(IllegalStateException.class,
						(ex) -> new JwtException("The issuer's signing keys are unavailable", ex));
			this.entries.add(new Entry(pattern(issuer), keysChecked));
		}
	}

	/** The decoder of the trusted issuer that {@code issuer} belongs to, if any. */
	Optional<ReactiveJwtDecoder> forIssuer(String issuer) {
		for (Entry entry : this.entries) {
			if (entry.issuer().matcher(issuer).matches()) {
				return Optional.of(entry.decoder());
			}
		}
		return Optional.empty();
	}

	/**
	 * Decodes a token with its issuer's decoder; a token of an untrusted issuer is
	 * refused.
	 */
	@Override
	public Mono<Jwt> decode(String token) {
		String issuer;
		try {
			issuer = JWTParser.parse(token).getJWTClaimsSet().getIssuer();
		}
		catch (ParseException ex) {
			return Mono.error(new BadJwtException("The token is malformed.", ex));
		}
		return Optional.ofNullable(issuer)
			.flatMap(this::forIssuer)
			.map((decoder) -> decoder.decode(token))
			.orElseGet(() -> Mono.error(new BadJwtException("The token's issuer is not trusted.")));
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

	private record Entry(Pattern issuer, ReactiveJwtDecoder decoder) {
	}

}
