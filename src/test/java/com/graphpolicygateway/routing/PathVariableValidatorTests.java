package com.graphpolicygateway.routing;

import java.util.Locale;

import org.junit.jupiter.api.Test;

import com.graphpolicygateway.graph.IdPattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link PathVariableValidator}, on the seed's user ids.
 */
class PathVariableValidatorTests {

	private static final int MAX_LENGTH = 64;

	private final PathVariableValidator validator = new PathVariableValidator(MAX_LENGTH);

	@Test
	void validateWhenGuidThenAccepted() {
		String guid = TestUserIds.guid();
		assertAccepted(guid, guid);
	}

	@Test
	void validateWhenUpperCaseGuidThenAccepted() {
		String guid = TestUserIds.guid().toUpperCase(Locale.ROOT);
		assertAccepted(guid, guid);
	}

	@Test
	void validateWhenUserPrincipalNameThenAccepted() {
		String upn = TestUserIds.userPrincipalName();
		assertAccepted(upn, upn);
	}

	@Test
	void validateWhenUserPrincipalNameHasEncodedAtSignThenDecodedOnce() {
		String upn = TestUserIds.userPrincipalName();
		assertAccepted(upn.replace("@", "%40"), upn);
	}

	@Test
	void validateWhenGuestUserPrincipalNameThenHashesDecoded() {
		assertAccepted("alice_contoso.com%23EXT%23@fabrikam.onmicrosoft.com",
				TestUserIds.guestUserPrincipalName("alice@contoso.com", "fabrikam.onmicrosoft.com"));
	}

	@Test
	void validateWhenGuestUserPrincipalNameEncodedByClientThenAccepted() {
		String guest = TestUserIds.guestUserPrincipalName(TestUserIds.userPrincipalName(), "fabrikam.onmicrosoft.com");
		assertAccepted(TestUserIds.encoded(guest), guest);
	}

	@Test
	void validateWhenExactlyMaxLengthThenAccepted() {
		String upn = TestUserIds.userPrincipalNameOfLength(MAX_LENGTH);
		assertAccepted(upn, upn);
	}

	@Test
	void validateWhenLongerThanMaxLengthThenRefused() {
		assertRefused(TestUserIds.userPrincipalNameOfLength(MAX_LENGTH + 1), "longer than " + MAX_LENGTH);
	}

	@Test
	void validateWhenEncodedFormLongButDecodedWithinMaxLengthThenAccepted() {
		String upn = TestUserIds.userPrincipalNameOfLength(MAX_LENGTH);
		String encoded = upn.replace("a", "%61");
		assertThat(encoded.length()).isGreaterThan(MAX_LENGTH);
		assertAccepted(encoded, upn);
	}

	@Test
	void validateWhenRawSegmentLongerThanThreeTimesMaxLengthThenRefusedBeforeDecoding() {
		assertRefused("%61".repeat(MAX_LENGTH) + "a", "longer than " + MAX_LENGTH);
	}

	@Test
	void validateWhenLocalPartLongerThanEntraAllowsThenRefused() {
		PathVariableValidator lenient = new PathVariableValidator(1024);
		assertThat(
				lenient.validate(TestUserIds.userPrincipalName("a".repeat(114)), IdPattern.USER, "user id").refusal())
			.contains("GUID or a user principal name");
	}

	@ParameterizedTest
	@ValueSource(strings = { "%2F", "%2f", "a%2Fb@contoso.example", "%2F..%2Fgroups", "%5C", "%5c",
			"adele%5C@contoso.example" })
	void validateWhenEncodedSlashOrBackslashThenRefused(String raw) {
		assertRefused(raw, "encoded slash or backslash");
	}

	@ParameterizedTest
	@ValueSource(strings = { ".", "..", "%2e", "%2e%2e", "%2E%2E", ".%2e", "%2e." })
	void validateWhenDotSegmentThenRefused(String raw) {
		assertRefused(raw, "dot segment");
	}

	@ParameterizedTest
	@ValueSource(strings = { "%252F", "%252f", "%255C", "%252e%252e", "adele%2540contoso.example", "%2525" })
	void validateWhenDoubleEncodedThenRefused(String raw) {
		assertRefused(raw, "percent-encoded once, not twice");
	}

	@ParameterizedTest
	@ValueSource(strings = { ";x=1", "adele.vance@contoso.example;x=1", "adele.vance@contoso.example;" })
	void validateWhenMatrixParametersThenRefused(String raw) {
		assertRefused(raw, "matrix parameters");
	}

	@ParameterizedTest
	@ValueSource(strings = { "%0D%0A", "adele%0D%0AX-Injected:1@contoso.example", "%00", "adele%09@contoso.example",
			"%7F", "%C2%85" })
	void validateWhenControlCharactersThenRefused(String raw) {
		assertRefused(raw, "control characters");
	}

	@ParameterizedTest
	@ValueSource(strings = { "%", "%4", "adele%", "%ZZ", "%G0", "%-1", "%C3", "%C3%28", "%C0%AF", "%FF", "%ED%A0%80",
			"%F4%90%80%80" })
	void validateWhenPercentEscapeInvalidOrNotUtf8ThenRefused(String raw) {
		assertRefused(raw, "not correctly percent-encoded UTF-8");
	}

	@Test
	void validateWhenUnencodedNonAsciiCharacterThenRefused() {
		assertRefused("zo\u00eb@contoso.example", "not correctly percent-encoded UTF-8");
	}

	// Only ASCII hex digits form a percent escape (RFC 3986 HEXDIG); Character.digit
	// also takes fullwidth digits, which would let "%\uFF14\uFF11" decode to 'A'.
	@Test
	void validateWhenPercentEscapeUsesNonAsciiHexDigitsThenRefused() {
		assertRefused("%\uFF14\uFF11dele@contoso.example", "not correctly percent-encoded UTF-8");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "adele", "@contoso.example", "adele@", "adele@-contoso.example",
			"adele%20vance@contoso.example", "adele vance@contoso.example", "%3Bx=1", "zo%C3%AB@contoso.example",
			"{00000000-0000-0000-0000-000000000000}", "00000000-0000-0000-0000-00000000000" })
	void validateWhenNeitherGuidNorUserPrincipalNameThenRefused(String raw) {
		assertRefused(raw, "GUID or a user principal name");
	}

	private void assertAccepted(String raw, String expectedUserId) {
		PathVariableValidator.Result result = this.validator.validate(raw, IdPattern.USER, "user id");
		assertThat(result.refusal()).isNull();
		assertThat(result.id()).isEqualTo(expectedUserId);
	}

	private void assertRefused(String raw, String expectedReason) {
		PathVariableValidator.Result result = this.validator.validate(raw, IdPattern.USER, "user id");
		assertThat(result.id()).isNull();
		assertThat(result.refusal()).contains(expectedReason);
	}

}
