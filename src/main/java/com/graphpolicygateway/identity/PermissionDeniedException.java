package com.graphpolicygateway.identity;

import org.springframework.security.access.AccessDeniedException;

/**
 * A refusal of an authenticated caller, with the message the caller sees and whether the cause
 * is a missing permission (answered with {@code error="insufficient_scope"}).
 */
final class PermissionDeniedException extends AccessDeniedException {

	private final boolean insufficientScope;

	PermissionDeniedException(String message, boolean insufficientScope) {
		super(message);
		this.insufficientScope = insufficientScope;
	}

	boolean isInsufficientScope() {
		return this.insufficientScope;
	}

}
