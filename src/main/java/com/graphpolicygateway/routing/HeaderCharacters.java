package com.graphpolicygateway.routing;

import org.jspecify.annotations.Nullable;

import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;

/**
 * The characters Spring Security's strict firewall accepts in header names and values
 * ({@link StrictServerWebExchangeFirewall#ALLOWED_HEADER_NAMES},
 * {@link StrictServerWebExchangeFirewall#ALLOWED_HEADER_VALUES}): every code point
 * assigned, none a control character, except the tab in a value. The firewall checks them
 * with regular expressions on every read of a header; on a bearer token of a kilobyte or
 * more that was 9 % of the event loops' samples in a profile of the full gateway. This
 * checks the same rule one code point at a time, and decides printable ASCII without a
 * lookup.
 */
final class HeaderCharacters {

	private HeaderCharacters() {
	}

	/**
	 * Whether {@code name} may be a header name; {@code null} passes, as in the firewall.
	 */
	static boolean isAllowedName(@Nullable String name) {
		return name == null || allAllowed(name, false);
	}

	/**
	 * Whether {@code value} may be a header value; {@code null} passes, as in the
	 * firewall.
	 */
	static boolean isAllowedValue(@Nullable String value) {
		return value == null || allAllowed(value, true);
	}

	private static boolean allAllowed(String text, boolean tabAllowed) {
		int length = text.length();
		int i = 0;
		while (i < length) {
			char c = text.charAt(i);
			if (c >= 0x20 && c < 0x7f) {
				i++;
				continue;
			}
			int codePoint = text.codePointAt(i);
			int type = Character.getType(codePoint);
			if (type == Character.UNASSIGNED || (type == Character.CONTROL && !(tabAllowed && codePoint == '\t'))) {
				return false;
			}
			i += Character.charCount(codePoint);
		}
		return true;
	}

}
