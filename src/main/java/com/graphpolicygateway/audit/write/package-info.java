/**
 * Recording each call as audit events: the filters that open and close them, the writer
 * that commits them, and the maintenance that closes the events of stopped gateways and
 * purges old ones.
 */
@NullMarked
package com.graphpolicygateway.audit.write;

import org.jspecify.annotations.NullMarked;
