/**
 * The base every stage of the gateway shares and that imports no feature: the operations
 * and their catalogue, the Graph error shape and codes, correlation ids, the order of the
 * stages, and the values stages hand each other (the operation a request calls, the
 * parsed call, a refusal's reason).
 */
@NullMarked
package com.graphpolicygateway.graph;

import org.jspecify.annotations.NullMarked;
