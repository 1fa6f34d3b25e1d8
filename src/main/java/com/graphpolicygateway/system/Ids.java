package com.graphpolicygateway.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The identifiers the features share: GUID syntax, time-ordered GUIDs and SHA-256
 * fingerprints.
 */
public final class Ids {

	private Ids() {
	}

	/**
	 * Whether the text is a GUID (any letter case): 8-4-4-4-12 ASCII hex digits. Read
	 * with a loop, not a regular expression: every call checks several (tenant, target
	 * user, client-request-id).
	 */
	public static boolean isGuid(String text) {
		if (text.length() != 36) {
			return false;
		}
		for (int i = 0; i < 36; i++) {
			char c = text.charAt(i);
			boolean hyphenPosition = i == 8 || i == 13 || i == 18 || i == 23;
			if (hyphenPosition ? c != '-' : !isAsciiHexDigit(c)) {
				return false;
			}
		}
		return true;
	}

	private static boolean isAsciiHexDigit(char c) {
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}

	/**
	 * A time-ordered GUID (RFC 9562 version 7): the given Unix time in milliseconds, then
	 * 74 random bits from the same secure source as {@link UUID#randomUUID()}. GUIDs made
	 * one after another sort next to each other, as numbers and as lower-case text, so a
	 * B-tree index on them grows at its end instead of rewriting a leaf at random for
	 * each one.
	 */
	public static UUID timeOrderedGuid(long epochMillis) {
		if (epochMillis < 0 || epochMillis >= (1L << 48)) {
			throw new IllegalArgumentException(
					"A version 7 GUID holds 48 bits of Unix milliseconds, not " + epochMillis);
		}
		UUID random = UUID.randomUUID();
		long version7 = (epochMillis << 16) | 0x7000L | (random.getMostSignificantBits() & 0x0FFFL);
		// A random (version 4) GUID's low half already carries the RFC variant.
		return new UUID(version7, random.getLeastSignificantBits());
	}

	/** The SHA-256 of the bytes, as lower-case hex. */
	public static String sha256Hex(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
		}
	}

	/** The SHA-256 of the text's UTF-8 bytes, as lower-case hex. */
	public static String sha256Hex(String text) {
		return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
	}

}
