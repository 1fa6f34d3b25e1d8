package com.graphpolicygateway.audit.sinks;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

import com.graphpolicygateway.audit.query.TestAuditTrail;
import com.graphpolicygateway.system.AuditSinkProperties;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link SyslogAuditSink}: Debian's rsyslogd on loopback, over TCP and over
 * TLS, parses every message back (header, structured data, JSON); a raw receiver checks
 * the octet-counting frames, the escaping of parameter values and the reconnection after
 * the receiver closed the connection.
 */
class SyslogAuditSinkTests {

	private static final Pattern PARAM = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

	private AuditDatabases.Database database;

	private final List<AuditSinkDelivery> started = new ArrayList<>();

	@TempDir
	Path directory;

	@BeforeEach
	void createDatabase() {
		this.database = AuditDatabases.create(AuditDatabases.Engine.SQLITE);
	}

	@AfterEach
	void stop() {
		this.started.forEach((delivery) -> delivery.stop(true));
		this.database.close();
	}

	@Test
	void deliverWhenRsyslogOverTcpThenEachMessageParsesWithItsStructuredDataAndJson() throws Exception {
		try (Rsyslog rsyslog = Rsyslog.start(this.directory, false)) {
			TestAuditTrail trail = TestAuditTrail.start(this.database);
			List<String> ids = trail.append(5);
			trail.checkpoint(1, 5);

			run(syslog(rsyslog.port(), false), null);

			await().atMost(Duration.ofSeconds(20)).until(() -> rsyslog.lines().size() == 6);
			assertReceived(rsyslog.lines(), ids, trail.chainId());
		}
	}

	@Test
	void deliverWhenRsyslogOverTlsThenMessagesArriveThroughTheSslBundle() throws Exception {
		try (Rsyslog rsyslog = Rsyslog.start(this.directory, true)) {
			TestAuditTrail trail = TestAuditTrail.start(this.database);
			List<String> ids = trail.append(5);
			trail.checkpoint(1, 5);
			SslBundle trust = SslBundle
				.of(new PemSslStoreBundle(null, PemSslStoreDetails.forCertificate(rsyslog.certificate())));

			run(syslog(rsyslog.port(), true), trust);

			await().atMost(Duration.ofSeconds(20)).until(() -> rsyslog.lines().size() == 6);
			assertReceived(rsyslog.lines(), ids, trail.chainId());
		}
	}

	@Test
	void deliverWhenReceiverClosesTheConnectionThenFramesCountOctetsValuesAreEscapedAndItReconnects() throws Exception {
		try (RawReceiver receiver = new RawReceiver()) {
			TestAuditTrail trail = TestAuditTrail.start(this.database);
			String tenant = "we\"ird]\\tenant";
			List<String> ids = new ArrayList<>(trail.append(2, tenant));
			run(syslog(receiver.port(), false), null);
			await().atMost(Duration.ofSeconds(10)).until(() -> receiver.messages().size() == 2);

			receiver.closeConnection();
			await().atMost(Duration.ofSeconds(10)).until(() -> receiver.closed() == 1);
			ids.addAll(trail.append(3, tenant));

			await().atMost(Duration.ofSeconds(20)).until(() -> receiver.messages().size() == 5);
			assertThat(receiver.connections()).isEqualTo(2);
			List<String> received = new ArrayList<>();
			for (String message : receiver.messages()) {
				assertThat(message).startsWith("<110>1 ").contains(" auditEvent [audit@32473 ");
				Map<String, String> params = params(message);
				assertThat(params).containsEntry("tenant", tenant);
				received.add(params.get("eventId"));
				String json = message.substring(message.indexOf("] {") + 2);
				assertThat(json).matches("\\p{ASCII}+");
				assertThat(
						TestDeliveries.JSON.readTree(json).at("/resources/0/modifiedProperties/0/newValue").asString())
					.isEqualTo(TestAuditTrail.AWKWARD_VALUE);
			}
			assertThat(received).containsExactlyElementsOf(ids);
		}
	}

	private void assertReceived(List<String> lines, List<String> ids, String chainId) {
		List<String> received = new ArrayList<>();
		for (String line : lines) {
			String[] fields = line.split("\\|", 8);
			assertThat(fields).hasSize(8);
			assertThat(fields[0]).isEqualTo("110"); // facility 13 (log audit),
													// informational
			assertThat(fields[3]).isEqualTo("graph-policy-gateway");
			assertThat(fields[4]).isEqualTo(Long.toString(ProcessHandle.current().pid()));
			Map<String, String> params = params(fields[6]);
			JsonNode json = TestDeliveries.JSON.readTree(fields[7].strip());
			assertThat(fields[6]).startsWith("[audit@32473 ");
			assertThat(json.get("recordType").asString()).isEqualTo(fields[5]);
			if (fields[5].equals("auditEvent")) {
				assertThat(params).containsEntry("tenant", TestAuditTrail.TENANT)
					.containsEntry("operation", "Patch user")
					.containsEntry("decision", "allow")
					.containsEntry("result", "success")
					.containsEntry("eventId", json.get("id").asString())
					.containsEntry("chainId", chainId);
				assertThat(json.at("/resources/0/modifiedProperties/0/newValue").asString())
					.isEqualTo(TestAuditTrail.AWKWARD_VALUE);
				received.add(params.get("eventId"));
			}
			else {
				assertThat(fields[5]).isEqualTo("auditCheckpoint");
				assertThat(params).containsEntry("chainId", chainId)
					.containsEntry("checkpointSeq", "1")
					.containsEntry("chainPosition", "5");
				assertThat(json.get("signature").asString()).isEqualTo("c2lnbmF0dXJl1");
			}
		}
		assertThat(received).containsExactlyElementsOf(ids);
	}

	/** The structured data's parameters, unescaped. */
	private static Map<String, String> params(String text) {
		String data = text.substring(text.indexOf("[audit@"));
		Map<String, String> params = new LinkedHashMap<>();
		Matcher matcher = PARAM.matcher(data.substring(0, endOfStructuredData(data)));
		while (matcher.find()) {
			params.put(matcher.group(1), matcher.group(2).replaceAll("\\\\(.)", "$1"));
		}
		return params;
	}

	private static int endOfStructuredData(String data) {
		boolean quoted = false;
		for (int i = 0; i < data.length(); i++) {
			char c = data.charAt(i);
			if (c == '\\') {
				i++;
			}
			else if (c == '"') {
				quoted = !quoted;
			}
			else if (c == ']' && !quoted) {
				return i + 1;
			}
		}
		throw new IllegalArgumentException("No end of structured data in " + data);
	}

	private static AuditSinkProperties.Syslog syslog(int port, boolean tls) {
		return new AuditSinkProperties.Syslog("127.0.0.1", port, tls, null, 13, "graph-policy-gateway", 32473,
				Duration.ofSeconds(5));
	}

	private void run(AuditSinkProperties.Syslog syslog, @Nullable SslBundle bundle) {
		AuditSinkDelivery delivery = TestDeliveries.delivery(this.database, "syslog",
				new SyslogAuditSink(syslog, bundle, "gateway-0"), 2, Duration.ofSeconds(60), new SimpleMeterRegistry());
		delivery.lease().acquireOrRenew();
		this.started.add(delivery);
		delivery.start();
	}

	/**
	 * A TCP receiver that reads octet-counted frames, checking each count, and can close
	 * its current connection.
	 */
	private static final class RawReceiver implements AutoCloseable {

		private final ServerSocket server;

		private final List<String> messages = new ArrayList<>();

		private final AtomicInteger connections = new AtomicInteger();

		private final AtomicInteger closed = new AtomicInteger();

		private volatile @Nullable Socket current;

		RawReceiver() throws IOException {
			this.server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
			Thread thread = new Thread(this::accept, "raw-syslog-receiver");
			thread.setDaemon(true);
			thread.start();
		}

		int port() {
			return this.server.getLocalPort();
		}

		private void accept() {
			while (!this.server.isClosed()) {
				try (Socket socket = this.server.accept()) {
					this.current = socket;
					this.connections.incrementAndGet();
					read(new BufferedInputStream(socket.getInputStream()));
				}
				catch (IOException ex) {
					// the connection was closed
				}
				this.closed.incrementAndGet();
			}
		}

		private void read(InputStream in) throws IOException {
			while (true) {
				StringBuilder length = new StringBuilder();
				int c;
				while ((c = in.read()) != ' ') {
					if (c == -1) {
						return;
					}
					assertThat((char) c).isBetween('0', '9');
					length.append((char) c);
				}
				byte[] message = in.readNBytes(Integer.parseInt(length.toString()));
				synchronized (this.messages) {
					this.messages.add(new String(message, StandardCharsets.UTF_8));
				}
			}
		}

		void closeConnection() throws IOException {
			Socket socket = this.current;
			if (socket != null) {
				socket.close();
			}
		}

		List<String> messages() {
			synchronized (this.messages) {
				return List.copyOf(this.messages);
			}
		}

		int connections() {
			return this.connections.get();
		}

		int closed() {
			return this.closed.get();
		}

		@Override
		public void close() throws IOException {
			this.server.close();
		}

	}

}
