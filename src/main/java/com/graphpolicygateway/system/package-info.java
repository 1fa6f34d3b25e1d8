/** Cross-cutting configuration: the validated graph-gateway properties. */
@NullMarked
package com.graphpolicygateway.system;

import org.jspecify.annotations.NullMarked;
