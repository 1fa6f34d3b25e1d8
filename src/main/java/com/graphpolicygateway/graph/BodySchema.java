package com.graphpolicygateway.graph;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * What an operation's request body may hold: whether one is sent at all, its top-level
 * properties with their JSON types, which are required, whether others are accepted, its
 * size cap, and the {@code @odata.type} it must name when it names one.
 *
 * @param presence whether a body is required, optional or must be empty
 * @param properties the declared properties and their types
 * @param required the properties that must be present
 * @param additionalProperties whether undeclared properties are accepted
 * @param maxBytes the largest body accepted, in bytes
 * @param odataType the value {@code @odata.type} must have, or null to accept any
 */
public record BodySchema(Presence presence, Map<String, JsonType> properties, Set<String> required,
		boolean additionalProperties, int maxBytes, @Nullable String odataType) {

	public BodySchema {
		properties = Map.copyOf(properties);
		required = Set.copyOf(required);
	}

	/** Whether a request must, may or must not carry a body. */
	public enum Presence {

		/** One JSON object. */
		REQUIRED,

		/** No body, or one JSON object. */
		OPTIONAL,

		/** No body, or an empty JSON object ({@code {}}). */
		NONE;

		static Presence parse(String text) {
			return valueOf(text.toUpperCase(Locale.ROOT));
		}

	}

	/** The JSON type a declared property's value must have. */
	public enum JsonType {

		STRING, BOOLEAN, INTEGER, NUMBER, OBJECT, ARRAY, ANY;

		static JsonType parse(String text, String key) {
			try {
				return valueOf(text.toUpperCase(Locale.ROOT));
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException(key + " must be string, boolean, integer, number, object, array "
						+ "or any, but was '" + text + "'");
			}
		}

		/** The type's name as a refusal's message says it: "a boolean". */
		public String described() {
			return switch (this) {
				case INTEGER, OBJECT, ARRAY, ANY -> "an " + name().toLowerCase(Locale.ROOT);
				default -> "a " + name().toLowerCase(Locale.ROOT);
			};
		}

	}

}
