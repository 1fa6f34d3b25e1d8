/**
 * The {@code sandbox} profile: a Graph simulator and a token issuer in the same process,
 * on loopback, so the gateway can be tried end to end without an Azure tenant.
 */
@NullMarked
package com.graphpolicygateway.sandbox;

import org.jspecify.annotations.NullMarked;
