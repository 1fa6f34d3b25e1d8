package com.graphpolicygateway.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The header rules without regular expressions decide exactly as Spring Security's strict
 * firewall does, for every code point and for mixed text.
 */
class HeaderCharactersTests {

	private static final Predicate<String> FIREWALL_NAMES = StrictServerWebExchangeFirewall.ALLOWED_HEADER_NAMES;

	private static final Predicate<String> FIREWALL_VALUES = StrictServerWebExchangeFirewall.ALLOWED_HEADER_VALUES;

	@Test
	void everyCodePointAloneAndAmidAsciiIsDecidedAsTheFirewallDecidesIt() {
		List<String> disagreements = new ArrayList<>();
		for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++) {
			String alone = Character.toString(codePoint);
			for (String text : new String[] { alone, "Bearer " + alone + "token" }) {
				if (HeaderCharacters.isAllowedName(text) != FIREWALL_NAMES.test(text)
						|| HeaderCharacters.isAllowedValue(text) != FIREWALL_VALUES.test(text)) {
					disagreements.add("U+" + Integer.toHexString(codePoint));
				}
			}
		}
		assertThat(disagreements).isEmpty();
	}

	@Test
	void controlCharactersAreRefusedAndTheTabOnlyInValues() {
		assertThat(HeaderCharacters.isAllowedValue("a\tb")).isTrue();
		assertThat(HeaderCharacters.isAllowedName("a\tb")).isFalse();
		for (String control : new String[] { "\u0000", "\r", "\n", "\u001f", "\u007f", "\u0085", "\u009f" }) {
			assertThat(HeaderCharacters.isAllowedValue("Bearer x" + control)).as("U+%04x", (int) control.charAt(0))
				.isFalse();
			assertThat(HeaderCharacters.isAllowedName("x" + control)).isFalse();
		}
		assertThat(HeaderCharacters.isAllowedValue("x\u0378")).as("unassigned").isFalse();
	}

	@Test
	void unpairedSurrogatesAndMixedTextAreDecidedAsTheFirewallDecidesThem() {
		Random random = new Random(20261127);
		char[] pool = { 'a', 'Z', '0', ' ', '\t', '\u0000', '\u007f', '\u00e9', '\u0378', '\ud800', '\udc00', '\ud83d',
				'\ude00', '\uffff', '\u2028' };
		for (int i = 0; i < 20_000; i++) {
			StringBuilder text = new StringBuilder();
			for (int length = random.nextInt(8); length > 0; length--) {
				text.append(pool[random.nextInt(pool.length)]);
			}
			String candidate = text.toString();
			assertThat(HeaderCharacters.isAllowedName(candidate)).as("name %s", candidate.chars().boxed().toList())
				.isEqualTo(FIREWALL_NAMES.test(candidate));
			assertThat(HeaderCharacters.isAllowedValue(candidate)).as("value %s", candidate.chars().boxed().toList())
				.isEqualTo(FIREWALL_VALUES.test(candidate));
		}
	}

	@Test
	void absentHeadersPassAsInTheFirewall() {
		assertThat(HeaderCharacters.isAllowedName(null)).isEqualTo(FIREWALL_NAMES.test(null)).isTrue();
		assertThat(HeaderCharacters.isAllowedValue(null)).isEqualTo(FIREWALL_VALUES.test(null)).isTrue();
	}

}
