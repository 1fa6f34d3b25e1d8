package com.graphpolicygateway.graph;

import java.util.UUID;
import java.util.function.Supplier;

import org.slf4j.MDC;

import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.system.LogCorrelation;

/**
 * The two ids that tie a call together: the gateway's own {@code request-id} and the
 * caller's {@code client-request-id} (made by the gateway when the caller sent none).
 *
 * @param requestId the gateway's id for this request, answered as {@code request-id} on
 * refusals
 * @param clientRequestId the caller's GUID, sent upstream and back
 */
public record RequestCorrelation(String requestId, String clientRequestId) {

	/** Header Graph clients use to name their request. */
	public static final String CLIENT_REQUEST_ID = "client-request-id";

	/** Header Graph uses for its own request id. */
	public static final String REQUEST_ID = "request-id";

	private static final String ATTRIBUTE = RequestCorrelation.class.getName();

	/** The correlation stored on the exchange, or a new one when none was stored yet. */
	public static RequestCorrelation of(ServerWebExchange exchange) {
		RequestCorrelation correlation = exchange.getAttribute(ATTRIBUTE);
		if (correlation == null) {
			correlation = new RequestCorrelation(UUID.randomUUID().toString(), UUID.randomUUID().toString());
			exchange.getAttributes().put(ATTRIBUTE, correlation);
		}
		return correlation;
	}

	/**
	 * Logs with these ids in the logging MDC. Reactor does not restore the MDC on every
	 * thread (context propagation is limited, for its cost per operator), so each
	 * request's log line is written through here.
	 */
	public void log(Runnable logging) {
		inLogContext(() -> {
			logging.run();
			return null;
		});
	}

	/** Runs {@code work} with these ids in the logging MDC and answers its result. */
	public <T> T inLogContext(Supplier<T> work) {
		try (MDC.MDCCloseable requestId = MDC.putCloseable(LogCorrelation.REQUEST_ID, this.requestId);
				MDC.MDCCloseable clientRequestId = MDC.putCloseable(LogCorrelation.CLIENT_REQUEST_ID,
						this.clientRequestId)) {
			return work.get();
		}
	}

	public void storeOn(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

}
