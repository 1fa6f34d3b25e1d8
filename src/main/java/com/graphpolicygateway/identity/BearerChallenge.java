package com.graphpolicygateway.identity;

import org.jspecify.annotations.Nullable;

/**
 * Builds RFC 6750 {@code WWW-Authenticate: Bearer ...} challenges and the matching
 * caller-facing descriptions, never echoing more than a bounded, header-safe text.
 */
final class BearerChallenge {

	static final String REALM = "graph-policy-gateway";

	private static final String DECODE_PREFIX = "An error occurred while attempting to decode the Jwt: ";

	private static final int MAX_DESCRIPTION = 300;

	private BearerChallenge() {
	}

	static String challenge(@Nullable String error, @Nullable String description, @Nullable String scope) {
		StringBuilder header = new StringBuilder("Bearer realm=\"").append(REALM).append('"');
		if (error != null) {
			header.append(", error=\"").append(error).append('"');
		}
		if (description != null) {
			header.append(", error_description=\"").append(headerSafe(description)).append('"');
		}
		if (scope != null) {
			header.append(", scope=\"").append(headerSafe(scope)).append('"');
		}
		return header.toString();
	}

	/** A description fit for a caller: no decoder boilerplate, bounded, printable. */
	static String describe(@Nullable String description, String fallback) {
		if (description == null || description.isBlank()) {
			return fallback;
		}
		String text = description.startsWith(DECODE_PREFIX) ? description.substring(DECODE_PREFIX.length())
				: description;
		text = text.replaceAll("\\p{Cntrl}", " ").strip();
		return (text.length() <= MAX_DESCRIPTION) ? text : text.substring(0, MAX_DESCRIPTION) + "...";
	}

	private static String headerSafe(String text) {
		// RFC 6750 error_description: %x20-21 / %x23-5B / %x5D-7E
		StringBuilder safe = new StringBuilder(text.length());
		for (char c : text.toCharArray()) {
			safe.append((c >= 0x20 && c <= 0x7E && c != '"' && c != '\\') ? c : ' ');
		}
		return safe.toString();
	}

}
