package com.graphpolicygateway.routing;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import org.springframework.util.Assert;

/**
 * Follows the HTTP/1.1 request framing on the raw bytes of one connection, as Netty's
 * decoder reads them next: where each request head begins and ends, and how long the body
 * after it is ({@code Content-Length} or chunked). It tells {@link RequestArrivalGuard}
 * when a head starts arriving and, once the head is complete, what its bytes held that
 * the decoded request no longer shows: an obsolete line folding (a header line continued
 * on a line that starts with a space or a tab, RFC 9112, 5.2), and the framing as the raw
 * lines stated it.
 * <p>
 * It only reads: the bytes go on to the decoder unchanged. A head whose framing it cannot
 * follow (more than one {@code Content-Length} or {@code Transfer-Encoding} line, both, a
 * transfer coding other than chunked, a value it cannot read) ends its work on the
 * connection; the guard refuses that request, which closes the connection.
 */
final class WireFraming implements ByteProcessor {

	/** The longest header line whose name and value are kept to read the framing. */
	static final int MAX_FRAMING_LINE = 128;

	private static final byte CR = '\r';

	private static final byte LF = '\n';

	private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] CHUNKED = "chunked".getBytes(StandardCharsets.US_ASCII);

	private final Listener listener;

	private State state = State.HEAD;

	/** Whether a byte of the next head has arrived. */
	private boolean headStarted;

	/** Whether the request line has begun (Netty skips blank lines before it). */
	private boolean requestLineStarted;

	/** Lines of this head completed, the request line included. */
	private int lines;

	/** Bytes of the current line, line terminators excluded. */
	private int lineLength;

	/** The current line's first bytes. */
	private final byte[] line = new byte[MAX_FRAMING_LINE];

	private boolean folded;

	private int contentLengthLines;

	private int transferEncodingLines;

	private long contentLength = -1;

	private boolean chunked;

	private boolean unreadable;

	/** Bytes left of the fixed-length body or of the current chunk. */
	private long remaining;

	WireFraming(Listener listener) {
		Assert.notNull(listener, "listener cannot be null");
		this.listener = listener;
	}

	/** Follows the bytes just read; does not move the buffer's reader index. */
	void read(ByteBuf buffer) {
		int index = buffer.readerIndex();
		int end = buffer.writerIndex();
		while (index < end) {
			switch (this.state) {
				case BODY, CHUNK_DATA -> {
					int skipped = (int) Math.min(this.remaining, end - index);
					index += skipped;
					this.remaining -= skipped;
					if (this.remaining == 0) {
						this.state = (this.state == State.BODY) ? State.HEAD : State.CHUNK_DATA_END;
					}
				}
				case LOST -> index = end;
				default -> {
					int stopped = buffer.forEachByte(index, end - index, this);
					index = (stopped < 0) ? end : stopped + 1;
				}
			}
		}
	}

	/**
	 * One byte of a head, a chunk's size line, a chunk's end or the trailers; answers
	 * false when the bytes after it are a body to skip or are no longer followed.
	 */
	@Override
	public boolean process(byte value) {
		return switch (this.state) {
			case HEAD -> head(value);
			case CHUNK_SIZE, TRAILERS -> chunkLine(value);
			case CHUNK_DATA_END -> {
				if (value == LF) {
					this.state = State.CHUNK_SIZE;
				}
				yield true;
			}
			default -> false;
		};
	}

	private boolean head(byte value) {
		if (!this.headStarted) {
			this.headStarted = true;
			this.listener.headStarted();
		}
		if (!this.requestLineStarted) {
			if (Character.isISOControl(value) || Character.isWhitespace(value)) {
				return true;
			}
			this.requestLineStarted = true;
			this.listener.requestLineStarted();
		}
		if (value == LF) {
			return endOfHeadLine();
		}
		if (value == CR) {
			return true;
		}
		if (this.lineLength == 0 && this.lines > 0 && (value == ' ' || value == '\t')) {
			this.folded = true;
		}
		keep(value);
		return true;
	}

	private boolean endOfHeadLine() {
		if (this.lineLength == 0 && this.lines > 0) {
			return endOfHead();
		}
		if (this.lines > 0) {
			header();
		}
		this.lines++;
		this.lineLength = 0;
		return true;
	}

	private void header() {
		boolean contentLength = startsWithName(CONTENT_LENGTH);
		boolean transferEncoding = !contentLength && startsWithName(TRANSFER_ENCODING);
		if (!contentLength && !transferEncoding) {
			return;
		}
		if (this.lineLength > MAX_FRAMING_LINE) {
			this.unreadable = true;
			return;
		}
		int start = (contentLength ? CONTENT_LENGTH.length : TRANSFER_ENCODING.length) + 1;
		int end = this.lineLength;
		while (start < end && isBlank(this.line[start])) {
			start++;
		}
		while (end > start && isBlank(this.line[end - 1])) {
			end--;
		}
		if (contentLength) {
			this.contentLengthLines++;
			this.contentLength = digits(start, end);
			this.unreadable |= this.contentLength < 0;
		}
		else {
			this.transferEncodingLines++;
			this.chunked = equalsIgnoringCase(start, end, CHUNKED);
		}
	}

	private boolean endOfHead() {
		boolean followed = !this.unreadable && this.contentLengthLines <= 1 && this.transferEncodingLines <= 1
				&& !(this.contentLengthLines == 1 && this.transferEncodingLines == 1)
				&& (this.transferEncodingLines == 0 || this.chunked);
		Head head = new Head(this.folded, followed, this.transferEncodingLines == 1 && this.chunked,
				(this.contentLengthLines == 1) ? this.contentLength : -1);
		if (!followed) {
			this.state = State.LOST;
		}
		else if (head.chunked()) {
			this.state = State.CHUNK_SIZE;
		}
		else if (head.contentLength() > 0) {
			this.state = State.BODY;
			this.remaining = head.contentLength();
		}
		resetHead();
		this.listener.headEnded(head);
		return this.state == State.HEAD || this.state == State.CHUNK_SIZE;
	}

	private void resetHead() {
		this.headStarted = false;
		this.requestLineStarted = false;
		this.lines = 0;
		this.lineLength = 0;
		this.folded = false;
		this.contentLengthLines = 0;
		this.transferEncodingLines = 0;
		this.contentLength = -1;
		this.chunked = false;
		this.unreadable = false;
	}

	/** A byte of a chunk-size line, or of a trailer line after the last chunk. */
	private boolean chunkLine(byte value) {
		if (value != LF) {
			if (value != CR) {
				keep(value);
			}
			return true;
		}
		int length = this.lineLength;
		this.lineLength = 0;
		if (this.state == State.TRAILERS) {
			if (length == 0) {
				this.state = State.HEAD;
			}
			return true;
		}
		long size = chunkSize(length);
		if (size < 0) {
			this.state = State.LOST;
			return false;
		}
		if (size == 0) {
			this.state = State.TRAILERS;
			return true;
		}
		this.state = State.CHUNK_DATA;
		this.remaining = size;
		return false;
	}

	/** The hexadecimal size at the start of a chunk-size line, or -1. */
	private long chunkSize(int length) {
		int start = 0;
		int end = Math.min(length, MAX_FRAMING_LINE);
		while (start < end && isBlank(this.line[start])) {
			start++;
		}
		long size = 0;
		int digits = 0;
		for (int i = start; i < end; i++) {
			int digit = Character.digit(this.line[i], 16);
			if (digit < 0) {
				break;
			}
			if (size > (Long.MAX_VALUE >> 4)) {
				return -1;
			}
			size = size * 16 + digit;
			digits++;
		}
		return (digits == 0) ? -1 : size;
	}

	private void keep(byte value) {
		if (this.lineLength < MAX_FRAMING_LINE) {
			this.line[this.lineLength] = value;
		}
		this.lineLength++;
	}

	/** Whether the current line is {@code name:} (the name in any letter case). */
	private boolean startsWithName(byte[] name) {
		if (this.lineLength <= name.length || this.line[name.length] != ':') {
			return false;
		}
		return equalsIgnoringCase(0, name.length, name);
	}

	private boolean equalsIgnoringCase(int start, int end, byte[] lowerCase) {
		if (end - start != lowerCase.length) {
			return false;
		}
		for (int i = 0; i < lowerCase.length; i++) {
			byte value = this.line[start + i];
			byte lower = (value >= 'A' && value <= 'Z') ? (byte) (value + ('a' - 'A')) : value;
			if (lower != lowerCase[i]) {
				return false;
			}
		}
		return true;
	}

	/** The decimal number in the line between {@code start} and {@code end}, or -1. */
	private long digits(int start, int end) {
		if (start == end || end - start > 18) {
			return -1;
		}
		long number = 0;
		for (int i = start; i < end; i++) {
			byte value = this.line[i];
			if (value < '0' || value > '9') {
				return -1;
			}
			number = number * 10 + (value - '0');
		}
		return number;
	}

	private static boolean isBlank(byte value) {
		return value == ' ' || value == '\t';
	}

	private enum State {

		HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, LOST

	}

	/**
	 * What a complete head's bytes held.
	 *
	 * @param folded whether a header line was continued on the next line (obs-fold)
	 * @param followed whether its framing was one this class follows: at most one
	 * {@code Content-Length} or one {@code Transfer-Encoding: chunked}, readable
	 * @param chunked whether the body is chunked
	 * @param contentLength the body's length, or -1 without {@code Content-Length}
	 */
	record Head(boolean folded, boolean followed, boolean chunked, long contentLength) {
	}

	/** Told where heads begin and end; called on the connection's event loop. */
	interface Listener {

		/** A byte of the next request head has arrived (blank lines before it too). */
		void headStarted();

		/** The head's request line has begun. */
		void requestLineStarted();

		/** The head is complete; the decoder is about to read it. */
		void headEnded(Head head);

	}

}
