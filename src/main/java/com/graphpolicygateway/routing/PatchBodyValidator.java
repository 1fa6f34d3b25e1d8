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

/**
 * Checks that a PATCH body is exactly one JSON object of a Graph user: valid UTF-8, no
 * duplicate property names, bounded nesting, nothing after the object, and an
 * {@code @odata.type} (when present) of {@code #microsoft.graph.user}. It streams over
 * the bytes and never builds a tree.
 */
final class PatchBodyValidator {

	static final String ODATA_TYPE = "@odata.type";

	static final String USER_TYPE = "#microsoft.graph.user";

	private final JsonFactory jsonFactory;

	PatchBodyValidator(int maxDepth) {
		this.jsonFactory = JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
			.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
			.build();
	}

	/** The body's top-level properties in order, or the reason the body is refused. */
	List<BodyProperty> properties(byte[] body) throws InvalidBodyException {
		String json = strictUtf8(body);
		List<BodyProperty> properties = new ArrayList<>();
		try (JsonParser parser = this.jsonFactory.createParser(ObjectReadContext.empty(), json)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new InvalidBodyException("The request body must be one JSON object.");
			}
			JsonToken token;
			while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
				String name = parser.currentName();
				JsonToken value = parser.nextToken();
				if (value == null) {
					break;
				}
				if (ODATA_TYPE.equals(name)) {
					requireUserType(parser, value);
				}
				properties.add(new BodyProperty(name, valueText(json, parser, value)));
			}
			if (token != JsonToken.END_OBJECT) {
				throw new InvalidBodyException("The request body is not valid JSON: it ends inside the object.");
			}
			if (parser.nextToken() != null) {
				throw new InvalidBodyException("The request body must be one JSON object with nothing after it.");
			}
			return properties;
		}
		catch (StreamConstraintsException ex) {
			throw new InvalidBodyException("The request body is nested too deeply.");
		}
		catch (JacksonException ex) {
			throw new InvalidBodyException(describe(ex));
		}
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

	private static void requireUserType(JsonParser parser, JsonToken value) throws InvalidBodyException {
		if (value != JsonToken.VALUE_STRING || !USER_TYPE.equals(parser.getString())) {
			throw new InvalidBodyException(
					"The request body's @odata.type must be " + USER_TYPE + " for PATCH /users/{id}.");
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
