package com.graphpolicygateway.audit.event;

/**
 * The pending audit event of a call could not be committed, so the call must not proceed.
 */
public final class AuditUnavailableException extends RuntimeException {

	public AuditUnavailableException(String message) {
		super(message, null, false, false);
	}

}
