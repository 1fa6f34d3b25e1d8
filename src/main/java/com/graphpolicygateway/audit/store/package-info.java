/**
 * The audit trail in its database: the writes of the hash chain, and the upkeep of the
 * embedded H2 file.
 */
@NullMarked
package com.graphpolicygateway.audit.store;

import org.jspecify.annotations.NullMarked;
