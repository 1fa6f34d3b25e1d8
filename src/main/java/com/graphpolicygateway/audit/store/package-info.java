/**
 * The audit trail in its database: the writes of the hash chain, and the settings the
 * embedded SQLite file must have.
 */
@NullMarked
package com.graphpolicygateway.audit.store;

import org.jspecify.annotations.NullMarked;
