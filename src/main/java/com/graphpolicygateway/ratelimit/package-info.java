/**
 * Token-bucket rate limits per tenant and per caller, and blast-radius limits per tenant
 * and operation (sliding windows), in memory or shared through Redis.
 */
@NullMarked
package com.graphpolicygateway.ratelimit;

import org.jspecify.annotations.NullMarked;
