package com.graphpolicygateway.policy;

import java.net.URI;
import java.time.Duration;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.upstream.AppOnlyTokens;

/**
 * Builds {@link UserResolver}s against a stub Graph, with the gateway's default settings
 * unless a test says otherwise and the app-only tokens of {@link TestLicenseCheckers}.
 */
final class TestUserResolvers {

	private TestUserResolvers() {
	}

	static Builder against(URI graphBaseUri) {
		return new Builder(graphBaseUri);
	}

	/** A resolver under construction. */
	static final class Builder {

		private final URI graphBaseUri;

		private AppOnlyTokens tokens = TestLicenseCheckers.appOnlyTokens();

		private Duration ttl = Duration.ofMinutes(5);

		private Duration refreshAfter = Duration.ofMinutes(1);

		private Duration notFoundTtl = Duration.ofSeconds(30);

		private Duration timeout = Duration.ofSeconds(3);

		private int cacheSize = 50_000;

		private Ticker ticker = Ticker.systemTicker();

		private MeterRegistry meters = new SimpleMeterRegistry();

		private Builder(URI graphBaseUri) {
			this.graphBaseUri = graphBaseUri;
		}

		Builder tokens(AppOnlyTokens tokens) {
			this.tokens = tokens;
			return this;
		}

		Builder ttl(Duration ttl) {
			this.ttl = ttl;
			return this;
		}

		Builder refreshAfter(Duration refreshAfter) {
			this.refreshAfter = refreshAfter;
			return this;
		}

		Builder notFoundTtl(Duration notFoundTtl) {
			this.notFoundTtl = notFoundTtl;
			return this;
		}

		Builder timeout(Duration timeout) {
			this.timeout = timeout;
			return this;
		}

		Builder cacheSize(int cacheSize) {
			this.cacheSize = cacheSize;
			return this;
		}

		Builder ticker(Ticker ticker) {
			this.ticker = ticker;
			return this;
		}

		Builder meters(MeterRegistry meters) {
			this.meters = meters;
			return this;
		}

		UserResolver build() {
			return new UserResolver(WebClient.create(), this.graphBaseUri, this.tokens,
					new GraphGatewayProperties.ProtectedUsers(this.ttl, this.refreshAfter, this.notFoundTtl,
							this.timeout, this.cacheSize),
					this.ticker, this.meters);
		}

	}

}
