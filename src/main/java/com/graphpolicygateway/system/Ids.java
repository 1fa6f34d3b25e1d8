package com.graphpolicygateway.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The identifiers the features share: GUID syntax, time-ordered GUIDs and SHA-256
 * fingerprints.
 */
public final class Ids {

	private static final Pattern GUID = Pattern
		.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

	private Ids() {
	}

	/** Whether the text is a GUID (any letter case). */
	public static boolean isGuid(String text) {
		return GUID.matcher(text).matches();
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
