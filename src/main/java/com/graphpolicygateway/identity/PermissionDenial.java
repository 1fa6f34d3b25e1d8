package com.graphpolicygateway.identity;

/**
 * Why an authenticated caller may not use the route, in words the caller sees.
 *
 * @param message the refusal message
 * @param insufficientScope whether the token lacks the permission (answered with
 * {@code error="insufficient_scope"})
 */
record PermissionDenial(String message, boolean insufficientScope) {
}
