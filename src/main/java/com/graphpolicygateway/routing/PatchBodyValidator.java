package com.graphpolicygateway.routing;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;

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

	/** The body's top-level property names, or the reason the body is refused. */
	List<String> topLevelPropertyNames(byte[] body) throws InvalidBodyException {
		List<String> names = new ArrayList<>();
		try (JsonParser parser = this.jsonFactory.createParser(ObjectReadContext.empty(), strictUtf8(body))) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new InvalidBodyException("The request body must be one JSON object.");
			}
			int depth = 1;
			while (depth > 0) {
				JsonToken token = parser.nextToken();
				if (token == null) {
					throw new InvalidBodyException("The request body is not valid JSON: it ends inside the object.");
				}
				switch (token) {
					case START_OBJECT, START_ARRAY -> depth++;
					case END_OBJECT, END_ARRAY -> depth--;
					case PROPERTY_NAME -> {
						if (depth == 1) {
							String name = parser.currentName();
							names.add(name);
							if (ODATA_TYPE.equals(name)) {
								requireUserType(parser);
							}
						}
					}
					default -> {
					}
				}
			}
			if (parser.nextToken() != null) {
				throw new InvalidBodyException("The request body must be one JSON object with nothing after it.");
			}
			return names;
		}
		catch (StreamConstraintsException ex) {
			throw new InvalidBodyException("The request body is nested too deeply.");
		}
		catch (JacksonException ex) {
			throw new InvalidBodyException(describe(ex));
		}
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

	private static void requireUserType(JsonParser parser) throws InvalidBodyException {
		JsonToken value = parser.nextToken();
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
