package com.graphpolicygateway.routing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.graph.IdPattern;

/**
 * Checks one variable segment of an operation's path (the {@code {id}} of {@code PATCH
 * /users/{id}}): what its {@link IdPattern} allows, percent-decoded exactly once, with no
 * encoded slashes, dot segments, control characters, matrix parameters or double
 * encoding, and no longer than the configured limit.
 */
final class PathVariableValidator {

	private final int maxLength;

	PathVariableValidator(int maxLength) {
		this.maxLength = maxLength;
	}

	/**
	 * The decoded id, or a refusal saying what is wrong with the raw segment.
	 * @param rawSegment the segment as sent
	 * @param pattern what the decoded segment must be
	 * @param noun what the segment is, for messages ("user id")
	 */
	Result validate(String rawSegment, IdPattern pattern, String noun) {
		if (rawSegment.length() > this.maxLength * 3) {
			return Result.refused(tooLong(noun));
		}
		if (rawSegment.indexOf(';') >= 0) {
			return Result.refused("The " + noun + " must not carry matrix parameters (';').");
		}
		String decoded = decodeOnce(rawSegment);
		if (decoded == null) {
			return Result.refused("The " + noun + " is not correctly percent-encoded UTF-8.");
		}
		if (decoded.length() > this.maxLength) {
			return Result.refused(tooLong(noun));
		}
		if (decoded.indexOf('/') >= 0 || decoded.indexOf('\\') >= 0) {
			return Result.refused("The " + noun + " must not contain an encoded slash or backslash.");
		}
		if (decoded.equals(".") || decoded.equals("..")) {
			return Result.refused("The " + noun + " must not be a dot segment.");
		}
		if (decoded.chars().anyMatch((c) -> Character.isISOControl(c))) {
			return Result.refused("The " + noun + " must not contain control characters.");
		}
		if (decoded.indexOf('%') >= 0) {
			return Result.refused("The " + noun + " must be percent-encoded once, not twice.");
		}
		if (!pattern.matches(decoded)) {
			return Result.refused("The " + noun + " must be " + pattern.description() + ".");
		}
		return new Result(decoded, null);
	}

	private String tooLong(String noun) {
		return "The " + noun + " is longer than " + this.maxLength + " characters.";
	}

	private static @Nullable String decodeOnce(String raw) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
		for (int i = 0; i < raw.length(); i++) {
			char c = raw.charAt(i);
			if (c == '%') {
				if (i + 2 >= raw.length()) {
					return null;
				}
				if (raw.charAt(i + 1) > 0x7F || raw.charAt(i + 2) > 0x7F) {
					return null;
				}
				int high = Character.digit(raw.charAt(i + 1), 16);
				int low = Character.digit(raw.charAt(i + 2), 16);
				if (high < 0 || low < 0) {
					return null;
				}
				bytes.write((high << 4) | low);
				i += 2;
			}
			else if (c > 0x7F) {
				return null;
			}
			else {
				bytes.write(c);
			}
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes.toByteArray()))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

	/**
	 * The outcome of a check.
	 *
	 * @param id the decoded id when accepted
	 * @param refusal why the id was refused
	 */
	record Result(@Nullable String id, @Nullable String refusal) {

		static Result refused(String refusal) {
			return new Result(null, refusal);
		}

	}

}
