package com.graphpolicygateway.routing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;

/** Makes a {@link GraphErrorResponder} on a fixed clock and reads back what it wrote. */
final class TestGraphErrors {

	static final JsonMapper JSON = JsonMapper.builder().build();

	static final Instant NOW = Instant.parse("2024-05-06T07:08:09.123Z");

	private TestGraphErrors() {
	}

	static GraphErrorResponder responder() {
		return new GraphErrorResponder(JSON, Clock.fixed(NOW, ZoneOffset.UTC));
	}

	/** The {@code error} object of the response body. */
	static JsonNode errorOf(MockServerWebExchange exchange) {
		return bodyOf(exchange.getResponse()).get("error");
	}

	static JsonNode bodyOf(MockServerHttpResponse response) {
		String body = response.getBodyAsString().block();
		return JSON.readTree(body);
	}

	static byte[] bytesOf(DataBuffer buffer) {
		try {
			byte[] bytes = new byte[buffer.readableByteCount()];
			buffer.read(bytes);
			return bytes;
		}
		finally {
			DataBufferUtils.release(buffer);
		}
	}

}
