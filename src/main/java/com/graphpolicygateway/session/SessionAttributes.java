package com.graphpolicygateway.session;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.data.redis.serializer.SerializationException;
import org.springframework.security.jackson.SecurityJacksonModules;
import org.springframework.security.web.server.csrf.DefaultCsrfToken;

/**
 * A session's attributes (the Spring Security context of the signed-in user, the
 * sign-in's authorization request, the CSRF token, the page to return to) as JSON, in
 * Redis and in the audit database alike.
 * <p>
 * JSON with Spring Security's Jackson modules rather than Java serialization: a stored
 * session names the class of each value, and reading it back instantiates only the
 * classes on Spring Security's allow-list. Java serialization would instantiate whatever
 * class the stored bytes name, so that anyone able to write to Redis or to the session
 * table could run code in every replica through a deserialization gadget.
 */
final class SessionAttributes {

	private static final TypeReference<Map<String, @Nullable Object>> ATTRIBUTES = new TypeReference<>() {
	};

	private final JsonMapper json;

	SessionAttributes(ClassLoader classLoader) {
		// Beyond Spring Security's own list: the JDK's immutable collections (List.of,
		// Stream.toList) that hold the user's roles, WebFlux's CSRF token (read by
		// Spring Security's module but not listed), and the numbers that Spring
		// Session's Redis store keeps (times, the inactive interval).
		BasicPolymorphicTypeValidator.Builder allowed = BasicPolymorphicTypeValidator.builder()
			.allowIfSubType("java.util.ImmutableCollections$")
			.allowIfSubType(DefaultCsrfToken.class)
			.allowIfSubType(Long.class)
			.allowIfSubType(Integer.class)
			.allowIfSubType(Boolean.class);
		JsonMapper.Builder builder = JsonMapper.builder()
			.addModules(SecurityJacksonModules.getModules(classLoader, allowed));
		// Every value is stored with its class, which must be allowed to be read.
		this.json = builder.activateDefaultTypingAsProperty(allowed.build(), DefaultTyping.NON_FINAL, "@class").build();
	}

	/** All attributes of a session, as one JSON document. */
	String write(Map<String, Object> attributes) {
		return this.json.writerFor(ATTRIBUTES).writeValueAsString(attributes);
	}

	/**
	 * The attributes of {@link #write}; refused ({@link IllegalArgumentException}) when
	 * they name a class that is not allowed.
	 */
	Map<String, Object> read(String attributes) {
		try {
			Map<String, @Nullable Object> read = this.json.readerFor(ATTRIBUTES).readValue(attributes);
			Map<String, Object> values = new LinkedHashMap<>();
			read.forEach((name, value) -> {
				if (value != null) {
					values.put(name, value);
				}
			});
			return values;
		}
		catch (JacksonException ex) {
			// The message may quote the stored value: only its type goes further.
			throw new IllegalArgumentException(
					"Stored session attributes could not be read (" + ex.getClass().getSimpleName() + ")");
		}
	}

	/** One value at a time, as Spring Session's Redis store keeps them. */
	RedisSerializer<Object> redisSerializer() {
		return new RedisSerializer<>() {

			@Override
			public byte[] serialize(@Nullable Object value) {
				return SessionAttributes.this.json.writerFor(Object.class)
					.writeValueAsString(value)
					.getBytes(StandardCharsets.UTF_8);
			}

			@Override
			public @Nullable Object deserialize(byte @Nullable [] bytes) {
				if (bytes == null || bytes.length == 0) {
					return null;
				}
				try {
					return SessionAttributes.this.json.readerFor(Object.class).readValue(bytes);
				}
				catch (JacksonException ex) {
					throw new SerializationException(
							"Stored session value could not be read (" + ex.getClass().getSimpleName() + ")");
				}
			}

		};
	}

}
