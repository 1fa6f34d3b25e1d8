package com.graphpolicygateway.upstream;

import java.util.Locale;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.UpstreamAuthorization;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.system.GraphGatewayProperties.UpstreamAuth;
import com.graphpolicygateway.identity.TokenFingerprints;

/**
 * Sets the credentials Graph sees. {@code on-behalf-of}: a delegated caller's token is
 * exchanged for a Graph token for that user, an app-only caller gets the gateway's
 * app-only token for its tenant; {@code client-credentials}: always the gateway's
 * app-only token for the caller's tenant; {@code passthrough}: the caller's token
 * unchanged (only for upstreams that accept the gateway's audience). A failed exchange is
 * answered in Graph's shape and never forwarded.
 */
public class UpstreamAuthorizationGatewayFilterFactory
		extends AbstractGatewayFilterFactory<UpstreamAuthorizationGatewayFilterFactory.Config> {

	private static final Log logger = LogFactory.getLog(UpstreamAuthorizationGatewayFilterFactory.class);

	private final @Nullable UpstreamTokenClient tokens;

	private final UpstreamTokenCache cache;

	private final GraphErrorResponder errors;

	UpstreamAuthorizationGatewayFilterFactory(@Nullable UpstreamTokenClient tokens, UpstreamTokenCache cache,
			GraphErrorResponder errors) {
		super(Config.class);
		Assert.notNull(cache, "cache cannot be null");
		Assert.notNull(errors, "errors cannot be null");
		this.tokens = tokens;
		this.cache = cache;
		this.errors = errors;
	}

	@Override
	public GatewayFilter apply(Config config) {
		Assert.notNull(config.auth, "auth cannot be null");
		if (config.auth == UpstreamAuth.PASSTHROUGH) {
			return (exchange, chain) -> chain.filter(exchange);
		}
		Assert.state(this.tokens != null,
				() -> "graph-gateway.upstream.auth=" + config.auth.name().toLowerCase(Locale.ROOT).replace('_', '-')
						+ " needs " + ClientAuthentication.REQUIRED);
		return new ExchangingFilter(this.tokens, config.auth);
	}

	/** Which upstream authentication the route uses. */
	public static class Config {

		private UpstreamAuth auth = UpstreamAuth.ON_BEHALF_OF;

		public Config auth(UpstreamAuth auth) {
			this.auth = auth;
			return this;
		}

	}

	private final class ExchangingFilter implements GatewayFilter {

		private final UpstreamTokenClient tokens;

		private final UpstreamAuth auth;

		ExchangingFilter(UpstreamTokenClient tokens, UpstreamAuth auth) {
			this.tokens = tokens;
			this.auth = auth;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			return exchange.getPrincipal()
				.filter(JwtAuthenticationToken.class::isInstance)
				.cast(JwtAuthenticationToken.class)
				.flatMap((authentication) -> token(authentication))
				.flatMap((token) -> {
					UpstreamAuthorization.bearer(token.value()).storeOn(exchange);
					return chain.filter(exchange);
				})
				.onErrorResume(TokenExchangeException.class, (ex) -> refuse(exchange, ex));
		}

		private Mono<UpstreamToken> token(JwtAuthenticationToken authentication) {
			Caller caller = Caller.of(authentication).orElseThrow();
			String tenant = caller.tenantId();
			if (tenant == null) {
				return Mono
					.error(new TokenExchangeException("invalid_grant", "The caller's token names no tenant", null));
			}
			if (this.auth == UpstreamAuth.ON_BEHALF_OF && caller.type().equals("Delegated")) {
				String assertion = authentication.getToken().getTokenValue();
				return UpstreamAuthorizationGatewayFilterFactory.this.cache.get(
						"obo:" + tenant + ":" + TokenFingerprints.of(authentication),
						() -> this.tokens.onBehalfOf(tenant, assertion));
			}
			return UpstreamAuthorizationGatewayFilterFactory.this.cache.get("app:" + tenant,
					() -> this.tokens.clientCredentials(tenant));
		}

		private Mono<Void> refuse(ServerWebExchange exchange, TokenExchangeException ex) {
			String detail = (ex.error() != null)
					? ex.error() + ((ex.description() != null) ? ": " + ex.description() : "")
					: "the token endpoint could not be reached";
			RequestCorrelation.of(exchange).log(() -> logger.warn("Graph token request refused (" + ex.error() + ")"));
			if (ex.callerIsTheProblem() && ex.consentMissing()) {
				return UpstreamAuthorizationGatewayFilterFactory.this.errors.respond(exchange, HttpStatus.FORBIDDEN,
						GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED, "upstream_token_refused",
						"The identity provider refused a Graph token for this caller: " + detail, (headers) -> {
						});
			}
			if (ex.callerIsTheProblem()) {
				return UpstreamAuthorizationGatewayFilterFactory.this.errors.respond(exchange, HttpStatus.UNAUTHORIZED,
						GraphErrorCodes.INVALID_AUTHENTICATION_TOKEN, "upstream_token_refused",
						"The identity provider refused a Graph token for this caller: " + detail,
						(headers) -> headers.set(HttpHeaders.WWW_AUTHENTICATE,
								"Bearer realm=\"graph-policy-gateway\", error=\"invalid_token\""));
			}
			return UpstreamAuthorizationGatewayFilterFactory.this.errors.respond(exchange, HttpStatus.BAD_GATEWAY,
					GraphErrorCodes.BAD_GATEWAY, "upstream_token_failed",
					"The gateway could not obtain a Graph token: " + detail, (headers) -> {
					});
		}

	}

}
