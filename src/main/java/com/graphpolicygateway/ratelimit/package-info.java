/**
 * Token-bucket rate limits per tenant and per caller, in memory or shared through Redis.
 */
@NullMarked
package com.graphpolicygateway.ratelimit;

import org.jspecify.annotations.NullMarked;
