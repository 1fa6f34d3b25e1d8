package com.graphpolicygateway.ratelimit;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

/**
 * A report-only operation limit this call reached: the call goes on, and its audit event
 * says what an enforced limit would have done ({@code would_refuse} with this reason), as
 * a report-only rule of the tenant policy does.
 *
 * @param reason the audit reason an enforced limit would have refused with
 * ({@code operation_limit}, or {@code operation_limit_unavailable} when the shared count
 * could not be read)
 */
public record OperationLimitReport(String reason) {

	private static final String ATTRIBUTE = OperationLimitReport.class.getName();

	/** The report left on this exchange by the rate-limit stage, if any. */
	public static @Nullable OperationLimitReport from(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	void storeOn(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

}
