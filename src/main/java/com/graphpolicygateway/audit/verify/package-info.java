/**
 * Checking the audit trail: the hash chain and its signed checkpoints, from the API, the
 * page and the command line.
 */
@NullMarked
package com.graphpolicygateway.audit.verify;

import org.jspecify.annotations.NullMarked;
