package com.graphpolicygateway.identity;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.security.autoconfigure.actuate.web.reactive.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.ReactiveAuthenticationManagerResolver;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.server.resource.authentication.JwtIssuerReactiveAuthenticationManagerResolver;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.StageTracing;
import com.graphpolicygateway.system.GraphGatewayProperties;

/**
 * The caller-facing security of the gateway, readable in one place: bearer tokens from
 * trusted issuers on the Graph operations, each operation's permission, Graph-shaped
 * 401/403, and nothing else authenticated (unrouted paths answer 404, actuator lives on
 * the management port).
 */
@Configuration(proxyBeanMethods = false)
@Profile("!" + GatewayProfiles.BARE)
@EnableWebFluxSecurity
class IdentityConfiguration {

	/** Auditors' endpoints, which require the auditor permission. */
	static final String AUDIT_PATH = "/audit";

	/** Policy administrators' endpoints, which require the policy admin permission. */
	static final String POLICY_PATH = "/policy";

	/**
	 * Verifies a bearer token with its issuer's decoder, remembering the tokens that
	 * passed unless the cache is turned off.
	 */
	private static ReactiveAuthenticationManagerResolver<ServerWebExchange> bearerAuthentication(
			GraphGatewayProperties.Identity identity, TrustedIssuers issuers, Clock clock, MeterRegistry meters) {
		JwtIssuerReactiveAuthenticationManagerResolver byIssuer = new JwtIssuerReactiveAuthenticationManagerResolver(
				issuers);
		if (identity.validatedTokenCacheSize() == 0) {
			return byIssuer;
		}
		return new ValidatedTokenCache(byIssuer, identity.validatedTokenCacheSize(), identity.jwksRefreshInterval(),
				identity.clockSkew(), clock, meters);
	}

	@Bean
	GraphExchangeRejectedHandler graphExchangeRejectedHandler(GraphErrorResponder errors) {
		return new GraphExchangeRejectedHandler(errors);
	}

	@Bean
	SecurityWebFilterChain gatewaySecurity(ServerHttpSecurity http, GraphGatewayProperties properties,
			OperationCatalogue catalogue, GraphErrorResponder errors, Clock clock, MeterRegistry meters,
			StageTracing tracing) {
		GraphGatewayProperties.Identity identity = properties.identity();
		// A plain client: key fetches are not upstream calls and must not share their
		// metrics.
		TrustedIssuers issuers = new TrustedIssuers(identity, WebClient.create(), clock,
				CallerAuthenticationToken.converter());
		GraphBearerTokenEntryPoint entryPoint = new GraphBearerTokenEntryPoint(errors);
		OperationPermissions permissions = new OperationPermissions(catalogue);
		RequiredPermissionAuthorizationManager auditorPermission = new RequiredPermissionAuthorizationManager(
				properties.audit().auditorPermission());
		RequiredPermissionAuthorizationManager policyAdminPermission = new RequiredPermissionAuthorizationManager(
				properties.policy().adminPermission());
		GraphAccessDeniedHandler accessDenied = new GraphAccessDeniedHandler(errors, (exchange) -> {
			String path = exchange.getRequest().getPath().value();
			return path.startsWith(AUDIT_PATH) ? auditorPermission
					: path.startsWith(POLICY_PATH) ? policyAdminPermission : permissions.managerFor(exchange);
		});
		// @formatter:off
		return http
			// The operations' rule first: every call meets it, and one that matches
			// checks no other (the actuator's matcher formats a debug line on each call).
			.authorizeExchange((exchanges) -> exchanges
				.matchers(permissions.aimedAtOperations())
					.access(permissions)
				.matchers(EndpointRequest.toAnyEndpoint()).permitAll()
				.pathMatchers(HttpMethod.GET, AUDIT_PATH + "/**")
					.access(auditorPermission)
				.pathMatchers(POLICY_PATH + "/**")
					.access(policyAdminPermission)
				.anyExchange().permitAll())
			.oauth2ResourceServer((resourceServer) -> resourceServer
				.bearerTokenConverter(new SingleBearerTokenConverter())
				.authenticationManagerResolver(
						TracedTokenCheck.of(bearerAuthentication(identity, issuers, clock, meters), tracing))
				.authenticationEntryPoint(entryPoint)
				.accessDeniedHandler(accessDenied))
			.exceptionHandling((exceptions) -> exceptions
				.authenticationEntryPoint(entryPoint)
				.accessDeniedHandler(accessDenied))
			.securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
			.csrf(ServerHttpSecurity.CsrfSpec::disable)
			.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.logout(ServerHttpSecurity.LogoutSpec::disable)
			.requestCache((cache) -> cache.disable())
			.build();
		// @formatter:on
	}

}
