package com.graphpolicygateway.graph;

import org.jspecify.annotations.Nullable;

/**
 * One top-level property of a PATCH body.
 *
 * @param name the property name
 * @param value a string's value, another scalar's or a structure's JSON text, or
 * {@code null} for JSON null
 */
public record BodyProperty(String name, @Nullable String value) {
}
