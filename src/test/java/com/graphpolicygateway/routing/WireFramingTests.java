package com.graphpolicygateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link WireFraming}. */
class WireFramingTests {

	private static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	private final Events events = new Events();

	private final WireFraming framing = new WireFraming(this.events);

	@Test
	void readWhenRequestWithContentLengthThenOneHeadAndItsBodySkipped() {
		read(patch("Content-Length: " + BODY.length()) + BODY);

		assertThat(this.events.heads).containsExactly(new WireFraming.Head(false, true, false, BODY.length()));
		assertThat(this.events.log).containsExactly("started", "line", "ended");
	}

	@Test
	void readWhenBodyLooksLikeAHeadThenItIsSkippedAsBody() {
		String body = "GET / HTTP/1.1\r\n X-Folded: yes\r\n\r\n";

		read(patch("Content-Length: " + body.length()) + body);

		assertThat(this.events.heads).singleElement().satisfies((head) -> assertThat(head.folded()).isFalse());
	}

	@Test
	void readWhenPipelinedRequestsThenEveryHeadInOrder() {
		read(patch("Content-Length: " + BODY.length()) + BODY + get() + patch("Transfer-Encoding: chunked")
				+ chunked(BODY) + get());

		assertThat(this.events.heads).containsExactly(new WireFraming.Head(false, true, false, BODY.length()),
				new WireFraming.Head(false, true, false, -1), new WireFraming.Head(false, true, true, -1),
				new WireFraming.Head(false, true, false, -1));
	}

	@Test
	void readWhenBytesArriveOneByOneThenTheSameHeads() {
		String requests = patch("Content-Length: " + BODY.length()) + BODY
				+ patch("transfer-encoding:  Chunked ", "X-Trailer-Next: 1") + chunked(BODY, "Trailer: x") + get();

		for (byte value : requests.getBytes(StandardCharsets.ISO_8859_1)) {
			this.framing.read(Unpooled.wrappedBuffer(new byte[] { value }));
		}

		assertThat(this.events.heads).containsExactly(new WireFraming.Head(false, true, false, BODY.length()),
				new WireFraming.Head(false, true, true, -1), new WireFraming.Head(false, true, false, -1));
	}

	@Test
	void readWhenChunkHasExtensionsAndHexSizeThenFollowed() {
		String data = "a".repeat(300);

		read(patch("Transfer-Encoding: chunked") + "12C;name=value\r\n" + data + "\r\n0\r\n\r\n" + get());

		assertThat(this.events.heads).hasSize(2).allSatisfy((head) -> assertThat(head.followed()).isTrue());
	}

	@Test
	void readWhenHeadersFoldedThenTheHeadSaysSo() {
		read("PATCH /users/x HTTP/1.1\r\nHost: gateway\r\nX-Folded: a\r\n\tb\r\nContent-Length: 0\r\n\r\n");

		assertThat(this.events.heads).singleElement().satisfies((head) -> assertThat(head.folded()).isTrue());
	}

	@Test
	void readWhenFirstHeaderLineStartsWithASpaceThenFolded() {
		read("PATCH /users/x HTTP/1.1\r\n Host: gateway\r\n\r\n");

		assertThat(this.events.heads).singleElement().satisfies((head) -> assertThat(head.folded()).isTrue());
	}

	@Test
	void readWhenBlankLinesBeforeTheRequestLineThenTheHeadStartsWithThemAndTheRequestLineLater() {
		read("\r\n\r\n");

		assertThat(this.events.log).containsExactly("started");

		read(get());

		assertThat(this.events.log).containsExactly("started", "line", "ended");
		assertThat(this.events.heads).containsExactly(new WireFraming.Head(false, true, false, -1));
	}

	@ParameterizedTest
	@ValueSource(strings = { "Transfer-Encoding: gzip, chunked", "Transfer-Encoding: chunked, gzip",
			"Transfer-Encoding: identity", "Content-Length: 5|Transfer-Encoding: chunked",
			"Content-Length: 5|Content-Length: 5", "Transfer-Encoding: chunked|Transfer-Encoding: chunked",
			"Content-Length: +5", "Content-Length: 5, 5", "Content-Length: 99999999999999999999" })
	void readWhenFramingIsNotOneLengthOrChunkedThenNotFollowedAndLaterBytesIgnored(String headers) {
		read(patch(headers.split("\\|")) + "0\r\n\r\n" + get());

		assertThat(this.events.heads).singleElement().satisfies((head) -> assertThat(head.followed()).isFalse());
	}

	@Test
	void readWhenFramingLineLongerThanKeptThenNotFollowed() {
		read(patch("Content-Length:" + " ".repeat(WireFraming.MAX_FRAMING_LINE) + "0"));

		assertThat(this.events.heads).singleElement().satisfies((head) -> assertThat(head.followed()).isFalse());
	}

	@Test
	void readWhenOtherLongHeaderThenFollowed() {
		read(patch("Authorization: Bearer " + "a".repeat(5000), "Content-Length: 2") + "{}" + get());

		assertThat(this.events.heads).containsExactly(new WireFraming.Head(false, true, false, 2),
				new WireFraming.Head(false, true, false, -1));
	}

	@Test
	void readWhenChunkSizeUnreadableThenLaterHeadsNotSeen() {
		read(patch("Transfer-Encoding: chunked") + "zz\r\n" + get());

		assertThat(this.events.heads).hasSize(1);
	}

	@Test
	void readWhenHeadIncompleteThenStartedOnly() {
		read("PATCH /users/x HTTP/1.1\r\nHost: gat");

		assertThat(this.events.log).containsExactly("started", "line");
		assertThat(this.events.heads).isEmpty();
	}

	@Test
	void readWhenBodyIncompleteThenTheNextHeadNotStarted() {
		read(patch("Content-Length: 100") + "{");

		assertThat(this.events.log).containsExactly("started", "line", "ended");

		read("a".repeat(99) + "G");

		assertThat(this.events.log).containsExactly("started", "line", "ended", "started", "line");
	}

	@Test
	void readDoesNotMoveTheReaderIndex() {
		ByteBuf bytes = Unpooled.copiedBuffer(get(), StandardCharsets.US_ASCII);

		this.framing.read(bytes);

		assertThat(bytes.readerIndex()).isZero();
	}

	private void read(String bytes) {
		this.framing.read(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
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

	private static String chunked(String body, String... trailers) {
		StringBuilder chunks = new StringBuilder();
		chunks.append(Integer.toHexString(5)).append("\r\n").append(body, 0, 5).append("\r\n");
		chunks.append(Integer.toHexString(body.length() - 5)).append("\r\n").append(body.substring(5)).append("\r\n");
		chunks.append("0\r\n");
		for (String trailer : trailers) {
			chunks.append(trailer).append("\r\n");
		}
		return chunks.append("\r\n").toString();
	}

	/** What the framing told, in order. */
	private static final class Events implements WireFraming.Listener {

		final List<String> log = new ArrayList<>();

		final List<WireFraming.Head> heads = new ArrayList<>();

		@Override
		public void headStarted() {
			this.log.add("started");
		}

		@Override
		public void requestLineStarted() {
			this.log.add("line");
		}

		@Override
		public void headEnded(WireFraming.Head head) {
			this.log.add("ended");
			this.heads.add(head);
		}

	}

}
