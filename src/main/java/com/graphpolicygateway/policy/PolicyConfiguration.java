package com.graphpolicygateway.policy;

import java.time.Clock;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.StageTracing;
import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.upstream.AppOnlyTokens;

/**
 * The tenant policy: store with hot reload, license check, protected-user resolution,
 * evaluator, route filter, what-if.
 */
@Configuration(proxyBeanMethods = false)
@Profile("!" + GatewayProfiles.BARE)
class PolicyConfiguration {

	/** Path of the what-if endpoint. */
	static final String WHAT_IF_PATH = "/policy/what-if";

	@Bean
	PolicyStore policyStore(GraphGatewayProperties properties, Clock clock, MeterRegistry meters,
			OperationCatalogue catalogue) {
		GraphGatewayProperties.Policy policy = properties.policy();
		return new PolicyStore(policy.file(), policy.reloadInterval(), clock, meters, catalogue);
	}

	@Bean
	IntuneLicenseChecker intuneLicenseChecker(GraphGatewayProperties properties, AppOnlyTokens tokens, Clock clock,
			MeterRegistry meters, StageTracing tracing) {
		GraphGatewayProperties.License license = properties.policy().license();
		return new IntuneLicenseChecker(WebClient.create(), properties.upstream().baseUri(), tokens,
				license.positiveTtl(), license.negativeTtl(), license.lookupTimeout(), clock, meters, tracing);
	}

	@Bean
	UserResolver userResolver(GraphGatewayProperties properties, AppOnlyTokens tokens, MeterRegistry meters) {
		return new UserResolver(WebClient.create(), properties.upstream().baseUri(), tokens,
				properties.policy().protectedUsers(), Ticker.systemTicker(), meters);
	}

	@Bean
	PolicyEvaluator policyEvaluator(PolicyStore store, IntuneLicenseChecker licenses, UserResolver users,
			GraphGatewayProperties properties) {
		return new PolicyEvaluator(store, licenses, new TargetProtection(users),
				properties.policy().license().failOpen());
	}

	@Bean
	TenantPolicyGatewayFilterFactory tenantPolicyGatewayFilterFactory(PolicyEvaluator evaluator,
			GraphErrorResponder errors, Clock clock) {
		return new TenantPolicyGatewayFilterFactory(evaluator, errors, clock);
	}

	@Bean
	PolicyHealthIndicator policyHealthIndicator(PolicyStore store) {
		return new PolicyHealthIndicator(store);
	}

	@Bean
	WhatIfApiDocumentation whatIfApiDocumentation(GraphGatewayProperties properties) {
		return new WhatIfApiDocumentation(properties.policy().adminPermission());
	}

	@Bean
	RouterFunction<ServerResponse> policyWhatIf(PolicyEvaluator evaluator, OperationCatalogue catalogue, Clock clock) {
		WhatIfHandler handler = new WhatIfHandler(evaluator, catalogue, clock);
		return RouterFunctions.route().POST(WHAT_IF_PATH, handler::evaluate).build();
	}

}
