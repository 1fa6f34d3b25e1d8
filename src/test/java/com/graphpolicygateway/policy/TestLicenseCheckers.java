package com.graphpolicygateway.policy;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.upstream.AppOnlyTokens;

import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Builds {@link IntuneLicenseChecker}s against a stub Graph. The gateway's app-only
 * tokens are a Mockito stand-in: {@link AppOnlyTokens} can only be made inside its own
 * package.
 */
final class TestLicenseCheckers {

	static final String APP_TOKEN = "app-only-token-for-tests";

	private TestLicenseCheckers() {
	}

	static Builder against(URI graphBaseUri) {
		return new Builder(graphBaseUri);
	}

	/** Tokens that always give {@link #APP_TOKEN}. */
	static AppOnlyTokens appOnlyTokens() {
		AppOnlyTokens tokens = mock(AppOnlyTokens.class);
		given(tokens.forTenant(anyString())).willReturn(Mono.just(APP_TOKEN));
		return tokens;
	}

	/** Tokens that cannot be had, as when the identity provider refuses the gateway. */
	static AppOnlyTokens failingTokens() {
		AppOnlyTokens tokens = mock(AppOnlyTokens.class);
		given(tokens.forTenant(anyString()))
			.willReturn(Mono.error(new IllegalStateException("token endpoint answered 401")));
		return tokens;
	}

	/** A checker under construction, with the gateway's default TTLs. */
	static final class Builder {

		private final URI graphBaseUri;

		private AppOnlyTokens tokens = appOnlyTokens();

		private Duration positiveTtl = Duration.ofHours(1);

		private Duration negativeTtl = Duration.ofMinutes(5);

		private Duration timeout = Duration.ofSeconds(5);

		private Clock clock = Clock.systemUTC();

		private MeterRegistry meters = new SimpleMeterRegistry();

		private Builder(URI graphBaseUri) {
			this.graphBaseUri = graphBaseUri;
		}

		Builder tokens(AppOnlyTokens tokens) {
			this.tokens = tokens;
			return this;
		}

		Builder positiveTtl(Duration ttl) {
			this.positiveTtl = ttl;
			return this;
		}

		Builder negativeTtl(Duration ttl) {
			this.negativeTtl = ttl;
			return this;
		}

		Builder timeout(Duration timeout) {
			this.timeout = timeout;
			return this;
		}

		Builder clock(Clock clock) {
			this.clock = clock;
			return this;
		}

		Builder meters(MeterRegistry meters) {
			this.meters = meters;
			return this;
		}

		IntuneLicenseChecker build() {
			return new IntuneLicenseChecker(WebClient.create(), this.graphBaseUri, this.tokens, this.positiveTtl,
					this.negativeTtl, this.timeout, this.clock, this.meters);
		}

	}

}
