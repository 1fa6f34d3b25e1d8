package com.graphpolicygateway.upstream;

import java.util.Locale;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.util.Assert;

import com.graphpolicygateway.system.GraphGatewayProperties.UpstreamAuth;

/**
 * Sets the credentials the upstream sees. In {@code passthrough} mode the caller's own
 * bearer token is forwarded unchanged (only for upstreams that accept the gateway's
 * audience).
 */
public class UpstreamAuthorizationGatewayFilterFactory
		extends AbstractGatewayFilterFactory<UpstreamAuthorizationGatewayFilterFactory.Config> {

	public UpstreamAuthorizationGatewayFilterFactory() {
		super(Config.class);
	}

	@Override
	public GatewayFilter apply(Config config) {
		Assert.notNull(config.auth, "auth cannot be null");
		Assert.isTrue(config.auth == UpstreamAuth.PASSTHROUGH,
				() -> "graph-gateway.upstream.auth=" + config.auth.name().toLowerCase(Locale.ROOT).replace('_', '-')
						+ " is not available in this version; set graph-gateway.upstream.auth=passthrough");
		return (exchange, chain) -> chain.filter(exchange);
	}

	/** Which upstream authentication the route uses. */
	public static class Config {

		private UpstreamAuth auth = UpstreamAuth.ON_BEHALF_OF;

		public Config auth(UpstreamAuth auth) {
			this.auth = auth;
			return this;
		}

	}

}
