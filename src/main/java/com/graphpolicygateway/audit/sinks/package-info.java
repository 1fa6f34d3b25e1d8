/**
 * Audit sinks: the trail streamed to SIEMs (Kafka, syslog, webhooks), at least once and
 * in order per chain, by delivery threads of their own, off the request path.
 */
@NullMarked
package com.graphpolicygateway.audit.sinks;

import org.jspecify.annotations.NullMarked;
