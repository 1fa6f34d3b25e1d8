package com.graphpolicygateway.routing;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import com.jayway.jsonpath.JsonPath;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import com.graphpolicygateway.graph.GraphErrorResponder;

class MalformedRequestResponsesTests {

	final EmbeddedChannel channel = new EmbeddedChannel(new MalformedRequestResponses(
			new GraphErrorResponder(JsonMapper.builder().build(), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC))));

	@ParameterizedTest
	@CsvSource({ "400, invalidRequest", "414, requestTooLarge", "431, requestTooLarge" })
	void writeWhenNettyRefusesARequestItCannotParseThenTheAnswerHasGraphsShape(int status, String code) {
		this.channel.writeOutbound(nettyRefusal(HttpResponseStatus.valueOf(status)));

		FullHttpResponse answer = this.channel.readOutbound();
		String body = answer.content().toString(StandardCharsets.UTF_8);
		assertThat(answer.status().code()).isEqualTo(status);
		assertThat(answer.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/json");
		assertThat(answer.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(answer.content().readableBytes());
		assertThat(answer.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
		assertThat((String) JsonPath.read(body, "$.error.code")).isEqualTo(code);
		assertThat((String) JsonPath.read(body, "$.error.innerError.request-id"))
			.isEqualTo(answer.headers().get("request-id"));
	}

	@Test
	void writeWhenAnswerHasABodyThenItPassesUnchanged() {
		FullHttpResponse own = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
				Unpooled.copiedBuffer("{\"error\":{}}", StandardCharsets.UTF_8));
		own.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);

		this.channel.writeOutbound(own);

		assertThat((Object) this.channel.readOutbound()).isSameAs(own);
	}

	@Test
	void writeWhenEmptyAnswerKeepsTheConnectionThenItPassesUnchanged() {
		FullHttpResponse empty = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST);

		this.channel.writeOutbound(empty);

		assertThat((Object) this.channel.readOutbound()).isSameAs(empty);
	}

	@Test
	void writeWhenAnswerIsStreamedThenItPassesUnchanged() {
		HttpResponse streamed = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST);
		streamed.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);

		this.channel.writeOutbound(streamed);

		assertThat((Object) this.channel.readOutbound()).isSameAs(streamed);
	}

	/** What Reactor Netty writes for a request its decoder rejected. */
	private static FullHttpResponse nettyRefusal(HttpResponseStatus status) {
		FullHttpResponse refusal = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
		refusal.headers()
			.setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
			.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
		return refusal;
	}

}
