package com.graphpolicygateway.identity;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link BearerChallenge}. */
class BearerChallengeTests {

	private static final String DECODE_PREFIX = "An error occurred while attempting to decode the Jwt: ";

	@Test
	void challengeWhenNothingKnownThenRealmOnly() {
		assertThat(BearerChallenge.challenge(null, null, null)).isEqualTo("Bearer realm=\"graph-policy-gateway\"");
	}

	@Test
	void challengeWhenErrorDescriptionAndScopeThenAllInOrder() {
		String challenge = BearerChallenge.challenge("insufficient_scope", "Missing permission.", TestJwts.PERMISSION);

		assertThat(challenge).isEqualTo("Bearer realm=\"graph-policy-gateway\", error=\"insufficient_scope\", "
				+ "error_description=\"Missing permission.\", scope=\"" + TestJwts.PERMISSION + "\"");
	}

	@Test
	void challengeWhenDescriptionHoldsQuotesBackslashesAndLineBreaksThenReplaced() {
		String challenge = BearerChallenge.challenge("invalid_token",
				"bad \"kid\"\\\r\nSet-Cookie: session=1\u0000\u00e9", null);

		assertThat(challenge).doesNotContain("\r", "\n", "\\", "\u0000", "\u00e9")
			.endsWith("error_description=\"bad  kid    Set-Cookie: session=1  \"");
		assertThat(challenge.chars()).allMatch((c) -> c >= 0x20 && c <= 0x7E);
		assertThat(challenge.chars().filter((c) -> c == '"')).hasSize(6);
	}

	@Test
	void challengeWhenScopeHoldsQuoteThenReplaced() {
		assertThat(BearerChallenge.challenge(null, null, "a\"b")).endsWith("scope=\"a b\"");
	}

	@Test
	void describeWhenDecoderPrefixThenStripped() {
		assertThat(BearerChallenge.describe(DECODE_PREFIX + "Jwt expired at 2025-06-01T10:00:00Z", "fallback"))
			.isEqualTo("Jwt expired at 2025-06-01T10:00:00Z");
	}

	@Test
	void describeWhenNullOrBlankThenFallback() {
		assertThat(BearerChallenge.describe(null, "fallback")).isEqualTo("fallback");
		assertThat(BearerChallenge.describe(" \t", "fallback")).isEqualTo("fallback");
	}

	@Test
	void describeWhenControlCharactersThenSpacesAndStripped() {
		assertThat(BearerChallenge.describe("\r\nline one\r\nline two\u0007\n", "fallback"))
			.isEqualTo("line one  line two");
	}

	@Test
	void describeWhenLongThenBounded() {
		String described = BearerChallenge.describe(DECODE_PREFIX + "x".repeat(5000), "fallback");

		assertThat(described).hasSize(303).endsWith("...").startsWith("xxx");
	}

	@Test
	void describeWhenExactlyAtBoundThenKept() {
		String text = "y".repeat(300);

		assertThat(BearerChallenge.describe(text, "fallback")).isEqualTo(text);
	}

	@Test
	void challengeOfDescribedTextThenBoundedAndHeaderSafe() {
		String hostile = "\"\r\n".repeat(2000);

		String challenge = BearerChallenge.challenge("invalid_token", BearerChallenge.describe(hostile, "fallback"),
				null);

		assertThat(challenge).hasSizeLessThan(400).doesNotContain("\r", "\n");
		assertThat(challenge.chars().filter((c) -> c == '"')).hasSize(6);
	}

}
