package com.graphpolicygateway.upstream;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;

/**
 * The gateway's own app-only Graph token for a tenant (client credentials), shared with
 * the route's token cache; used for the gateway's own Graph lookups such as the license
 * check.
 */
public final class AppOnlyTokens {

	private final @Nullable UpstreamTokenClient client;

	private final UpstreamTokenCache cache;

	AppOnlyTokens(@Nullable UpstreamTokenClient client, UpstreamTokenCache cache) {
		Assert.notNull(cache, "cache cannot be null");
		this.client = client;
		this.cache = cache;
	}

	/**
	 * A bearer token for Graph in {@code tenantId}; fails when no app registration is
	 * configured.
	 */
	public Mono<String> forTenant(String tenantId) {
		UpstreamTokenClient tokens = this.client;
		if (tokens == null) {
			return Mono.error(new IllegalStateException(
					"no app registration is configured (" + ClientAuthentication.REQUIRED + ")"));
		}
		return this.cache.get("app:" + tenantId, () -> tokens.clientCredentials(tenantId)).map(UpstreamToken::value);
	}

}
