/**
 * The base every stage of the gateway shares and that imports no feature: the Graph route
 * and its paths, the Graph error shape and codes, correlation ids, and the values stages
 * hand each other (the parsed body, a refusal's reason).
 */
@NullMarked
package com.graphpolicygateway.graph;

import org.jspecify.annotations.NullMarked;
