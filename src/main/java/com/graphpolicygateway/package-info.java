/** Graph Policy Gateway. */
@NullMarked
package com.graphpolicygateway;

import org.jspecify.annotations.NullMarked;
