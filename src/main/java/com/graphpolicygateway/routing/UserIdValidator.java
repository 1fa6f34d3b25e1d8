package com.graphpolicygateway.routing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.system.Ids;

/**
 * Checks the {@code {id}} path segment of {@code PATCH /users/{id}}: a GUID or a user
 * principal name, percent-decoded exactly once, with no encoded slashes, dot segments,
 * control characters, matrix parameters or double encoding, and no longer than the
 * configured limit.
 */
final class UserIdValidator {

	// Entra ID's allowed UPN characters; '#' appears in guests' UPNs
	// (alice_contoso.com#EXT#@...).
	private static final Pattern USER_PRINCIPAL_NAME = Pattern
		.compile("[A-Za-z0-9'._!#^~$&*+=?{|}-]{1,113}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?");

	private final int maxLength;

	UserIdValidator(int maxLength) {
		this.maxLength = maxLength;
	}

	/** The decoded id, or a refusal saying what is wrong with the raw segment. */
	Result validate(String rawSegment) {
		if (rawSegment.length() > this.maxLength * 3) {
			return Result.refused(tooLong());
		}
		if (rawSegment.indexOf(';') >= 0) {
			return Result.refused("The user id must not carry matrix parameters (';').");
		}
		String decoded = decodeOnce(rawSegment);
		if (decoded == null) {
			return Result.refused("The user id is not correctly percent-encoded UTF-8.");
		}
		if (decoded.length() > this.maxLength) {
			return Result.refused(tooLong());
		}
		if (decoded.indexOf('/') >= 0 || decoded.indexOf('\\') >= 0) {
			return Result.refused("The user id must not contain an encoded slash or backslash.");
		}
		if (decoded.equals(".") || decoded.equals("..")) {
			return Result.refused("The user id must not be a dot segment.");
		}
		if (decoded.chars().anyMatch((c) -> Character.isISOControl(c))) {
			return Result.refused("The user id must not contain control characters.");
		}
		if (decoded.indexOf('%') >= 0) {
			return Result.refused("The user id must be percent-encoded once, not twice.");
		}
		if (!Ids.isGuid(decoded) && !USER_PRINCIPAL_NAME.matcher(decoded).matches()) {
			return Result.refused("The user id must be a GUID or a user principal name.");
		}
		return new Result(decoded, null);
	}

	private String tooLong() {
		return "The user id is longer than " + this.maxLength + " characters.";
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
	 * @param userId the decoded id when accepted
	 * @param refusal why the id was refused
	 */
	record Result(@Nullable String userId, @Nullable String refusal) {

		static Result refused(String refusal) {
			return new Result(null, refusal);
		}

	}

}
