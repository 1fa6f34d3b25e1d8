package com.graphpolicygateway.graph;

import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;

/**
 * Every stage a request meets, top to bottom, with the slot each ordered one takes: the
 * order is read here, once, and each stage refers to its slot instead of carrying a
 * number of its own (as Spring Security's {@code SecurityWebFiltersOrder} does). It
 * matches the README's diagram.
 * <ol>
 * <li>On the connection, before Spring (routing's {@code RequestArrivalGuard} and
 * {@code MalformedRequestResponses} in the Netty pipeline): the head and the body arrive
 * within their limits, the framing reads one way only, and Netty's own refusals take
 * Graph's error shape.</li>
 * <li>Around the whole exchange: the count of requests in flight that a stop waits for
 * (system's {@code ServerDrain}).</li>
 * <li>Web filters: {@link #AUDIT_REFUSALS}, {@link #AUDIT_READ_REFUSALS},
 * {@link #CLIENT_REQUEST_ID}, {@link #ONE_READING}, {@link #SECURITY}.</li>
 * <li>The filters of each operation's route, in the order the route lists them (routing's
 * {@code RoutingConfiguration}, one route per operation of the
 * {@link OperationCatalogue}): request guard, tenant policy, rate limit, audit (open),
 * upstream authorization, before-image (for readable operations, when the tenant captures
 * it: audit's {@code BeforeImageGatewayFilterFactory}), retry (when on), circuit
 * breaker.</li>
 * <li>Around the forward: {@link #GRAPH_VERSION} once the upstream URL is resolved,
 * {@link #FORWARDED_HEADERS} as the forward builds Graph's request; then the answer is
 * relayed and the audit event closed.</li>
 * <li>{@link #ERRORS}: whatever a stage threw is answered in Graph's error shape.</li>
 * </ol>
 */
public final class GatewayStages {

	/**
	 * Records the refusals of every later stage aimed at an operation (audit's
	 * {@code AuditWebFilter}): first of all, so that even a refused
	 * {@code client-request-id} is audited.
	 */
	public static final int AUDIT_REFUSALS = Ordered.HIGHEST_PRECEDENCE + 5;

	/**
	 * Records the reads of the audit trail that Spring Security refuses (audit's
	 * {@code AuditReadRefusalWebFilter}): before it, like {@link #AUDIT_REFUSALS}.
	 */
	public static final int AUDIT_READ_REFUSALS = AUDIT_REFUSALS + 1;

	/**
	 * Correlation ids for the log and every answer (routing's
	 * {@code ClientRequestIdWebFilter}): before Spring Security, whose refusals carry
	 * them too.
	 */
	public static final int CLIENT_REQUEST_ID = AUDIT_REFUSALS + 5;

	/**
	 * One {@code Host}, one {@code Content-Type} (routing's
	 * {@code AmbiguousRequestWebFilter}): right after the ids, before Spring Security.
	 */
	public static final int ONE_READING = CLIENT_REQUEST_ID + 1;

	/**
	 * Spring Security (firewall, bearer token, permission), at its own slot, named here:
	 * {@code WebFluxSecurityConfiguration.WEB_FILTER_CHAIN_FILTER_ORDER}, which is not
	 * public ({@code GatewayStagesTests} holds the two together).
	 */
	public static final int SECURITY = -100;

	/**
	 * A bare path ({@code /users/{id}}) goes to Graph's default version, right after
	 * Spring Cloud Gateway resolved the upstream URL (routing's
	 * {@code DefaultGraphVersionFilter}).
	 */
	public static final int GRAPH_VERSION = RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;

	/**
	 * The allow-list of headers Graph receives (routing's
	 * {@code GraphRequestHeadersFilter}): after every other header filter, so that
	 * nothing is added back.
	 */
	public static final int FORWARDED_HEADERS = Ordered.LOWEST_PRECEDENCE;

	/**
	 * Graph-shaped errors (routing's {@code GraphErrorWebExceptionHandler}): before
	 * Spring Boot's own handler, which would answer in its own shape.
	 */
	public static final int ERRORS = -2;

	private GatewayStages() {
	}

}
