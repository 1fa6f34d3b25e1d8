/**
 * Tenant policy: the policy file and its hot reload, the Intune license check, and
 * decisions.
 */
@NullMarked
package com.graphpolicygateway.policy;

import org.jspecify.annotations.NullMarked;
