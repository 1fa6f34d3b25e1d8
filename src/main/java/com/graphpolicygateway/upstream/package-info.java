/** How the gateway authenticates to Graph for each allowed call. */
@NullMarked
package com.graphpolicygateway.upstream;

import org.jspecify.annotations.NullMarked;
