package com.graphpolicygateway.routing;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import com.graphpolicygateway.graph.BodyProperty;
import com.graphpolicygateway.graph.BodySchema;
import com.graphpolicygateway.graph.Operation;

/**
 * Checks a request body against its operation's {@link BodySchema}: exactly one JSON
 * object (or none, where the operation allows that), valid UTF-8, no duplicate property
 * names, bounded nesting, nothing after the object, each declared property of its type,
 * the required ones present, undeclared ones refused unless the schema accepts them, and
 * an {@code @odata.type} (when present and the schema names one) of the schema's type. It
 * streams over the bytes and never builds a tree.
 */
final class BodyValidator {

	static final String ODATA_TYPE = "@odata.type";

	private final JsonFactory jsonFactory;

	BodyValidator(int maxDepth) {
		this.jsonFactory = JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
			.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
			.build();
	}

	/**
	 * The body's top-level properties in order, or the reason the body is refused.
	 * @param body the bytes received (empty when none were sent)
	 * @param operation the operation called, whose schema the body must meet
	 */
	List<BodyProperty> properties(byte[] body, Operation operation) throws InvalidBodyException {
		BodySchema schema = operation.body();
		if (body.length == 0 && schema.presence() != BodySchema.Presence.REQUIRED) {
			return List.of();
		}
		String json = strictUtf8(body);
		List<BodyProperty> properties = new ArrayList<>();
		try (JsonParser parser = this.jsonFactory.createParser(ObjectReadContext.empty(), json)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new InvalidBodyException((schema.presence() == BodySchema.Presence.NONE) ? takesNoBody(operation)
						: "The request body must be one JSON object.");
			}
			JsonToken token;
			while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
				String name = parser.currentName();
				JsonToken value = parser.nextToken();
				if (value == null) {
					break;
				}
				check(operation, name, parser, value);
				properties.add(new BodyProperty(name, valueText(json, parser, value)));
			}
			if (token != JsonToken.END_OBJECT) {
				throw new InvalidBodyException("The request body is not valid JSON: it ends inside the object.");
			}
			if (parser.nextToken() != null) {
				throw new InvalidBodyException("The request body must be one JSON object with nothing after it.");
			}
		}
		catch (StreamConstraintsException ex) {
			throw new InvalidBodyException("The request body is nested too deeply.");
		}
		catch (JacksonException ex) {
			throw new InvalidBodyException(describe(ex));
		}
		requirePresent(schema, properties);
		return properties;
	}

	private static void check(Operation operation, String name, JsonParser parser, JsonToken value)
			throws InvalidBodyException {
		BodySchema schema = operation.body();
		if (ODATA_TYPE.equals(name) && schema.odataType() != null) {
			if (value != JsonToken.VALUE_STRING || !schema.odataType().equals(parser.getString())) {
				throw new InvalidBodyException("The request body's @odata.type must be " + schema.odataType() + " for "
						+ operation.describe() + ".");
			}
			return;
		}
		BodySchema.JsonType type = schema.properties().get(name);
		if (type == null) {
			if (schema.presence() == BodySchema.Presence.NONE) {
				throw new InvalidBodyException(takesNoBody(operation));
			}
			if (!schema.additionalProperties()) {
				throw new InvalidBodyException("The request body holds '" + name + "', which " + operation.describe()
						+ " does not take" + declared(schema) + ".");
			}
			return;
		}
		if (!isOfType(type, value)) {
			throw new InvalidBodyException("The request body's '" + name + "' must be " + type.described() + ".");
		}
	}

	private static boolean isOfType(BodySchema.JsonType type, JsonToken value) {
		return switch (type) {
			case STRING -> value == JsonToken.VALUE_STRING;
			case BOOLEAN -> value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE;
			case INTEGER -> value == JsonToken.VALUE_NUMBER_INT;
			case NUMBER -> value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT;
			case OBJECT -> value == JsonToken.START_OBJECT;
			case ARRAY -> value == JsonToken.START_ARRAY;
			case ANY -> true;
		};
	}

	private static void requirePresent(BodySchema schema, List<BodyProperty> properties) throws InvalidBodyException {
		for (String name : new java.util.TreeSet<>(schema.required())) {
			if (properties.stream().noneMatch((property) -> property.name().equals(name))) {
				throw new InvalidBodyException("The request body must hold '" + name + "' ("
						+ schema.properties().getOrDefault(name, BodySchema.JsonType.ANY).described() + ").");
			}
		}
	}

	private static String declared(BodySchema schema) {
		return schema.properties().isEmpty() ? ""
				: " (it takes " + String.join(", ", new java.util.TreeSet<>(schema.properties().keySet())) + ")";
	}

	private static String takesNoBody(Operation operation) {
		return operation.describe() + " takes no request body (send none, or an empty JSON object).";
	}

	/**
	 * A string's value, a scalar's JSON text, or an object's or array's JSON text as
	 * sent.
	 */
	private static @Nullable String valueText(String json, JsonParser parser, JsonToken value) {
		if (value.isStructStart()) {
			int start = (int) parser.currentTokenLocation().getCharOffset();
			parser.skipChildren();
			int end = (int) parser.currentLocation().getCharOffset();
			return json.substring(start, end);
		}
		if (value == JsonToken.VALUE_NULL) {
			return null;
		}
		return (value == JsonToken.VALUE_STRING) ? parser.getString() : parser.getText();
	}

	// Jackson's byte parser guesses UTF-16/32 and accepts overlong or surrogate UTF-8.
	private static String strictUtf8(byte[] body) throws InvalidBodyException {
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(body))
				.toString();
		}
		catch (CharacterCodingException ex) {
			throw new InvalidBodyException("The request body is not valid UTF-8.");
		}
	}

	private static String describe(JacksonException ex) {
		String message = (ex.getOriginalMessage() != null) ? ex.getOriginalMessage() : "";
		String what = message.startsWith("Duplicate Object property") ? "names a property twice"
				: message.contains("UTF-8") || message.contains("Invalid UTF") ? "is not valid UTF-8"
						: "is not valid JSON";
		TokenStreamLocation location = ex.getLocation();
		if (location != null && location.getLineNr() > 0) {
			return "The request body " + what + " (line " + location.getLineNr() + ", column " + location.getColumnNr()
					+ ").";
		}
		return "The request body " + what + ".";
	}

	/** A body the gateway refuses; the message is safe to show the caller. */
	static final class InvalidBodyException extends Exception {

		InvalidBodyException(String message) {
			super(message, null, false, false);
		}

	}

}
