package com.graphpolicygateway.policy;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the tenant policy decided about a call: allowed, or refused by one violation;
 * either way with the violations of report-only rules ("would refuse") and the policy
 * version used.
 *
 * @param refusal the violation that refuses the call, or null when it may pass
 * @param wouldRefuse violations of report-only rules; the call is not refused for them
 * @param policyVersion the version (content hash) of the policy file that decided
 * @param rateLimits the tenant's rate limits, applied after the policy
 * @param operationLimit the tenant's blast-radius limit of the called operation, counted
 * after the policy; null when the tenant sets none for it
 * @param captureBefore whether the tenant reads the values a change replaces before
 * forwarding it ({@code capture-before})
 */
public record PolicyDecision(@Nullable Violation refusal, List<Violation> wouldRefuse, String policyVersion,
		RateLimits rateLimits, @Nullable OperationLimit operationLimit, CaptureBefore captureBefore) {

	private static final String ATTRIBUTE = PolicyDecision.class.getName();

	public PolicyDecision {
		wouldRefuse = List.copyOf(wouldRefuse);
	}

	/** A decision about a call whose operation the tenant does not limit. */
	public PolicyDecision(@Nullable Violation refusal, List<Violation> wouldRefuse, String policyVersion,
			RateLimits rateLimits) {
		this(refusal, wouldRefuse, policyVersion, rateLimits, null);
	}

	/** A decision for a tenant that does not capture before-images. */
	public PolicyDecision(@Nullable Violation refusal, List<Violation> wouldRefuse, String policyVersion,
			RateLimits rateLimits, @Nullable OperationLimit operationLimit) {
		this(refusal, wouldRefuse, policyVersion, rateLimits, operationLimit, CaptureBefore.OFF);
	}

	public boolean allowed() {
		return this.refusal == null;
	}

	/**
	 * What the policy decided, as the audit trail names it: {@code refuse},
	 * {@code would_refuse} (only report-only rules were broken) or {@code allow}.
	 */
	public String verdict() {
		return (this.refusal != null) ? "refuse" : !this.wouldRefuse.isEmpty() ? "would_refuse" : "allow";
	}

	/**
	 * The reason code of the {@link #verdict()}: the refusing rule's, the first
	 * report-only rule's, or {@code allowed}.
	 */
	public String reason() {
		return (this.refusal != null) ? this.refusal.reason()
				: !this.wouldRefuse.isEmpty() ? this.wouldRefuse.get(0).reason() : "allowed";
	}

	/** The decision taken on this exchange, if the policy ran. */
	public static @Nullable PolicyDecision from(ServerWebExchange exchange) {
		return exchange.getAttribute(ATTRIBUTE);
	}

	void storeOn(ServerWebExchange exchange) {
		exchange.getAttributes().put(ATTRIBUTE, this);
	}

	/**
	 * Whether the values a change replaces are read from Graph before it is forwarded
	 * (the tenant's {@code capture-before}), for operations the catalogue marks readable.
	 */
	public enum CaptureBefore {

		/** Not read. */
		OFF,

		/** Read; a failed read is recorded and the call goes on. */
		BEST_EFFORT,

		/** Read; a failed read refuses the call. */
		REQUIRED

	}

	/**
	 * A tenant's blast-radius limit of one operation ({@code operation-limits}): at most
	 * {@code max} allowed calls in any sliding window of {@code per}.
	 *
	 * @param operationId the operation limited
	 * @param max the most calls in a window
	 * @param per the window's length, at least a second
	 * @param reportOnly whether reaching the limit is only reported ("would refuse"), as
	 * rule {@link Rule#OPERATION_LIMIT}'s mode says for the tenant
	 */
	public record OperationLimit(String operationId, int max, Duration per, boolean reportOnly) {

	}

	/**
	 * A rule the call breaks.
	 *
	 * @param reason the audit reason code
	 * @param errorCode the Graph error code of a refusal
	 * @param status the status of a refusal
	 * @param message what is wrong, for the caller
	 */
	public record Violation(String reason, String errorCode, HttpStatus status, String message) {

		static Violation of(Rule rule, String message) {
			return new Violation(rule.reason(), rule.errorCode(), rule.status(), message);
		}

	}

}
