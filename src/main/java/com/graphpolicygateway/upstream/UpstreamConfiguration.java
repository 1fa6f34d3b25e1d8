package com.graphpolicygateway.upstream;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.routing.GraphErrorResponder;
import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * The gateway's own credentials towards Graph: token client, token cache and the route
 * filter.
 */
@Configuration(proxyBeanMethods = false)
class UpstreamConfiguration {

	@Bean
	UpstreamTokenCache upstreamTokenCache(Clock clock, MeterRegistry meters) {
		return new UpstreamTokenCache(clock, meters);
	}

	@Bean
	UpstreamAuthorizationGatewayFilterFactory upstreamAuthorizationGatewayFilterFactory(
			GraphGatewayProperties properties, UpstreamTokenCache cache, GraphErrorResponder errors, Clock clock) {
		GraphGatewayProperties.Identity identity = properties.identity();
		UpstreamTokenClient tokens = (StringUtils.hasText(identity.clientId())
				&& StringUtils.hasText(identity.clientSecret()))
						? new UpstreamTokenClient(WebClient.create(), identity.tokenUri(), identity.clientId(),
								identity.clientSecret(), clock)
						: null;
		return new UpstreamAuthorizationGatewayFilterFactory(tokens, cache, errors);
	}

}
