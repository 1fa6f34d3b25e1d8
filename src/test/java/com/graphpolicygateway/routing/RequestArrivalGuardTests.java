package com.graphpolicygateway.routing;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.netty.NettyPipeline;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import com.graphpolicygateway.graph.GraphErrorResponder;

/**
 * Tests for {@link RequestArrivalGuard}, on an embedded channel whose clock the test
 * moves: no test waits for real time to pass.
 */
class RequestArrivalGuardTests {

	private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(10);

	private static final Duration BODY_TIMEOUT = Duration.ofSeconds(30);

	private static final long GRACE_MILLIS = TimeUnit.SECONDS.toMillis(RequestArrivalGuard.BODY_GRACE_SECONDS);

	private final EmbeddedChannel channel = channel();

	@AfterEach
	void closeChannel() {
		this.channel.finishAndReleaseAll();
	}

	@Test
	void connectionWhenNothingArrivesThenClosedWithoutAnswerAtTheHeadTimeout() {
		advance(HEAD_TIMEOUT.toMillis() - 1);
		assertThat(this.channel.isOpen()).isTrue();

		advance(1);

		assertThat(this.channel.isOpen()).isFalse();
		assertThat(written()).isEmpty();
	}

	@Test
	void headWhenRequestLineBegunAndNotCompleteThenRequestTimeoutInGraphShapeAndClosed() {
		read("PATCH /users/ad");

		advance(HEAD_TIMEOUT.toMillis());

		assertThat(written()).startsWith("HTTP/1.1 408 Request Timeout\r\n")
			.contains("connection: close")
			.contains("\"code\":\"requestTimeout\"");
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void headWhenLinesKeepArrivingThenStillDueAtTheHeadTimeoutFromAccept() {
		read("PATCH /users/adele HTTP/1.1\r\n");
		for (int i = 0; i < 9; i++) {
			advance(1000);
			read("X-Line-" + i + ": dribbled\r\n");
		}
		assertThat(this.channel.isOpen()).isTrue();

		advance(1000);

		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void headWhenOnlyBlankLinesArrivedThenClosedWithoutAnswer() {
		read("\r\n\r\n");

		advance(HEAD_TIMEOUT.toMillis());

		assertThat(this.channel.isOpen()).isFalse();
		assertThat(written()).isEmpty();
	}

	@Test
	void keptAliveConnectionWhenIdleAfterAnAnswerThenLeftToTheIdleTimeout() {
		read(get());
		answer(HttpResponseStatus.OK);

		advance(HEAD_TIMEOUT.toMillis() * 10);

		assertThat(this.channel.isOpen()).isTrue();
	}

	@Test
	void keptAliveConnectionWhenNextHeadBeginsThenDueAtTheHeadTimeoutFromItsFirstByte() {
		read(get());
		answer(HttpResponseStatus.OK);
		advance(60_000);

		read("GET /au");
		advance(HEAD_TIMEOUT.toMillis() - 1);
		assertThat(this.channel.isOpen()).isTrue();
		advance(1);

		assertThat(this.channel.isOpen()).isFalse();
		assertThat(written()).startsWith("HTTP/1.1 408");
	}

	@Test
	void headWhenArrivingBehindARequestInProgressThenDueFromThatRequestsAnswer() {
		read(get() + "GET /au");
		advance(HEAD_TIMEOUT.toMillis() * 5);
		assertThat(this.channel.isOpen()).as("a request waiting for Graph is never cut short").isTrue();

		answer(HttpResponseStatus.OK);
		advance(HEAD_TIMEOUT.toMillis() - 1);
		assertThat(this.channel.isOpen()).isTrue();
		advance(1);

		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void answerWhenInformationalThenTheRequestIsStillInProgress() {
		read(get() + "GET /au");
		this.channel.writeOutbound(
				new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));

		advance(HEAD_TIMEOUT.toMillis() * 5);

		assertThat(this.channel.isOpen()).isTrue();
	}

	@Test
	void pipelinedRequestsWhenAnsweredInTurnThenNoTimeoutBetweenThem() {
		read(get() + get() + get());

		for (int i = 0; i < 3; i++) {
			advance(HEAD_TIMEOUT.toMillis() * 2);
			answer(HttpResponseStatus.OK);
		}
		advance(HEAD_TIMEOUT.toMillis() * 2);

		assertThat(this.channel.isOpen()).isTrue();
		assertThat(requests()).hasSize(3);
	}

	@Test
	void bodyWhenIncompleteAndItsRequestUnansweredThenClosedAfterTheBodyTimeoutAndTheGrace() {
		read(patch("Content-Length: 100") + "{\"a\":");
		advance(BODY_TIMEOUT.toMillis() + GRACE_MILLIS - 1);
		assertThat(this.channel.isOpen()).as("the route answers a late body itself first").isTrue();

		advance(1);

		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void bodyWhenIncompleteAndItsRequestAlreadyAnsweredThenClosedAtTheBodyTimeout() {
		read(patch("Content-Length: 100") + "{\"a\":");
		answer(HttpResponseStatus.UNAUTHORIZED);
		for (int i = 0; i < 29; i++) {
			advance(1000);
			read("1");
		}
		assertThat(this.channel.isOpen()).isTrue();

		advance(1000);

		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void bodyWhenSlowerThanTheHeadTimeoutThenNotAHead() {
		read(patch("Content-Length: 3") + "{");
		advance(HEAD_TIMEOUT.toMillis() * 2);
		read("}");
		advance(1000);
		read("\n");

		assertThat(this.channel.isOpen()).isTrue();
		assertThat(requests()).singleElement()
			.satisfies((request) -> assertThat(request.decoderResult().isSuccess()).isTrue());
	}

	@ParameterizedTest
	@ValueSource(strings = { "X-Folded: a|\tb|Content-Length: 0", "Transfer-Encoding: gzip, chunked",
			"Transfer-Encoding: chunked|Transfer-Encoding: chunked", "Content-Length: 2|Content-Length: 2",
			"Content-Length: 2|Transfer-Encoding: chunked" })
	void requestWhenItsBytesAreAmbiguousThenADecodingFailure(String headers) {
		read(patch(headers.split("\\|")) + "0\r\n\r\n");

		assertThat(requests()).first().satisfies((request) -> assertThat(request.decoderResult().isFailure()).isTrue());
	}

	@Test
	void requestWhenItsFramingLineIsTooLongToFollowThenADecodingFailure() {
		read(patch("Content-Length:" + " ".repeat(WireFraming.MAX_FRAMING_LINE) + "0"));

		assertThat(requests()).first().satisfies((request) -> assertThat(request.decoderResult().isFailure()).isTrue());
	}

	@Test
	void requestWhenChunkedThenDecodedAsItsBytesState() {
		read(patch("Transfer-Encoding: Chunked") + "2\r\n{}\r\n0\r\n\r\n" + get());

		assertThat(requests()).hasSize(2)
			.allSatisfy((request) -> assertThat(request.decoderResult().isSuccess()).isTrue());
	}

	private static EmbeddedChannel channel() {
		EmbeddedChannel channel = new EmbeddedChannel();
		channel.freezeTime();
		channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec());
		RequestArrivalGuard.install(channel.pipeline(), HEAD_TIMEOUT, BODY_TIMEOUT,
				new GraphErrorResponder(JsonMapper.builder().build(), Clock.systemUTC()));
		return channel;
	}

	private void read(String bytes) {
		this.channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
	}

	private void advance(long millis) {
		this.channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
		this.channel.runScheduledPendingTasks();
		this.channel.runPendingTasks();
	}

	private void answer(HttpResponseStatus status) {
		DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
				Unpooled.EMPTY_BUFFER);
		response.headers().setInt("content-length", 0);
		this.channel.writeOutbound(response);
		written();
	}

	/** The requests decoded so far; their contents are released. */
	private List<HttpRequest> requests() {
		List<HttpRequest> requests = new ArrayList<>();
		for (Object message = this.channel.readInbound(); message != null; message = this.channel.readInbound()) {
			if (message instanceof HttpRequest request) {
				requests.add(request);
			}
			ReferenceCountUtil.release(message);
		}
		return requests;
	}

	/** What was written to the connection since the last look, as text. */
	private String written() {
		StringBuilder written = new StringBuilder();
		for (Object message = this.channel.readOutbound(); message != null; message = this.channel.readOutbound()) {
			if (message instanceof ByteBuf bytes) {
				written.append(bytes.toString(StandardCharsets.ISO_8859_1));
			}
			ReferenceCountUtil.release(message);
		}
		return written.toString();
	}

	private static String patch(String... headers) {
		StringBuilder head = new StringBuilder("PATCH /users/adele HTTP/1.1\r\nHost: gateway\r\n");
		for (String header : headers) {
			head.append(header).append("\r\n");
		}
		return head.append("\r\n").toString();
	}

	private static String get() {
		return "GET /audit HTTP/1.1\r\nHost: gateway\r\n\r\n";
	}

}
