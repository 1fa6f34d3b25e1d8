package com.graphpolicygateway.routing;

import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * The {@code bare} profile, for benchmarks only: the same jar, server and HTTP client
 * settings, serving the Graph route with no token check, policy, rate limit, audit or
 * upstream credentials, so that {@code bench/run} can measure what those cost. Every
 * feature configuration steps aside when it is active; it is never part of a deployment.
 */
@Configuration(proxyBeanMethods = false)
@Profile(GatewayProfiles.BARE)
@EnableWebFluxSecurity
public class BareRouteProfile {

	@Bean
	RouteLocator bareGraphRoute(RouteLocatorBuilder routes, GraphGatewayProperties properties,
			OperationCatalogue catalogue) {
		GraphGatewayProperties.Upstream upstream = properties.upstream();
		Operation seed = catalogue.find(OperationCatalogue.USER_UPDATE)
			.orElseThrow(() -> new IllegalStateException("The bare route measures " + OperationCatalogue.USER_UPDATE
					+ ", which graph-gateway.operations switched off"));
		// @formatter:off
		return routes.routes()
			.route(seed.routeId(), (route) -> route
				.method(seed.method()).and().path(false, seed.paths().toArray(String[]::new))
				.filters((filters) -> filters
					.filter(new DefaultGraphVersionFilter()))
				.metadata(RouteMetadataUtils.CONNECT_TIMEOUT_ATTR, upstream.connectTimeout().toMillis())
				.metadata(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, upstream.responseTimeout().toMillis())
				.uri(upstream.baseUri()))
			.build();
		// @formatter:on
	}

	/**
	 * Spring Security stays in the chain, as in a plain gateway, but permits everything.
	 * Like the full gateway's chain it opens no web session: neither the security context
	 * nor the request cache is kept in one. A session opened per request (its id
	 * generated on a bounded-elastic thread, the call then going on on a parallel one)
	 * would make the bare route slower than the gateway it is compared with.
	 */
	@Bean
	SecurityWebFilterChain bareSecurity(ServerHttpSecurity http) {
		return http.authorizeExchange((exchanges) -> exchanges.anyExchange().permitAll())
			.securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
			.requestCache((cache) -> cache.disable())
			.csrf(ServerHttpSecurity.CsrfSpec::disable)
			.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.logout(ServerHttpSecurity.LogoutSpec::disable)
			.build();
	}

}
