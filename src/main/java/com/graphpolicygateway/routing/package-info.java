/** Route definition, request guard, header relay and the Graph error shape. */
@NullMarked
package com.graphpolicygateway.routing;

import org.jspecify.annotations.NullMarked;
