package com.graphpolicygateway.audit.sinks;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.query.AuditEventView;
import com.graphpolicygateway.system.AuditSinkProperties;

/**
 * Sends records to a syslog receiver as RFC 5424 messages over TCP, framed by octet
 * counting (RFC 6587 §3.4.1), optionally over TLS (RFC 5425). Each message carries the
 * record's JSON (ASCII only, so no byte order mark is needed) and structured data that
 * SIEM rules match on without parsing it. Syslog over TCP has no application-level
 * acknowledgement: a batch counts as delivered once written and flushed without error, so
 * a receiver that dies meanwhile can lose what its operating system had buffered. A
 * connection is reopened after any failure, and checked before each batch, so that a
 * receiver that closed it does not swallow the first batch written to it.
 */
final class SyslogAuditSink implements AuditSink {

	/** Severity of every message: informational. */
	static final int SEVERITY = 6;

	/** Longest a batch's write may block before the connection is given up. */
	private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

	private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ISO_INSTANT;

	private final AuditSinkProperties.Syslog syslog;

	private final @Nullable SslBundle sslBundle;

	private final String hostName;

	private final String processId;

	private @Nullable ScheduledExecutorService watchdog;

	private volatile @Nullable Socket socket;

	private @Nullable OutputStream out;

	SyslogAuditSink(AuditSinkProperties.Syslog syslog, @Nullable SslBundle sslBundle, String hostName) {
		Assert.notNull(syslog, "syslog cannot be null");
		this.syslog = syslog;
		this.sslBundle = sslBundle;
		this.hostName = headerField(hostName, 255);
		this.processId = Long.toString(ProcessHandle.current().pid());
	}

	@Override
	public synchronized void deliver(List<SinkRecord> records) throws IOException {
		OutputStream out = connected();
		Socket socket = this.socket;
		// A write blocks while the receiver reads nothing: closing the socket ends it.
		ScheduledFuture<?> abort = watchdog().schedule(() -> closeQuietly(socket), WRITE_TIMEOUT.toMillis(),
				TimeUnit.MILLISECONDS);
		try {
			for (SinkRecord record : records) {
				out.write(frame(record));
			}
			out.flush();
		}
		catch (IOException ex) {
			disconnect();
			throw ex;
		}
		finally {
			abort.cancel(false);
		}
	}

	private ScheduledExecutorService watchdog() {
		ScheduledExecutorService watchdog = this.watchdog;
		if (watchdog == null) {
			watchdog = Executors.newSingleThreadScheduledExecutor((runnable) -> {
				Thread thread = new Thread(runnable, "audit-sink-syslog-watchdog");
				thread.setDaemon(true);
				return thread;
			});
			this.watchdog = watchdog;
		}
		return watchdog;
	}

	/** One message with its octet-counting frame. */
	byte[] frame(SinkRecord record) {
		byte[] message = message(record).getBytes(StandardCharsets.UTF_8);
		byte[] length = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
		byte[] frame = new byte[length.length + message.length];
		System.arraycopy(length, 0, frame, 0, length.length);
		System.arraycopy(message, 0, frame, length.length, message.length);
		return frame;
	}

	/**
	 * The RFC 5424 message:
	 * {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG}.
	 */
	String message(SinkRecord record) {
		int priority = this.syslog.facility() * 8 + SEVERITY;
		String timestamp = TIMESTAMP.format(record.time().truncatedTo(ChronoUnit.MICROS));
		return "<" + priority + ">1 " + timestamp + " " + this.hostName + " " + this.syslog.appName() + " "
				+ this.processId + " " + record.type() + " " + structuredData(record) + " " + ascii(record.json());
	}

	private String structuredData(SinkRecord record) {
		Map<String, @Nullable Object> params = new LinkedHashMap<>();
		AuditEventView event = record.event();
		AuditCheckpoint checkpoint = record.checkpoint();
		if (event != null) {
			params.put("tenant", event.tenantId());
			// "operation" has named the activity since before operations had ids, and
			// SIEM
			// rules match on it; the id comes beside it.
			params.put("operation", event.activity());
			params.put("operationId", event.operation());
			params.put("decision", event.decision());
			params.put("result", event.activityResult());
			params.put("reason", event.reason());
			params.put("eventId", event.id());
			params.put("chainId", event.chainId());
			params.put("chainSeq", event.chainSeq());
		}
		else if (checkpoint != null) {
			params.put("chainId", checkpoint.chainId());
			params.put("checkpointSeq", checkpoint.checkpointSeq());
			params.put("chainPosition", checkpoint.chainPosition());
			params.put("keyId", checkpoint.keyId());
		}
		StringBuilder data = new StringBuilder("[audit@").append(this.syslog.enterpriseNumber());
		params.forEach((name, value) -> {
			if (value != null) {
				data.append(' ').append(name).append("=\"").append(escape(value.toString())).append('"');
			}
		});
		return data.append(']').toString();
	}

	/** A PARAM-VALUE with '"', '\' and ']' escaped (RFC 5424 §6.3.3). */
	static String escape(String value) {
		StringBuilder escaped = new StringBuilder(value.length());
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\' || c == ']') {
				escaped.append('\\');
			}
			escaped.append(c);
		}
		return escaped.toString();
	}

	/**
	 * JSON with every non-ASCII character escaped: they only occur inside strings, where
	 * {@code \\uXXXX} means the same.
	 */
	static String ascii(String json) {
		StringBuilder ascii = null;
		for (int i = 0; i < json.length(); i++) {
			char c = json.charAt(i);
			if (c > 0x7e) {
				if (ascii == null) {
					ascii = new StringBuilder(json.length() + 16).append(json, 0, i);
				}
				ascii.append(String.format("\\u%04x", (int) c));
			}
			else if (ascii != null) {
				ascii.append(c);
			}
		}
		return (ascii != null) ? ascii.toString() : json;
	}

	/** A header field: printable ASCII without spaces, at most {@code max} long. */
	static String headerField(String value, int max) {
		String field = value.replaceAll("[^\\x21-\\x7e]", "");
		field = (field.length() > max) ? field.substring(0, max) : field;
		return field.isEmpty() ? "-" : field;
	}

	private OutputStream connected() throws IOException {
		OutputStream out = this.out;
		Socket socket = this.socket;
		if (out != null && socket != null && isOpen(socket)) {
			return out;
		}
		disconnect();
		socket = open();
		this.socket = socket;
		out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
		this.out = out;
		return out;
	}

	/**
	 * Whether the receiver still holds the connection open: it never sends anything, so a
	 * read that ends (or fails) means it closed the connection.
	 */
	private static boolean isOpen(Socket socket) {
		try {
			socket.setSoTimeout(1);
			InputStream in = socket.getInputStream();
			return in.read() != -1;
		}
		catch (SocketTimeoutException ex) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private Socket open() throws IOException {
		int timeout = (int) this.syslog.connectTimeout().toMillis();
		InetSocketAddress address = new InetSocketAddress(this.syslog.host(), this.syslog.effectivePort());
		if (!this.syslog.tls()) {
			Socket socket = new Socket();
			try {
				socket.connect(address, timeout);
				return socket;
			}
			catch (IOException ex) {
				closeQuietly(socket);
				throw ex;
			}
		}
		SSLSocketFactory factory = (this.sslBundle != null) ? this.sslBundle.createSslContext().getSocketFactory()
				: (SSLSocketFactory) SSLSocketFactory.getDefault();
		Socket plain = new Socket();
		try {
			plain.connect(address, timeout);
			SSLSocket socket = (SSLSocket) factory.createSocket(plain, this.syslog.host(), this.syslog.effectivePort(),
					true);
			SSLParameters parameters = socket.getSSLParameters();
			// RFC 5425 §5.2: the receiver's certificate must name the host connected to.
			parameters.setEndpointIdentificationAlgorithm("HTTPS");
			SslBundle bundle = this.sslBundle;
			if (bundle != null && bundle.getOptions().getEnabledProtocols() != null) {
				parameters.setProtocols(bundle.getOptions().getEnabledProtocols());
			}
			if (bundle != null && bundle.getOptions().getCiphers() != null) {
				parameters.setCipherSuites(bundle.getOptions().getCiphers());
			}
			socket.setSSLParameters(parameters);
			socket.setSoTimeout(timeout);
			socket.startHandshake();
			return socket;
		}
		catch (IOException ex) {
			closeQuietly(plain);
			throw ex;
		}
	}

	private void disconnect() {
		Socket socket = this.socket;
		this.socket = null;
		this.out = null;
		if (socket != null) {
			closeQuietly(socket);
		}
	}

	private static void closeQuietly(@Nullable Socket socket) {
		if (socket == null) {
			return;
		}
		try {
			socket.close();
		}
		catch (IOException ex) {
			// closing anyway
		}
	}

	@Override
	public void close() {
		// Not synchronized: it must be able to end a write that blocks.
		Socket socket = this.socket;
		closeQuietly(socket);
		synchronized (this) {
			disconnect();
			ScheduledExecutorService watchdog = this.watchdog;
			if (watchdog != null) {
				watchdog.shutdownNow();
			}
			this.watchdog = null;
		}
	}

}
