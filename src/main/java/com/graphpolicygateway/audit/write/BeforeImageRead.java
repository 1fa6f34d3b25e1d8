package com.graphpolicygateway.audit.write;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.audit.event.AuditEvent;

/**
 * What the before-image stage read of a change, handed on the exchange to the audit stage
 * that closes the change's event: the old value of each property read (by the body's name
 * for it; null for a property Graph holds no value of) and how the read went.
 *
 * @param oldValues the values read, by property name; empty when the read failed
 * @param status how the read went, with its latency
 */
record BeforeImageRead(Map<String, @Nullable String> oldValues, AuditEvent.BeforeImage status) {

	private static final String ATTRIBUTE = BeforeImageRead.class.getName();

	BeforeImageRead {
		oldValues = Collections.unmodifiableMap(new LinkedHashMap<>(oldValues));
	}

	static BeforeImageRead captured(Map<String, @Nullable String> oldValues, long latencyMillis) {
		return new BeforeImageRead(oldValues,
				new AuditEvent.BeforeImage(AuditEvent.BeforeImage.CAPTURED, null, latencyMillis));
	}

	static BeforeImageRead unavailable(String reason, long latencyMillis) {
		return new BeforeImageRead(Map.of(),
				new AuditEvent.BeforeImage(AuditEvent.BeforeImage.UNAVAILABLE, reason, latencyMillis));
	}

	void storeOn(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

	static @Nullable BeforeImageRead from(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

}
