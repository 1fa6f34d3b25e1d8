/**
 * The durable, tamper-evident audit trail: events, their store, the hash chain and its
 * check.
 */
@NullMarked
package com.graphpolicygateway.audit;

import org.jspecify.annotations.NullMarked;
