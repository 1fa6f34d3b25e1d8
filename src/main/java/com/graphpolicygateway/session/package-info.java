/**
 * The audit page's sign-in sessions: kept where every replica finds them (Redis, or the
 * audit database), and their cookie.
 */
@NullMarked
package com.graphpolicygateway.session;

import org.jspecify.annotations.NullMarked;
