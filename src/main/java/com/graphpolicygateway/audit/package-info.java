/**
 * The durable, tamper-evident audit trail, wired together: its parts live in the
 * sub-packages by job ({@code event} at the bottom, then {@code signing}, {@code store},
 * {@code verify}, {@code query}, {@code write}, {@code page} and {@code sinks}), each
 * importing only those below it.
 */
@NullMarked
package com.graphpolicygateway.audit;

import org.jspecify.annotations.NullMarked;
