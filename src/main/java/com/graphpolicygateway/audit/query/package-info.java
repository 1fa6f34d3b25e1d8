/**
 * Reading the audit trail: the query, the events API, its CSV and the feed the sinks
 * read.
 */
@NullMarked
package com.graphpolicygateway.audit.query;

import org.jspecify.annotations.NullMarked;
