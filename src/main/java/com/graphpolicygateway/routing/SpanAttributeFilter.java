package com.graphpolicygateway.routing;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationFilter;
import reactor.netty.http.client.HttpClientResponse;

import org.springframework.cloud.gateway.filter.headers.observation.GatewayContext;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.graph.GatewayRefusal;
import com.graphpolicygateway.graph.OperationRequest;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.TracedStage.Attribute;

/**
 * What the spans of the request (Spring's {@code http.server.requests}) and of the call
 * to Graph (Spring Cloud Gateway's {@code http.client.requests}) carry, beyond their
 * method, status and route: not the URL, whose path names the target (a user's principal
 * name) and whose query is the caller's; the Graph call names its operation and Graph's
 * {@code request-id}. Only while tracing is on: these are span attributes, never metric
 * tags.
 */
final class SpanAttributeFilter implements ObservationFilter {

	/** Spring's URL of the request, path and all. */
	static final String REQUEST_URL = "http.url";

	/** Spring Cloud Gateway's URL of the call to Graph, path and query. */
	static final String GRAPH_CALL_URL = "http.uri";

	private static final int MAX_REQUEST_ID_LENGTH = 100;

	@Override
	public Observation.Context map(Observation.Context context) {
		if (context instanceof ServerRequestObservationContext request) {
			context.removeHighCardinalityKeyValue(REQUEST_URL);
			// Whichever stage answered: the route's, Spring Security's, the 404 of an
			// unrouted path.
			GatewayRefusal refusal = GatewayRefusal.from(request.getAttributes());
			if (refusal != null) {
				context.addHighCardinalityKeyValue(Attribute.DECISION.withValue("refuse"));
				context.addHighCardinalityKeyValue(Attribute.REASON.withValue(refusal.reason()));
			}
		}
		else if (context instanceof GatewayContext call) {
			context.removeHighCardinalityKeyValue(GRAPH_CALL_URL);
			ServerWebExchange exchange = call.getServerWebExchange();
			OperationRequest request = OperationRequest.from(exchange);
			if (request != null) {
				context.addLowCardinalityKeyValue(Attribute.OPERATION.withValue(request.operation().id()));
			}
			HttpClientResponse response = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR);
			String requestId = (response != null) ? response.responseHeaders().get(RequestCorrelation.REQUEST_ID)
					: null;
			if (requestId != null && requestId.length() <= MAX_REQUEST_ID_LENGTH) {
				context.addHighCardinalityKeyValue(Attribute.GRAPH_REQUEST_ID.withValue(requestId));
			}
		}
		return context;
	}

}
