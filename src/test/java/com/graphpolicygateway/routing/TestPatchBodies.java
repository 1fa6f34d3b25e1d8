package com.graphpolicygateway.routing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

/**
 * Builds PATCH bodies: valid Graph user objects by default, and the malformed ones the
 * guard refuses.
 */
final class TestPatchBodies {

	/** The {@code @odata.type} of a user, which the seed's bodies may name. */
	static final String USER_TYPE = "#microsoft.graph.user";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private TestPatchBodies() {
	}

	/** A user object that passes the guard. */
	static Builder user() {
		return new Builder().property("displayName", "Adele Vance").property("jobTitle", "Retail Manager");
	}

	/**
	 * An object holding {@code depth - 1} nested arrays, so that the nesting depth is
	 * {@code depth}.
	 */
	static byte[] nestedArrays(int depth) {
		return utf8("{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}");
	}

	/** {@code depth} objects, each the only property of the one around it. */
	static byte[] nestedObjects(int depth) {
		return utf8("{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1));
	}

	/** A valid user object of exactly {@code size} bytes (at least 18). */
	static byte[] ofSize(int size) {
		String open = "{\"displayName\":\"";
		String close = "\"}";
		return utf8(open + "a".repeat(size - open.length() - close.length()) + close);
	}

	/**
	 * The UTF-8 of {@code before}, then raw bytes that need not be UTF-8, then the UTF-8
	 * of {@code after}.
	 */
	static byte[] withRawBytes(String before, int[] raw, String after) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		bytes.writeBytes(utf8(before));
		for (int b : raw) {
			bytes.write(b);
		}
		bytes.writeBytes(utf8(after));
		return bytes.toByteArray();
	}

	static byte[] utf8(String json) {
		return json.getBytes(StandardCharsets.UTF_8);
	}

	/** A JSON object under construction; properties keep their order. */
	static final class Builder {

		private final Map<String, Object> properties = new LinkedHashMap<>();

		private Builder() {
		}

		Builder property(String name, Object value) {
			this.properties.put(name, value);
			return this;
		}

		/** Puts {@code @odata.type} first, where Graph clients write it. */
		Builder odataType(Object type) {
			Map<String, Object> rest = new LinkedHashMap<>(this.properties);
			this.properties.clear();
			this.properties.put(BodyValidator.ODATA_TYPE, type);
			this.properties.putAll(rest);
			return this;
		}

		String json() {
			return JSON.writeValueAsString(this.properties);
		}

		byte[] build() {
			return utf8(json());
		}

	}

}
