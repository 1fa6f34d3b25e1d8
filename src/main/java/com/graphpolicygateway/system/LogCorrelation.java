package com.graphpolicygateway.system;

import java.util.List;

import io.micrometer.context.ContextRegistry;
import org.slf4j.MDC;

/**
 * Puts a request's ids into the logging MDC wherever its reactive chain runs: the ids
 * travel in the Reactor context (written by the correlation filter) and context
 * propagation restores them on every thread, so structured logs carry {@code request-id}
 * and {@code client-request-id}.
 */
public final class LogCorrelation {

	/** The gateway's own request id. */
	public static final String REQUEST_ID = "request-id";

	/** The caller's client-request-id. */
	public static final String CLIENT_REQUEST_ID = "client-request-id";

	private static final List<String> KEYS = List.of(REQUEST_ID, CLIENT_REQUEST_ID);

	private LogCorrelation() {
	}

	/** Registers the MDC accessors once; safe to call again. */
	public static void register() {
		ContextRegistry registry = ContextRegistry.getInstance();
		for (String key : KEYS) {
			registry.removeThreadLocalAccessor(key);
			registry.registerThreadLocalAccessor(key, () -> MDC.get(key), (value) -> MDC.put(key, value),
					() -> MDC.remove(key));
		}
	}

}
