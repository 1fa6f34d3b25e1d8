package com.graphpolicygateway.upstream;

import java.time.Clock;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * The gateway's own credentials towards Graph: token client, token cache and the route
 * filter.
 */
@Configuration(proxyBeanMethods = false)
@Profile("!" + GatewayProfiles.BARE)
class UpstreamConfiguration {

	/** The name of the circuit in front of Graph, in metrics and health. */
	static final String GRAPH_CIRCUIT = "graph";

	@Bean
	UpstreamTokenCache upstreamTokenCache(Clock clock, MeterRegistry meters) {
		return new UpstreamTokenCache(clock, meters);
	}

	@Bean
	UpstreamAuthorizationGatewayFilterFactory upstreamAuthorizationGatewayFilterFactory(
			GraphGatewayProperties properties, UpstreamTokenCache cache, GraphErrorResponder errors, Clock clock) {
		return new UpstreamAuthorizationGatewayFilterFactory(tokenClient(properties, clock), cache, errors);
	}

	/**
	 * The circuit breakers, in Resilience4j's registry so that its metrics
	 * ({@code resilience4j_circuitbreaker_*}) cover them.
	 */
	@Bean
	CircuitBreakerRegistry upstreamCircuitBreakers(MeterRegistry meters) {
		CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
		TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(meters);
		return breakers;
	}

	@Bean
	UpstreamCircuitBreakerGatewayFilterFactory upstreamCircuitBreakerGatewayFilterFactory(
			GraphGatewayProperties properties, CircuitBreakerRegistry breakers, GraphErrorResponder errors) {
		GraphGatewayProperties.CircuitBreaker config = properties.upstream().circuitBreaker();
		CircuitBreaker breaker = breakers.circuitBreaker(GRAPH_CIRCUIT,
				CircuitBreakerConfig.custom()
					.failureRateThreshold(config.failureRateThreshold())
					.minimumNumberOfCalls(config.minimumCalls())
					.slidingWindowSize(config.slidingWindow())
					.waitDurationInOpenState(config.openDuration())
					.permittedNumberOfCallsInHalfOpenState(config.halfOpenCalls())
					.build());
		return new UpstreamCircuitBreakerGatewayFilterFactory(breaker, errors);
	}

	/** {@code upstreamCircuit} in {@code /actuator/health}: the circuit's state. */
	@Bean
	UpstreamCircuitHealthIndicator upstreamCircuitHealthIndicator(UpstreamCircuitBreakerGatewayFilterFactory filter) {
		return new UpstreamCircuitHealthIndicator(filter.breaker());
	}

	@Bean
	UpstreamRetryGatewayFilterFactory upstreamRetryGatewayFilterFactory(Clock clock, MeterRegistry meters) {
		return new UpstreamRetryGatewayFilterFactory(clock, meters);
	}

	@Bean
	AppOnlyTokens appOnlyTokens(GraphGatewayProperties properties, UpstreamTokenCache cache, Clock clock) {
		return new AppOnlyTokens(tokenClient(properties, clock), cache);
	}

	/** The token client, when the gateway's app registration is configured. */
	private static @Nullable UpstreamTokenClient tokenClient(GraphGatewayProperties properties, Clock clock) {
		GraphGatewayProperties.Identity identity = properties.identity();
		if (!StringUtils.hasText(identity.clientId())) {
			return null;
		}
		// Binding has made sure that at most one credential is configured.
		ClientAuthentication authentication;
		if (identity.clientAssertionFile() != null) {
			authentication = FederatedClientAssertion.fromFile(identity.clientAssertionFile());
		}
		else if (identity.clientCertificateFile() != null && identity.clientKeyFile() != null) {
			authentication = ClientCertificateAssertion.fromPem(identity.clientId(), identity.clientCertificateFile(),
					identity.clientKeyFile(), clock);
		}
		else if (StringUtils.hasText(identity.clientSecret())) {
			authentication = ClientAuthentication.secret(identity.clientSecret());
		}
		else {
			return null;
		}
		return new UpstreamTokenClient(WebClient.create(), identity.tokenUri(), identity.clientId(), authentication,
				clock);
	}

}
