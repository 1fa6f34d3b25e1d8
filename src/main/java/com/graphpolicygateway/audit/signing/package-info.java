/**
 * Signing the audit chain: the signing key, its files, and the signed checkpoints it
 * writes.
 */
@NullMarked
package com.graphpolicygateway.audit.signing;

import org.jspecify.annotations.NullMarked;
