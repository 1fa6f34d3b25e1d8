package com.graphpolicygateway.audit;

/**
 * The pending audit event of a call could not be committed, so the call must not proceed.
 */
final class AuditUnavailableException extends RuntimeException {

	AuditUnavailableException(String message) {
		super(message, null, false, false);
	}

}
