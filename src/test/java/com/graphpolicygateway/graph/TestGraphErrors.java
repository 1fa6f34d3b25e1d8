package com.graphpolicygateway.graph;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import com.graphpolicygateway.graph.GraphErrorResponder;

/** Makes a {@link GraphErrorResponder} on a fixed clock and reads back what it wrote. */
public final class TestGraphErrors {

	public static final JsonMapper JSON = JsonMapper.builder().build();

	public static final Instant NOW = Instant.parse("2024-05-06T07:08:09.123Z");

	private TestGraphErrors() {
	}

	public static GraphErrorResponder responder() {
		return new GraphErrorResponder(JSON, Clock.fixed(NOW, ZoneOffset.UTC));
	}

	/** The {@code error} object of the response body. */
	public static JsonNode errorOf(MockServerWebExchange exchange) {
		return bodyOf(exchange.getResponse()).get("error");
	}

	public static JsonNode bodyOf(MockServerHttpResponse response) {
		String body = response.getBodyAsString().block();
		return JSON.readTree(body);
	}

	public static byte[] bytesOf(DataBuffer buffer) {
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
