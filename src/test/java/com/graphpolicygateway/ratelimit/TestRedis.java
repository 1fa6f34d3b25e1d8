package com.graphpolicygateway.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * Redis for the rate-limit tests: the machine's shared server at 127.0.0.1:6379, or a
 * {@code redis-server} process of the test's own that it may stop and start again (the
 * shared one is never stopped). Without Redis the test is skipped, or fails when
 * {@code CI=true}: CI must never pass without the store production shares limits in.
 */
public final class TestRedis {

	public static final String HOST = "127.0.0.1";

	static final int SHARED_PORT = 6379;

	private static final Path SERVER = Path.of("/usr/bin/redis-server");

	private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

	private TestRedis() {
	}

	/** The shared Redis at 127.0.0.1:6379; skips or fails the test when it is down. */
	public static int sharedPort() {
		if (!answersPing(SHARED_PORT)) {
			unavailable("no Redis answers PING at " + HOST + ":" + SHARED_PORT);
		}
		return SHARED_PORT;
	}

	/** A fresh, empty Redis of the test's own on a free port. */
	static RedisProcess startOwn() {
		if (!Files.isExecutable(SERVER)) {
			unavailable(SERVER + " is not installed");
		}
		RedisProcess redis = new RedisProcess(freePort());
		redis.start();
		return redis;
	}

	/** A key prefix no other test class or run uses. */
	public static String uniquePrefix(Class<?> testClass) {
		return "test:" + testClass.getSimpleName() + ":" + UUID.randomUUID() + ":";
	}

	/**
	 * A client to Redis on {@code port}, as the gateway's auto-configuration makes it.
	 */
	static Client client(int port) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(HOST, port));
		factory.afterPropertiesSet();
		factory.start();
		return new Client(factory, new ReactiveStringRedisTemplate(factory));
	}

	static boolean answersPing(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(HOST, port), 500);
			socket.setSoTimeout(500);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			byte[] answer = new byte[7];
			InputStream in = socket.getInputStream();
			int read = in.readNBytes(answer, 0, answer.length);
			return new String(answer, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void unavailable(String why) {
		String message = "No Redis for the rate-limit tests: " + why;
		if ("true".equalsIgnoreCase(System.getenv("CI"))) {
			Assertions.fail(message + " (CI=true: Redis tests must run in CI)");
		}
		Assumptions.abort(message);
	}

	/**
	 * A Redis client: the template the gateway would use, and its connection factory.
	 */
	record Client(LettuceConnectionFactory factory, ReactiveStringRedisTemplate template) implements AutoCloseable {

		@Override
		public void close() {
			this.factory.destroy();
		}

	}

	/** A {@code redis-server} process of the test's own, without persistence. */
	static final class RedisProcess implements AutoCloseable {

		private final int port;

		private Process process;

		private RedisProcess(int port) {
			this.port = port;
		}

		int port() {
			return this.port;
		}

		/** Starts the server (again, on the same port) and waits until it answers. */
		void start() {
			try {
				this.process = new ProcessBuilder(SERVER.toString(), "--port", Integer.toString(this.port), "--bind",
						HOST, "--save", "", "--appendonly", "no", "--daemonize", "no")
					.redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.DISCARD)
					.start();
			}
			catch (IOException ex) {
				unavailable("could not start " + SERVER + ": " + ex.getMessage());
			}
			long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
			while (!answersPing(this.port)) {
				if (!this.process.isAlive() || System.nanoTime() > deadline) {
					stop();
					unavailable(SERVER + " did not answer PING on port " + this.port);
				}
				sleep(20);
			}
		}

		/** Stops the server, as a crash or a network split would take it away. */
		void stop() {
			Process running = this.process;
			if (running == null) {
				return;
			}
			running.destroyForcibly();
			try {
				running.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.process = null;
		}

		@Override
		public void close() {
			stop();
		}

		private static void sleep(long millis) {
			try {
				Thread.sleep(millis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
