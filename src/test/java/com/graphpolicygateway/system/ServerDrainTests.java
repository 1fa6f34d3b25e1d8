package com.graphpolicygateway.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.support.StaticApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ServerDrain}: where it stands in the shutdown, answers closing their
 * connections once the context closes, and, on a real Reactor Netty server on 127.0.0.1
 * with kept-alive connections, its stop waiting for the requests in flight before closing
 * every connection, and cutting them short once the grace period is over.
 */
class ServerDrainTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final StaticApplicationContext context = new StaticApplicationContext();

	/** Completes the answer of {@code /held}. */
	private final Sinks.Empty<Void> release = Sinks.empty();

	private final CountDownLatch heldStarted = new CountDownLatch(1);

	private final CountDownLatch heldCancelled = new CountDownLatch(1);

	private DisposableServer server;

	@AfterEach
	void disposeServer() {
		if (this.server != null) {
			this.server.disposeNow(WAIT);
		}
	}

	@Test
	void phaseWhenStoppingThenAfterTheWebServerAndBeforeTheAuditTrail() {
		ServerDrain drain = new ServerDrain(this.context, Duration.ofSeconds(30));

		assertThat(drain.getPhase()).isEqualTo(ShutdownPhases.CONNECTIONS_DRAINED);
		// Spring stops the highest phase first.
		assertThat(new int[] { ShutdownPhases.WEB_SERVER_GRACEFUL_SHUTDOWN, ShutdownPhases.WEB_SERVER_STOP,
				ShutdownPhases.CONNECTIONS_DRAINED, ShutdownPhases.AUDIT_MAINTENANCE, ShutdownPhases.AUDIT_WRITER })
			.isSortedAccordingTo((a, b) -> Integer.compare(b, a))
			.doesNotHaveDuplicates();
	}

	@Test
	void decorateWhenContextOpenThenAnswersKeepTheirConnections() {
		ServerDrain drain = new ServerDrain(this.context, Duration.ofSeconds(30));

		MockServerHttpResponse response = answer(drain);

		assertThat(response.getHeaders().getConnection()).isEmpty();
		assertThat(drain.isDraining()).isFalse();
	}

	@Test
	void decorateWhenContextClosingThenAnswersCloseTheirConnections() {
		ServerDrain drain = new ServerDrain(this.context, Duration.ofSeconds(30));

		drain.onApplicationEvent(new ContextClosedEvent(this.context));

		assertThat(answer(drain).getHeaders().getConnection()).containsExactly("close");
	}

	@Test
	void startWhenStoppedWithoutClosingThenAnswersKeepTheirConnectionsAgain() {
		// A paused test context, or ConfigurableApplicationContext#stop() and #start().
		ServerDrain drain = new ServerDrain(this.context, Duration.ofSeconds(30));
		drain.start();
		drain.stop();

		drain.start();

		assertThat(drain.isDraining()).isFalse();
		assertThat(answer(drain).getHeaders().getConnection()).isEmpty();
	}

	@Test
	void onApplicationEventWhenAChildContextClosesThenNotDraining() {
		ServerDrain drain = new ServerDrain(this.context, Duration.ofSeconds(30));
		StaticApplicationContext child = new StaticApplicationContext(this.context);

		drain.onApplicationEvent(new ContextClosedEvent(child));

		assertThat(drain.isDraining()).isFalse();
		assertThat(answer(drain).getHeaders().getConnection()).isEmpty();
	}

	@Test
	void stopWhenNothingInFlightThenClosesKeptAliveConnectionsAtOnce() throws Exception {
		ServerDrain drain = start(Duration.ofSeconds(30), WAIT);
		try (RawConnection idle = connect()) {
			assertThat(idle.send("/now").keepsConnection()).isTrue();

			assertThat(CompletableFuture.runAsync(drain::stop)).succeedsWithin(WAIT);

			assertThat(idle.closedByServer()).isTrue();
			assertThat(drain.openConnections()).isZero();
			assertThat(drain.isRunning()).isFalse();
		}
	}

	@Test
	void stopWhenARequestIsInFlightThenWaitsForItsAnswerThenClosesEveryConnection() throws Exception {
		ServerDrain drain = start(Duration.ofSeconds(30), WAIT);
		try (RawConnection idle = connect(); RawConnection busy = connect()) {
			assertThat(idle.send("/now").keepsConnection()).isTrue();
			busy.sendOnly("/held");
			assertThat(this.heldStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			drain.onApplicationEvent(new ContextClosedEvent(this.context));

			CompletableFuture<Void> stopped = CompletableFuture.runAsync(drain::stop);
			await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !stopped.isDone());
			assertThat(drain.requestsInFlight()).isOne();
			this.release.tryEmitEmpty();

			Answer held = busy.receive();
			assertThat(held.status()).isEqualTo(200);
			assertThat(held.keepsConnection()).isFalse();
			assertThat(stopped).succeedsWithin(WAIT);
			assertThat(busy.closedByServer()).isTrue();
			assertThat(idle.closedByServer()).isTrue();
			assertThat(this.heldCancelled.getCount()).isOne();
		}
	}

	@Test
	void stopWhenGracePeriodEndsThenRequestsStillInFlightAreCutShort() throws Exception {
		ServerDrain drain = start(Duration.ofMillis(200), WAIT);
		try (RawConnection busy = connect()) {
			busy.sendOnly("/held");
			assertThat(this.heldStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

			assertThat(CompletableFuture.runAsync(drain::stop)).succeedsWithin(WAIT);

			// Cancelled before the stop returned: its audit event is queued by then.
			assertThat(this.heldCancelled.getCount()).isZero();
			assertThat(busy.closedByServer()).isTrue();
			assertThat(drain.requestsInFlight()).isZero();
		}
	}

	@Test
	void stopWhenAnAnsweredRequestsHandlerNeverEndsThenClosingItsConnectionEndsTheWait() throws Exception {
		// Closing the connections would wait a minute for a request that is not over.
		ServerDrain drain = start(Duration.ofMillis(200), Duration.ofMinutes(1));
		try (RawConnection answered = connect()) {
			assertThat(answered.send("/answered-then-never-ends").status()).isEqualTo(200);

			assertThat(CompletableFuture.runAsync(drain::stop)).succeedsWithin(WAIT);

			assertThat(answered.closedByServer()).isTrue();
		}
	}

	private static MockServerHttpResponse answer(ServerDrain drain) {
		MockServerHttpResponse response = new MockServerHttpResponse();
		HttpHandler handler = drain.decorate((request, answer) -> answer.setComplete());
		handler.handle(MockServerHttpRequest.patch("/users/1").build(), response).block(WAIT);
		assertThat(drain.requestsInFlight()).isZero();
		return response;
	}

	/** A started drain in front of a Reactor Netty server on 127.0.0.1. */
	private ServerDrain start(Duration gracePeriod, Duration closeWait) {
		ServerDrain drain = new ServerDrain(this.context, gracePeriod, closeWait);
		HttpHandler application = (request, response) -> switch (request.getPath().value()) {
			case "/held" -> Mono.<Void>fromRunnable(this.heldStarted::countDown)
				.then(this.release.asMono())
				.doOnCancel(this.heldCancelled::countDown)
				.then(Mono.defer(response::setComplete));
			case "/answered-then-never-ends" -> {
				response.getHeaders().setContentLength(2);
				yield response
					.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(new byte[] { 'o', 'k' })))
					.then(Mono.never());
			}
			default -> {
				response.setStatusCode(HttpStatus.NO_CONTENT);
				yield response.setComplete();
			}
		};
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.doOnChannelInit((observer, channel, remoteAddress) -> drain.track(channel))
			.handle(new ReactorHttpHandlerAdapter(drain.decorate(application)))
			.bindNow(WAIT);
		drain.start();
		return drain;
	}

	private RawConnection connect() throws IOException {
		return new RawConnection(new Socket("127.0.0.1", this.server.port()));
	}

	/** An HTTP/1.1 connection kept alive by its client, read byte by byte. */
	private record RawConnection(Socket socket) implements AutoCloseable {

		RawConnection {
			try {
				socket.setSoTimeout((int) WAIT.toMillis());
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}

		Answer send(String path) throws IOException {
			sendOnly(path);
			return receive();
		}

		void sendOnly(String path) throws IOException {
			this.socket.getOutputStream()
				.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			this.socket.getOutputStream().flush();
		}

		/** The head of the next answer, whose body is read and dropped. */
		Answer receive() throws IOException {
			InputStream in = this.socket.getInputStream();
			ByteArrayOutputStream head = new ByteArrayOutputStream();
			while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
				int next = in.read();
				if (next < 0) {
					throw new IOException("Connection closed before an answer: " + head);
				}
				head.write(next);
			}
			Answer answer = new Answer(head.toString(StandardCharsets.US_ASCII));
			in.readNBytes(answer.contentLength());
			return answer;
		}

		/** Whether the server closed the connection (within the wait). */
		boolean closedByServer() throws IOException {
			try {
				return this.socket.getInputStream().read() < 0;
			}
			catch (SocketTimeoutException ex) {
				return false;
			}
			catch (IOException ex) {
				return true; // reset
			}
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

	/** The head of an answer. */
	private record Answer(String head) {

		int status() {
			return Integer.parseInt(this.head.substring(9, 12));
		}

		int contentLength() {
			String head = this.head.toLowerCase(Locale.ROOT);
			int header = head.indexOf("\r\ncontent-length: ");
			return (header < 0) ? 0
					: Integer.parseInt(head.substring(header + 18, head.indexOf("\r\n", header + 2)).trim());
		}

		boolean keepsConnection() {
			return !this.head.toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n");
		}

	}

}
