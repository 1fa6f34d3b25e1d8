package com.graphpolicygateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.RawReply;
import com.graphpolicygateway.test.StubGraph.Answer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slow and idle clients on a raw socket against the running gateway, with short limits: a
 * request head must arrive within the head timeout (1 s here), counted from the accept
 * and, on a kept-alive connection, from the next request's first byte once the previous
 * answer is complete; a kept-alive connection that sends nothing is closed after the idle
 * timeout (3 s here); a body has the body timeout (3 s here). Each test measures when the
 * gateway closes the connection and asserts it is within [limit, limit + margin]; no test
 * relies on a sleep being long enough.
 */
@TestPropertySource(properties = { "graph-gateway.request.head-timeout=1s", "graph-gateway.request.body-timeout=3s",
		"server.netty.idle-timeout=3s" })
class SlowClientRouteTests extends GatewayIntegrationTest {

	@Autowired
	JdbcTemplate jdbc;

	static final Duration HEAD_TIMEOUT = Duration.ofSeconds(1);

	static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);

	static final Duration BODY_TIMEOUT = Duration.ofSeconds(3);

	/**
	 * How early a close may be seen: the client's clock starts a little before the
	 * gateway's.
	 */
	static final Duration EARLY = Duration.ofMillis(100);

	/** How late a close may be seen on two shared cores. */
	static final Duration LATE = Duration.ofMillis(1500);

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	@Test
	void connectionWhenNothingSentThenClosedAfterTheHeadTimeoutWithoutAnAnswer() throws IOException {
		try (Socket socket = connect()) {
			long start = System.nanoTime();

			Closed closed = awaitClose(socket.getInputStream());

			assertThat(closed.after(start)).isBetween(HEAD_TIMEOUT.minus(EARLY), HEAD_TIMEOUT.plus(LATE));
			assertThat(closed.received()).isEmpty();
		}
	}

	@Test
	void requestLineWhenHalfSentThenRequestTimeoutInGraphShapeAndClosed() throws IOException {
		try (Socket socket = connect()) {
			long start = System.nanoTime();
			send(socket, "PATCH /users/adele.va");

			Closed closed = awaitClose(socket.getInputStream());

			assertThat(closed.after(start)).isBetween(HEAD_TIMEOUT.minus(EARLY), HEAD_TIMEOUT.plus(LATE));
			RawReply reply = closed.reply();
			assertThat(reply.status()).isEqualTo(408);
			assertThat((String) JsonPath.read(reply.text(), "$.error.code")).isEqualTo("requestTimeout");
			assertThat((String) JsonPath.read(reply.text(), "$.error.innerError.request-id")).isNotBlank();
		}
		assertThat(graph.received()).isEmpty();
	}

	@Test
	void headWhenDribbledOneLineAtATimeThenClosedAfterTheHeadTimeoutFromItsFirstByte() throws Exception {
		try (Socket socket = connect()) {
			AtomicBoolean closedSeen = new AtomicBoolean();
			long start = System.nanoTime();
			Thread dribbler = dribble(socket, "PATCH /users/adele.vance@contoso.example HTTP/1.1\r\n",
					"X-Line: dribbled\r\n", closedSeen);

			Closed closed = awaitClose(socket.getInputStream());
			closedSeen.set(true);
			dribbler.join(5_000);

			// Lines kept arriving every 200 ms until the close: an idle timeout alone
			// would
			// never have fired.
			assertThat(closed.after(start)).isBetween(HEAD_TIMEOUT.minus(EARLY), HEAD_TIMEOUT.plus(LATE));
			assertThat(closed.replyIfAny()).satisfiesAnyOf((reply) -> assertThat(reply).isNull(),
					(reply) -> assertThat(reply.status()).isEqualTo(408));
		}
		assertThat(graph.received()).isEmpty();
	}

	@Test
	void keptAliveConnectionWhenNextHeadDribbledThenClosedAfterTheHeadTimeoutFromItsFirstByte() throws Exception {
		try (Socket socket = connect()) {
			InputStream in = new BufferedInputStream(socket.getInputStream());
			send(socket, patch());
			assertThat(RawReply.read(in).status()).isEqualTo(204);
			AtomicBoolean closedSeen = new AtomicBoolean();
			long start = System.nanoTime();
			Thread dribbler = dribble(socket, "PATCH /users/adele.vance@contoso.example HTTP/1.1\r\n",
					"X-Line: dribbled\r\n", closedSeen);

			Closed closed = awaitClose(in);
			closedSeen.set(true);
			dribbler.join(5_000);

			assertThat(closed.after(start)).isBetween(HEAD_TIMEOUT.minus(EARLY), HEAD_TIMEOUT.plus(LATE));
		}
		assertThat(graph.received()).hasSize(1);
	}

	@Test
	void keptAliveConnectionWhenIdleThenClosedAfterTheIdleTimeoutNotTheHeadTimeout() throws IOException {
		try (Socket socket = connect()) {
			InputStream in = new BufferedInputStream(socket.getInputStream());
			send(socket, patch());
			assertThat(RawReply.read(in).status()).isEqualTo(204);
			long start = System.nanoTime();

			Closed closed = awaitClose(in);

			assertThat(closed.after(start)).isBetween(IDLE_TIMEOUT.minus(EARLY), IDLE_TIMEOUT.plus(LATE));
			assertThat(closed.received()).isEmpty();
		}
	}

	@Test
	void keptAliveConnectionWhenRequestsFollowEachOtherThenEachGetsItsOwnHeadTimeout() throws IOException {
		try (Socket socket = connect()) {
			InputStream in = new BufferedInputStream(socket.getInputStream());
			long start = System.nanoTime();
			// Longer than the head timeout in all, each head well within it.
			while (System.nanoTime() - start < HEAD_TIMEOUT.multipliedBy(2).toNanos()) {
				send(socket, patch());
				assertThat(RawReply.read(in).status()).isEqualTo(204);
			}
		}
	}

	@Test
	void pipelinedRequestsWhenSentTogetherThenEveryOneAnswered() throws IOException {
		try (Socket socket = connect()) {
			InputStream in = new BufferedInputStream(socket.getInputStream());

			send(socket, patch() + patch() + patch());

			for (int i = 0; i < 3; i++) {
				assertThat(RawReply.read(in).status()).as("answer %d", i).isEqualTo(204);
			}
		}
		assertThat(graph.received()).hasSize(3);
	}

	@Test
	void patchWhenGraphAnswersAfterTheHeadAndIdleTimeoutsThenAnsweredAndTheConnectionKept() throws IOException {
		graph.willAnswerAfter(IDLE_TIMEOUT.plusSeconds(1), Answer.noContent());
		try (Socket socket = connect()) {
			InputStream in = new BufferedInputStream(socket.getInputStream());

			send(socket, patch());

			assertThat(RawReply.read(in).status()).isEqualTo(204);
			send(socket, patch());
			assertThat(RawReply.read(in).status()).isEqualTo(204);
		}
	}

	@Test
	void patchWhenBodyArrivesSlowerThanTheHeadTimeoutButWithinTheBodyTimeoutThenForwarded() throws Exception {
		try (Socket socket = connect()) {
			InputStream in = new BufferedInputStream(socket.getInputStream());
			send(socket, head(BODY.length()));
			long start = System.nanoTime();
			for (int i = 0; i < BODY.length(); i += 10) {
				Thread.sleep(500);
				send(socket, BODY.substring(i, Math.min(BODY.length(), i + 10)));
			}
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(HEAD_TIMEOUT);

			assertThat(RawReply.read(in).status()).isEqualTo(204);
		}
		assertThat(graph.onlyRequest().bodyText()).isEqualTo(BODY);
	}

	@Test
	void patchWhenBodyNotCompleteWithinTheBodyTimeoutThenRequestTimeoutAuditedAndClosed() throws Exception {
		String clientRequestId = UUID.randomUUID().toString();
		try (Socket socket = connect()) {
			send(socket, head(1000, "client-request-id: " + clientRequestId + "\r\n"));
			long start = System.nanoTime();
			// Bytes keep coming for two thirds of the timeout, then stop: the limit is on
			// the whole body, not on the pause.
			send(socket, "{\"displayName\":\"");
			while (System.nanoTime() - start < BODY_TIMEOUT.multipliedBy(2).dividedBy(3).toNanos()) {
				Thread.sleep(200);
				send(socket, "a");
			}

			Closed closed = awaitClose(socket.getInputStream());

			assertThat(closed.after(start)).isBetween(BODY_TIMEOUT.minus(EARLY), BODY_TIMEOUT.plus(LATE));
			RawReply reply = closed.reply();
			assertThat(reply.status()).isEqualTo(408);
			assertThat((String) JsonPath.read(reply.text(), "$.error.code")).isEqualTo("requestTimeout");
		}
		assertThat(graph.received()).isEmpty();
		assertThat(eventsOf(clientRequestId)).singleElement()
			.satisfies((event) -> assertThat(event).containsEntry("reason", "body_timeout")
				.containsEntry("decision", "refuse"));
	}

	@Test
	void requestWhenAnsweredBeforeItsBodyThenTheBodyStillArrivingIsClosedWithinTheBodyTimeout() throws Exception {
		try (Socket socket = connect()) {
			InputStream in = new BufferedInputStream(socket.getInputStream());
			AtomicBoolean closedSeen = new AtomicBoolean();
			long start = System.nanoTime();
			send(socket, "PATCH /users/" + UUID.randomUUID() + " HTTP/1.1\r\nHost: 127.0.0.1:" + this.port
					+ "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
			assertThat(RawReply.read(in).status()).as("refused before its body").isEqualTo(401);
			Thread dribbler = dribble(socket, "{", "a", closedSeen);

			Closed closed = awaitClose(in);
			closedSeen.set(true);
			dribbler.join(5_000);

			assertThat(closed.after(start)).isLessThan(BODY_TIMEOUT.plus(LATE));
		}
		assertThat(graph.received()).isEmpty();
	}

	private Socket connect() throws IOException {
		Socket socket = new Socket("127.0.0.1", this.port);
		socket.setSoTimeout(15_000);
		return socket;
	}

	private String patch() {
		return head(BODY.length()) + BODY;
	}

	private String head(int contentLength, String... headers) {
		return "PATCH /users/" + UUID.randomUUID() + " HTTP/1.1\r\nHost: 127.0.0.1:" + this.port
				+ "\r\nAuthorization: Bearer " + identityProvider.validToken()
				+ "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n"
				+ String.join("", headers) + "\r\n";
	}

	private List<Map<String, Object>> eventsOf(String clientRequestId) {
		return await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> this.jdbc.queryForList("SELECT * FROM audit_event WHERE correlation_id = ?", clientRequestId),
					(rows) -> !rows.isEmpty());
	}

	private static void send(Socket socket, String text) throws IOException {
		OutputStream out = socket.getOutputStream();
		out.write(text.getBytes(StandardCharsets.ISO_8859_1));
		out.flush();
	}

	/**
	 * Sends {@code first}, then {@code next} every 200 ms until the close is seen or the
	 * gateway refuses more bytes.
	 */
	private static Thread dribble(Socket socket, String first, String next, AtomicBoolean closedSeen) {
		Thread dribbler = new Thread(() -> {
			try {
				send(socket, first);
				while (!closedSeen.get()) {
					Thread.sleep(200);
					send(socket, next);
				}
			}
			catch (IOException | InterruptedException ex) {
				// The gateway closed the connection.
			}
		}, "dribbler");
		dribbler.setDaemon(true);
		dribbler.start();
		return dribbler;
	}

	/** Reads until the gateway closes the connection (or resets it). */
	private static Closed awaitClose(InputStream in) throws IOException {
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		byte[] buffer = new byte[8192];
		try {
			for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
				received.write(buffer, 0, read);
			}
		}
		catch (SocketException ex) {
			// A reset after the close: bytes written after it were refused.
		}
		return new Closed(System.nanoTime(), received.toByteArray());
	}

	/** When the connection was seen closed, and what arrived before. */
	record Closed(long at, byte[] received) {

		Duration after(long start) {
			return Duration.ofNanos(this.at - start);
		}

		RawReply reply() throws IOException {
			return RawReply.read(new java.io.ByteArrayInputStream(this.received));
		}

		RawReply replyIfAny() throws IOException {
			return (this.received.length > 0) ? reply() : null;
		}

	}

}
