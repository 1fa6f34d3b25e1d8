/**
 * The audit page: the events and the chain's state in the browser.
 */
@NullMarked
package com.graphpolicygateway.audit.page;

import org.jspecify.annotations.NullMarked;
