package com.graphpolicygateway.routing;

import java.util.List;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import com.graphpolicygateway.graph.BodyProperty;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.TestOperations;

/**
 * Tests for {@link BodyValidator}, with the seed's schema ({@code PATCH /users/{id}}).
 */
class BodyValidatorTests {

	private static final int MAX_DEPTH = 32;

	private final BodyValidator validator = new BodyValidator(MAX_DEPTH);

	private final Operation userUpdate = TestOperations.userUpdate();

	@Test
	void propertiesWhenScalarsStructuresAndNullThenValuesAsSent() throws Exception {
		byte[] body = TestPatchBodies.utf8("{\"displayName\":\"Ad\\u00e9le\",\"accountEnabled\":true,\"age\":4.50,"
				+ "\"passwordProfile\": {\"password\" : \"x\"},\"otherMails\":[\"a@b.c\"],\"jobTitle\":null}");

		assertThat(this.validator.properties(body, this.userUpdate)).containsExactly(
				new BodyProperty("displayName", "Ad\u00e9le"), new BodyProperty("accountEnabled", "true"),
				new BodyProperty("age", "4.50"), new BodyProperty("passwordProfile", "{\"password\" : \"x\"}"),
				new BodyProperty("otherMails", "[\"a@b.c\"]"), new BodyProperty("jobTitle", null));
	}

	private List<String> names(byte[] body) throws BodyValidator.InvalidBodyException {
		return this.validator.properties(body, this.userUpdate).stream().map(BodyProperty::name).toList();
	}

	@Test
	void topLevelPropertyNamesWhenUserObjectThenNamesInOrder() throws Exception {
		byte[] body = TestPatchBodies.user().property("accountEnabled", false).build();
		assertThat(names(body)).containsExactly("displayName", "jobTitle", "accountEnabled");
	}

	@Test
	void topLevelPropertyNamesWhenNestedObjectsAndArraysThenOnlyTopLevelNames() throws Exception {
		byte[] body = TestPatchBodies.user()
			.property("passwordProfile", Map.of("password", "s3cret", "forceChangePasswordNextSignIn", true))
			.property("businessPhones", new Object[] { "+1 425 555 0100", Map.of("nested", 1) })
			.build();
		assertThat(names(body)).containsExactly("displayName", "jobTitle", "passwordProfile", "businessPhones");
	}

	@Test
	void topLevelPropertyNamesWhenEmptyObjectThenNoNames() throws Exception {
		assertThat(names(TestPatchBodies.utf8("{}"))).isEmpty();
	}

	@Test
	void topLevelPropertyNamesWhenWhitespaceAroundObjectThenAccepted() throws Exception {
		byte[] body = TestPatchBodies.utf8(" \r\n\t" + TestPatchBodies.user().json() + " \r\n\t");
		assertThat(names(body)).containsExactly("displayName", "jobTitle");
	}

	@Test
	void topLevelPropertyNamesWhenEscapedPropertyNameThenUnescaped() throws Exception {
		byte[] body = TestPatchBodies.utf8("{\"job\\u0054itle\":\"x\"}");
		assertThat(names(body)).containsExactly("jobTitle");
	}

	@Test
	void topLevelPropertyNamesWhenODataTypeIsUserThenAccepted() throws Exception {
		byte[] body = TestPatchBodies.user().odataType(TestPatchBodies.USER_TYPE).build();
		assertThat(names(body)).containsExactly("@odata.type", "displayName", "jobTitle");
	}

	@Test
	void topLevelPropertyNamesWhenNestedODataTypeOfOtherTypeThenAccepted() throws Exception {
		byte[] body = TestPatchBodies.user()
			.property("passwordProfile", Map.of("@odata.type", "#microsoft.graph.passwordProfile"))
			.build();
		assertThat(names(body)).contains("passwordProfile");
	}

	@ParameterizedTest
	@MethodSource("otherODataTypes")
	void topLevelPropertyNamesWhenODataTypeIsNotUserThenRefused(Object type) {
		assertRefused(TestPatchBodies.user().odataType(type).build(), "@odata.type must be #microsoft.graph.user");
	}

	static Stream<Object> otherODataTypes() {
		return Stream.of("#microsoft.graph.group", "#microsoft.graph.user.extra", "microsoft.graph.user", "", 1, true,
				Map.of("type", TestPatchBodies.USER_TYPE));
	}

	@Test
	void topLevelPropertyNamesWhenODataTypeIsNullThenRefused() {
		assertRefused(TestPatchBodies.utf8("{\"@odata.type\":null}"), "@odata.type must be #microsoft.graph.user");
	}

	@Test
	void topLevelPropertyNamesWhenODataTypeNameIsEscapedThenStillChecked() {
		assertRefused(TestPatchBodies.utf8("{\"@odata\\u002etype\":\"#microsoft.graph.group\"}"),
				"@odata.type must be #microsoft.graph.user");
	}

	@Test
	void topLevelPropertyNamesWhenODataTypeComesLastThenStillChecked() {
		byte[] body = TestPatchBodies.user().property("@odata.type", "#microsoft.graph.group").build();
		assertRefused(body, "@odata.type must be #microsoft.graph.user");
	}

	@ParameterizedTest
	@ValueSource(
			strings = { "", " ", "\r\n", "[]", "[{\"displayName\":\"x\"}]", "\"displayName\"", "42", "null", "true" })
	void topLevelPropertyNamesWhenNotAnObjectThenRefused(String json) {
		assertRefused(TestPatchBodies.utf8(json), "must be one JSON object.");
	}

	@ParameterizedTest
	@ValueSource(strings = { "hello", "{displayName:\"x\"}", "{'displayName':'x'}", "{\"displayName\":\"x\",}",
			"{\"displayName\" \"x\"}", "{\"displayName\":\"x\" /* note */}", "{\"count\":NaN}",
			"{\"displayName\":\"x\"", "{\"displayName\":" })
	void topLevelPropertyNamesWhenNotValidJsonThenRefused(String json) {
		assertRefused(TestPatchBodies.utf8(json), "is not valid JSON");
	}

	@Test
	void topLevelPropertyNamesWhenNotValidJsonThenMessageSaysWhereButNotWhat() {
		byte[] body = TestPatchBodies.utf8("{\"passwordProfile\":{\"password\":hunter2}}");
		assertThatExceptionOfType(BodyValidator.InvalidBodyException.class).isThrownBy(() -> names(body))
			.withMessageContaining("line 1, column")
			.withMessageNotContaining("hunter2");
	}

	@ParameterizedTest
	@ValueSource(strings = { "{\"displayName\":\"x\"} x", "{\"displayName\":\"x\"}{}", "{\"displayName\":\"x\"}[]",
			"{\"displayName\":\"x\"}{\"accountEnabled\":false}" })
	void topLevelPropertyNamesWhenContentAfterObjectThenRefused(String json) {
		assertThatExceptionOfType(BodyValidator.InvalidBodyException.class)
			.isThrownBy(() -> names(TestPatchBodies.utf8(json)))
			.withMessageStartingWith("The request body ");
	}

	@Test
	void topLevelPropertyNamesWhenSecondObjectFollowsThenRefusedAsTrailingContent() {
		assertRefused(TestPatchBodies.utf8(TestPatchBodies.user().json() + "{}"), "with nothing after it");
	}

	@Test
	void topLevelPropertyNamesWhenDuplicateTopLevelNameThenRefused() {
		byte[] body = TestPatchBodies.utf8("{\"accountEnabled\":true,\"accountEnabled\":false}");
		assertRefused(body, "names a property twice");
	}

	@Test
	void topLevelPropertyNamesWhenDuplicateODataTypeThenRefused() {
		byte[] body = TestPatchBodies
			.utf8("{\"@odata.type\":\"#microsoft.graph.user\",\"@odata.type\":\"#microsoft.graph.group\"}");
		assertRefused(body, "names a property twice");
	}

	@Test
	void topLevelPropertyNamesWhenDuplicateNestedNameThenRefused() {
		byte[] body = TestPatchBodies.utf8("{\"passwordProfile\":{\"password\":\"a\",\"password\":\"b\"}}");
		assertRefused(body, "names a property twice");
	}

	@Test
	void topLevelPropertyNamesWhenNestedToMaxDepthThenAccepted() throws Exception {
		assertThat(names(TestPatchBodies.nestedArrays(MAX_DEPTH))).containsExactly("a");
		assertThat(names(TestPatchBodies.nestedObjects(MAX_DEPTH))).containsExactly("a");
	}

	@Test
	void topLevelPropertyNamesWhenNestedBeyondMaxDepthThenRefused() {
		assertRefused(TestPatchBodies.nestedArrays(MAX_DEPTH + 1), "nested too deeply");
		assertRefused(TestPatchBodies.nestedObjects(MAX_DEPTH + 1), "nested too deeply");
	}

	@Test
	void topLevelPropertyNamesWhenNestedTenThousandLevelsThenRefusedWithoutStackOverflow() {
		assertRefused(TestPatchBodies.nestedArrays(10_000), "nested too deeply");
		assertRefused(TestPatchBodies.nestedObjects(10_000), "nested too deeply");
	}

	@ParameterizedTest
	@MethodSource("invalidUtf8")
	void topLevelPropertyNamesWhenInvalidUtf8ThenRefused(byte[] body) {
		assertRefused(body, "is not valid UTF-8");
	}

	static Stream<Arguments> invalidUtf8() {
		return Stream.of(arguments((Object) TestPatchBodies.withRawBytes("{\"a\":\"", new int[] { 0xC3, 0x28 }, "\"}")),
				arguments((Object) TestPatchBodies.withRawBytes("{\"a\":\"", new int[] { 0xFF }, "\"}")),
				arguments((Object) TestPatchBodies.withRawBytes("{\"a\":\"", new int[] { 0x80 }, "\"}")),
				arguments((Object) TestPatchBodies.withRawBytes("{\"a\":\"", new int[] { 0xE2, 0x82 }, "\"}")),
				arguments((Object) TestPatchBodies.withRawBytes("{\"", new int[] { 0xC3, 0x28 }, "\":1}")));
	}

	// Overlong forms, UTF-16 surrogates and code points above U+10FFFF are not UTF-8
	// (RFC 3629), and a strict decoder upstream would read them differently.
	@ParameterizedTest
	@MethodSource("utf8ThatJacksonToleratesButIsNotUtf8")
	void topLevelPropertyNamesWhenOverlongSurrogateOrOutOfRangeUtf8ThenRefused(byte[] body) {
		assertRefused(body, "is not valid UTF-8");
	}

	static Stream<Arguments> utf8ThatJacksonToleratesButIsNotUtf8() {
		return Stream.of(arguments((Object) TestPatchBodies.withRawBytes("{\"a\":\"", new int[] { 0xC0, 0xAF }, "\"}")),
				arguments((Object) TestPatchBodies.withRawBytes("{\"a\":\"", new int[] { 0xED, 0xA0, 0x80 }, "\"}")),
				arguments((Object) TestPatchBodies.withRawBytes("{\"a\":\"", new int[] { 0xF4, 0x90, 0x80, 0x80 },
						"\"}")));
	}

	@Test
	void topLevelPropertyNamesWhenPropertyNameHasOverlongUtf8ThenRefused() {
		// C1 85 is an overlong 'E': a lenient decoder reads "accountEnabled".
		byte[] body = TestPatchBodies.withRawBytes("{\"account", new int[] { 0xC1, 0x85 }, "nabled\":true}");
		assertRefused(body, "is not valid UTF-8");
	}

	@ParameterizedTest
	@ValueSource(strings = { "UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32BE" })
	void topLevelPropertyNamesWhenEncodedInOtherUnicodeEncodingThenRefused(String charset) {
		byte[] body = TestPatchBodies.user().json().getBytes(Charset.forName(charset));
		assertThatExceptionOfType(BodyValidator.InvalidBodyException.class).isThrownBy(() -> names(body));
	}

	@Test
	void topLevelPropertyNamesWhenRawNulByteInStringThenRefused() {
		assertRefused(TestPatchBodies.withRawBytes("{\"displayName\":\"a", new int[] { 0x00 }, "b\"}"),
				"is not valid JSON");
	}

	@Test
	void topLevelPropertyNamesWhenRawNulByteBetweenTokensThenRefused() {
		assertRefused(TestPatchBodies.withRawBytes("{\"displayName\":\"a\"", new int[] { 0x00 }, "}"),
				"is not valid JSON");
		assertRefused(TestPatchBodies.withRawBytes(TestPatchBodies.user().json(), new int[] { 0x00 }, ""),
				"is not valid JSON");
	}

	@Test
	void topLevelPropertyNamesWhenEscapedNulInStringThenAccepted() throws Exception {
		byte[] body = "{\"displayName\":\"a\\u0000b\"}".getBytes(StandardCharsets.UTF_8);
		assertThat(names(body)).containsExactly("displayName");
	}

	private void assertRefused(byte[] body, String expectedReason) {
		assertThatExceptionOfType(BodyValidator.InvalidBodyException.class).isThrownBy(() -> names(body))
			.withMessageStartingWith("The request body")
			.withMessageContaining(expectedReason);
	}

}
