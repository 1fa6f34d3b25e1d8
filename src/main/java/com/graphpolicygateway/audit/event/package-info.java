/**
 * The audit event and what every part of the audit shares about it: its stored form, its
 * hash, its rows and the signed checkpoints of its chain.
 */
@NullMarked
package com.graphpolicygateway.audit.event;

import org.jspecify.annotations.NullMarked;
