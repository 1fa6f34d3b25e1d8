package com.graphpolicygateway.policy;

import org.springframework.http.HttpStatus;

/**
 * The rules of the tenant policy, in the order they are checked, each with the reason
 * code the audit trail records and the Graph error code and status a refusal answers
 * with.
 */
public enum Rule {

	/** The tenant is listed and enabled (or unknown tenants are allowed). */
	TENANT("tenant_not_allowed", "TenantNotAllowed", HttpStatus.FORBIDDEN),

	/** The calling application is allowed. */
	CALLER("caller_not_allowed", "CallerNotAllowed", HttpStatus.FORBIDDEN),

	/** The tenant may call the operation ({@code operations}). */
	OPERATION("operation_not_allowed", "OperationNotAllowed", HttpStatus.FORBIDDEN),

	/**
	 * The target is not protected: a user ({@code protected-users}, answered as
	 * {@code TargetUserProtected}) or a managed device ({@code protected-devices},
	 * answered as {@code TargetDeviceProtected}).
	 */
	TARGET("target_protected", "TargetUserProtected", HttpStatus.FORBIDDEN),

	/** Every property the body changes is allowed. */
	PROPERTIES("property_not_allowed", "PropertyNotAllowed", HttpStatus.FORBIDDEN),

	/** No change freeze is in force. */
	FREEZE("change_freeze", "ChangeFreezeInEffect", HttpStatus.FORBIDDEN),

	/** The tenant holds an active Intune license, when the operation needs one. */
	LICENSE("tenant_unlicensed", "TenantNotLicensed", HttpStatus.FORBIDDEN),

	/**
	 * The tenant's blast-radius limit of the operation ({@code operation-limits}) is not
	 * reached. The policy only hands the limit on
	 * ({@link PolicyDecision#operationLimit()}); the rate limiter counts the calls, after
	 * every other rule.
	 */
	OPERATION_LIMIT("operation_limit", "OperationLimitExceeded", HttpStatus.FORBIDDEN);

	/** The Graph error code of a refusal for a protected managed device. */
	static final String TARGET_DEVICE_PROTECTED = "TargetDeviceProtected";

	private final String reason;

	private final String errorCode;

	private final HttpStatus status;

	Rule(String reason, String errorCode, HttpStatus status) {
		this.reason = reason;
		this.errorCode = errorCode;
		this.status = status;
	}

	/** The audit reason code of a violation. */
	public String reason() {
		return this.reason;
	}

	/** The Graph error code answered when the rule refuses. */
	public String errorCode() {
		return this.errorCode;
	}

	public HttpStatus status() {
		return this.status;
	}

}
