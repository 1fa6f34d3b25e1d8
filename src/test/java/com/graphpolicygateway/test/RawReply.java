package com.graphpolicygateway.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * One HTTP/1.1 answer read byte for byte from a socket, for tests that must write the
 * request themselves (malformed framing, pipelining). Reads exactly one answer, framed by
 * its status (204 and 304 have no body), its {@code Content-Length}, its chunks, or the
 * end of the connection, so the next answer on the same connection can be read after it.
 *
 * @param status the status code, or 0 when the connection closed without an answer
 * @param body the body, unchunked
 */
public record RawReply(int status, byte[] body) {

	/** The body as UTF-8 text. */
	public String text() {
		return new String(this.body, StandardCharsets.UTF_8);
	}

	/**
	 * Reads one answer from {@code in}; to read the next answer on the same connection,
	 * pass the same stream again.
	 */
	public static RawReply read(InputStream in) throws IOException {
		String statusLine = readLine(in);
		if (statusLine == null) {
			return new RawReply(0, new byte[0]);
		}
		int status = Integer.parseInt(statusLine.split(" ")[1]);
		long contentLength = -1;
		boolean chunked = false;
		for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
			String lower = line.toLowerCase();
			if (lower.startsWith("content-length:")) {
				contentLength = Long.parseLong(line.substring(15).trim());
			}
			else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
				chunked = true;
			}
		}
		if (status == 204 || status == 304) {
			return new RawReply(status, new byte[0]);
		}
		if (contentLength >= 0) {
			return new RawReply(status, in.readNBytes((int) contentLength));
		}
		if (chunked) {
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			for (String size = readLine(in); size != null; size = readLine(in)) {
				int length = Integer.parseInt(size.split(";")[0].trim(), 16);
				if (length == 0) {
					readLine(in);
					break;
				}
				body.writeBytes(in.readNBytes(length));
				readLine(in);
			}
			return new RawReply(status, body.toByteArray());
		}
		return new RawReply(status, in.readAllBytes());
	}

	private static @Nullable String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		for (int b = in.read(); b != -1; b = in.read()) {
			if (b == '\n') {
				String text = line.toString(StandardCharsets.ISO_8859_1);
				return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
			}
			line.write(b);
		}
		return (line.size() > 0) ? line.toString(StandardCharsets.ISO_8859_1) : null;
	}

}
