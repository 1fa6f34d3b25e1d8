package com.graphpolicygateway.routing;

import java.time.Clock;
import java.util.Set;

import io.micrometer.observation.Observation;
import reactor.core.publisher.Mono;
import reactor.netty.NettyPipeline;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpMethod;
import org.springframework.security.web.server.firewall.ServerWebExchangeFirewall;
import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.audit.write.AuditGatewayFilterFactory;
import com.graphpolicygateway.audit.write.BeforeImageGatewayFilterFactory;
import com.graphpolicygateway.policy.PolicyDecision;
import com.graphpolicygateway.policy.TenantPolicyGatewayFilterFactory;
import com.graphpolicygateway.ratelimit.RateLimitGatewayFilterFactory;
import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.upstream.UpstreamAuthorizationGatewayFilterFactory;
import com.graphpolicygateway.upstream.UpstreamCircuitBreakerGatewayFilterFactory;
import com.graphpolicygateway.upstream.UpstreamRetryGatewayFilterFactory;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.StageTracing;
import com.graphpolicygateway.graph.TracedStage;
import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.system.TracingSwitch;

/**
 * The Graph route and everything around it, in the order a request meets it: the
 * connection's limits on how a request arrives (head and body timeouts, unambiguous
 * framing), correlation ids, unambiguous Host and Content-Type, the route's filters
 * (request guard, version prefix, upstream credentials), the header allow-list,
 * Graph-shaped errors and the 405 answer for other methods; and Spring Security's request
 * firewall (path and header rules), which runs before the route.
 */
@Configuration(proxyBeanMethods = false)
class RoutingConfiguration {

	@Bean
	GraphErrorResponder graphErrorResponder(JsonMapper jsonMapper, Clock clock) {
		return new GraphErrorResponder(jsonMapper, clock);
	}

	@Bean
	GatewayApiDocumentation gatewayApiDocumentation(OperationCatalogue catalogue) {
		return new GatewayApiDocumentation(catalogue);
	}

	@Bean
	ClientRequestIdWebFilter clientRequestIdWebFilter(GraphErrorResponder errors) {
		return new ClientRequestIdWebFilter(errors);
	}

	@Bean
	AmbiguousRequestWebFilter ambiguousRequestWebFilter(GraphErrorResponder errors) {
		return new AmbiguousRequestWebFilter(errors);
	}

	@Bean
	RequestGuardGatewayFilterFactory requestGuardGatewayFilterFactory(GraphErrorResponder errors,
			OperationCatalogue catalogue) {
		return new RequestGuardGatewayFilterFactory(errors, catalogue);
	}

	@Bean
	GraphRequestHeadersFilter graphRequestHeadersFilter() {
		return new GraphRequestHeadersFilter();
	}

	@Bean
	static RequestHeaderRemovals requestHeaderRemovals() {
		return new RequestHeaderRemovals();
	}

	/**
	 * Graph-shaped answers to requests Netty cannot parse, which never reach a filter.
	 */
	@Bean
	NettyServerCustomizer malformedRequestResponses(GraphErrorResponder errors) {
		MalformedRequestResponses responses = new MalformedRequestResponses(errors);
		return (server) -> server.doOnChannelInit((observer, channel, remoteAddress) -> {
			if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
				channel.pipeline().addAfter(NettyPipeline.HttpCodec, MalformedRequestResponses.NAME, responses);
			}
		});
	}

	/**
	 * Time limits on a request's arrival, and unambiguous framing
	 * ({@link RequestArrivalGuard}): the head within
	 * {@code graph-gateway.request.head-timeout}, the body within
	 * {@code graph-gateway.request.body-timeout}. Idle kept-alive connections are closed
	 * by {@code server.netty.idle-timeout}.
	 */
	@Bean
	NettyServerCustomizer requestArrivalGuard(GraphErrorResponder errors, GraphGatewayProperties properties) {
		GraphGatewayProperties.Request limits = properties.request();
		return (server) -> server.doOnChannelInit((observer, channel, remoteAddress) -> RequestArrivalGuard
			.install(channel.pipeline(), limits.headTimeout(), limits.bodyTimeout(), errors));
	}

	/**
	 * Spring Security's strict firewall, as it would be without this bean, with its
	 * header rules checked without regular expressions.
	 */
	@Bean
	ServerWebExchangeFirewall requestFirewall() {
		StrictServerWebExchangeFirewall firewall = new StrictServerWebExchangeFirewall();
		firewall.setAllowedHeaderNames(HeaderCharacters::isAllowedName);
		firewall.setAllowedHeaderValues(HeaderCharacters::isAllowedValue);
		return firewall;
	}

	@Bean
	GraphErrorWebExceptionHandler graphErrorWebExceptionHandler(GraphErrorResponder errors) {
		return new GraphErrorWebExceptionHandler(errors);
	}

	/**
	 * One route per operation of the catalogue, each with the same filters in the same
	 * order (the stages of {@code GatewayStages}), the request guard holding the
	 * operation's own path and body rules.
	 */
	@Bean
	@Profile("!" + GatewayProfiles.BARE)
	RouteLocator graphRoutes(RouteLocatorBuilder routes, GraphGatewayProperties properties,
			OperationCatalogue catalogue, RequestGuardGatewayFilterFactory guard,
			TenantPolicyGatewayFilterFactory policy, RateLimitGatewayFilterFactory rateLimit,
			AuditGatewayFilterFactory audit, UpstreamAuthorizationGatewayFilterFactory upstreamAuthorization,
			BeforeImageGatewayFilterFactory beforeImage, UpstreamRetryGatewayFilterFactory retry,
			UpstreamCircuitBreakerGatewayFilterFactory circuitBreaker, StageTracing tracing) {
		GraphGatewayProperties.Request limits = properties.request();
		GraphGatewayProperties.Upstream upstream = properties.upstream();
		RouteLocatorBuilder.Builder builder = routes.routes();
		for (Operation operation : catalogue.operations()) {
			// @formatter:off
			builder.route(operation.routeId(), (route) -> route
				.method(operation.method()).and().path(false, operation.paths().toArray(String[]::new))
				.filters((filters) -> {
					// Each stage a span of its own while tracing is on (docs/tracing.md).
					String id = operation.id();
					filters
						.filter(TracedStageFilter.of(guard.apply(new RequestGuardGatewayFilterFactory.Config()
							.operation(operation)
							.maxIdLength(limits.maxIdLength())
							.maxJsonDepth(limits.maxJsonDepth())
							.bodyTimeout(limits.bodyTimeout())), TracedStage.REQUEST_CHECK, id, tracing))
						.filter(TracedStageFilter.of(policy.apply(new Object()), TracedStage.POLICY_DECISION, id,
							tracing, (span, exchange) -> tagDecision(span, exchange, tracing)))
						.filter(TracedStageFilter.of(rateLimit.apply(new Object()), TracedStage.RATE_LIMIT, id,
							tracing))
						.filter(TracedStageFilter.of(audit.apply(new AuditGatewayFilterFactory.Config()
							.writeTimeout(properties.audit().writeTimeout())
							.failOpen(properties.audit().failOpen())), TracedStage.AUDIT_COMMIT, id, tracing))
						.filter(TracedStageFilter.of(upstreamAuthorization.apply(
							new UpstreamAuthorizationGatewayFilterFactory.Config().auth(upstream.auth())),
							TracedStage.UPSTREAM_TOKEN, id, tracing));
					// Only where the catalogue says a GET of the path reads what the call
					// changes; the tenant's policy then says whether it is read.
					// A span only for the calls whose before-image is read.
					if (operation.audit().readable()) {
						GatewayFilter read = TracedStageFilter.of(beforeImage.apply(new BeforeImageGatewayFilterFactory.Config()
							.timeout(upstream.beforeImageTimeout())), TracedStage.BEFORE_IMAGE, id, tracing);
						filters.filter((exchange, chain) -> beforeImage.reads(exchange)
							? read.filter(exchange, chain) : chain.filter(exchange));
					}
					// Off by default: then not a step every call passes through.
					if (upstream.retry().enabled()) {
						filters.filter(retry.apply(upstream.retry()));
					}
					filters.filter(circuitBreaker.apply(new Object()))
						// Runs last, where its slot says (GatewayStages.GRAPH_VERSION), after
						// Spring Cloud Gateway resolved the upstream URL.
						.filter(new DefaultGraphVersionFilter());
					return filters;
				})
				.metadata(RouteMetadataUtils.CONNECT_TIMEOUT_ATTR, upstream.connectTimeout().toMillis())
				.metadata(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, upstream.responseTimeout().toMillis())
				.uri(upstream.baseUri()));
			// @formatter:on
		}
		return builder.build();
	}

	/**
	 * The policy's decision on the policy stage's span and the request's, as the audit
	 * trail names it.
	 */
	private static void tagDecision(Observation span, ServerWebExchange exchange, StageTracing tracing) {
		PolicyDecision decision = PolicyDecision.from(exchange);
		if (decision == null) {
			return;
		}
		String verdict = decision.verdict();
		String reason = decision.reason();
		span.lowCardinalityKeyValue(TracedStage.Attribute.DECISION.withValue(verdict))
			.lowCardinalityKeyValue(TracedStage.Attribute.REASON.withValue(reason));
		tracing.tagRequest(exchange, TracedStage.Attribute.DECISION, verdict);
		tracing.tagRequest(exchange, TracedStage.Attribute.REASON, reason);
	}

	/**
	 * What the request's span and the Graph call's span carry (no URL), while tracing is
	 * on.
	 */
	@Bean
	@Conditional(TracingSwitch.On.class)
	SpanAttributeFilter spanAttributeFilter() {
		return new SpanAttributeFilter();
	}

	/**
	 * Other methods on a declared path answer 405 with {@code Allow} listing the methods
	 * declared there, not 404.
	 */
	@Bean
	RouterFunction<ServerResponse> methodNotAllowedOnDeclaredPaths(OperationCatalogue catalogue) {
		return RouterFunctions.route((request) -> {
			Set<HttpMethod> declared = catalogue.methodsAt(request.requestPath().pathWithinApplication());
			return !declared.isEmpty() && !declared.contains(request.method());
		}, (request) -> Mono.error(new MethodNotAllowedException(request.method(),
				catalogue.methodsAt(request.requestPath().pathWithinApplication()))));
	}

}
