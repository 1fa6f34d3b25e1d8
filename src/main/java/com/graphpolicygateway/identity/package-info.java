/**
 * Caller tokens: trusted issuers, signing keys, claim validation and the required
 * permission.
 */
@NullMarked
package com.graphpolicygateway.identity;

import org.jspecify.annotations.NullMarked;
