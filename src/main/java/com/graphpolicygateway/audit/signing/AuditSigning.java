package com.graphpolicygateway.audit.signing;

import org.jspecify.annotations.Nullable;

/**
 * The audit signing key the gateway was configured with, if any: a bean even when there
 * is none, so that what depends on it can say so.
 *
 * @param key the key, or null when the trail is not keyed
 */
public record AuditSigning(@Nullable AuditSigningKey key) {

	/** No signing key: unkeyed hash chains only. */
	public static final AuditSigning NONE = new AuditSigning(null);

}
