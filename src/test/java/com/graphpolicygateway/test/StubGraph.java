package com.graphpolicygateway.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;

/**
 * A stand-in for Microsoft Graph on 127.0.0.1: records every request it receives (method,
 * raw path and query, headers, body bytes) and answers with queued responses, or 204 by
 * default. User lookups ({@code GET /v1.0/users/{id}}) are the exception: its
 * {@link #directory() directory} answers them and records them apart, so that what was
 * forwarded is still all {@link #received()} holds.
 */
public final class StubGraph implements AutoCloseable {

	private final HttpServer server;

	private final List<Received> received = java.util.Collections.synchronizedList(new ArrayList<>());

	private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();

	/** How some queued answers misbehave, keyed by the identity of the queued answer. */
	private final Map<Answer, Trouble> troubles = Collections.synchronizedMap(new IdentityHashMap<>());

	private final Directory directory = new Directory();

	private StubGraph(HttpServer server) {
		this.server = server;
	}

	/** Starts a stub on an ephemeral loopback port. */
	public static StubGraph start() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
			StubGraph stub = new StubGraph(server);
			server.createContext("/", stub::handle);
			server.setExecutor(Executors.newFixedThreadPool(8));
			server.start();
			return stub;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Scheme, host and port, as {@code graph-gateway.upstream.base-uri}. */
	public String baseUri() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	public int port() {
		return this.server.getAddress().getPort();
	}

	/** Queues the next answer. */
	public StubGraph willAnswer(Answer answer) {
		this.answers.add(answer);
		return this;
	}

	/** Queues the next answer, sent only after {@code delay} (a slow Graph). */
	public StubGraph willAnswerAfter(Duration delay, Answer answer) {
		return willMisbehave(answer, new Trouble(Trouble.Kind.DELAY, delay, 0));
	}

	/**
	 * Queues the next answer's status and headers, sent at once, and its body, sent only
	 * after {@code pause}.
	 */
	public StubGraph willAnswerWithSlowBody(Duration pause, Answer answer) {
		return willMisbehave(answer, new Trouble(Trouble.Kind.SLOW_BODY, pause, 0));
	}

	/**
	 * Queues an answer whose status and headers (with the full {@code Content-Length})
	 * are sent, but only the first {@code bytes} bytes of its body before the connection
	 * is closed.
	 */
	public StubGraph willAnswerTruncated(int bytes, Answer answer) {
		return willMisbehave(answer, new Trouble(Trouble.Kind.TRUNCATED, Duration.ZERO, bytes));
	}

	/**
	 * Queues closing the connection after reading the request, without any answer (as
	 * when a front end drops the connection).
	 */
	public StubGraph willCloseWithoutAnswer() {
		return willMisbehave(Answer.noContent(), new Trouble(Trouble.Kind.CLOSE, Duration.ZERO, 0));
	}

	/**
	 * Queues closing the connection without reading the request body nor answering: with
	 * a large body the gateway is still sending when the connection drops (reset). The
	 * request is recorded with an empty body.
	 */
	public StubGraph willResetConnection() {
		return willMisbehave(Answer.noContent(), new Trouble(Trouble.Kind.RESET, Duration.ZERO, 0));
	}

	private StubGraph willMisbehave(Answer answer, Trouble trouble) {
		// A copy, so that the same answer can be queued once well-behaved and once not
		Answer queued = new Answer(answer.status(), answer.headers(), answer.body());
		this.troubles.put(queued, trouble);
		this.answers.add(queued);
		return this;
	}

	/** Everything received since the last {@link #reset()}. */
	public List<Received> received() {
		synchronized (this.received) {
			return List.copyOf(this.received);
		}
	}

	/** The only request received since the last reset. */
	public Received onlyRequest() {
		List<Received> all = received();
		if (all.size() != 1) {
			throw new AssertionError("Expected exactly one request at the stub Graph, but got " + all.size());
		}
		return all.get(0);
	}

	/** The users this Graph knows: they answer the gateway's user lookups. */
	public Directory directory() {
		return this.directory;
	}

	public void reset() {
		this.received.clear();
		this.answers.clear();
		this.troubles.clear();
		this.directory.reset();
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			if (this.directory.answers(exchange)) {
				return;
			}
			if (resetsConnection(exchange)) {
				return;
			}
			byte[] body;
			try (InputStream in = exchange.getRequestBody()) {
				body = in.readAllBytes();
			}
			HttpHeaders headers = new HttpHeaders();
			exchange.getRequestHeaders().forEach((name, values) -> headers.addAll(name, values));
			this.received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI(), headers, body));
			Answer answer = this.answers.poll();
			if (answer == null) {
				answer = Answer.noContent();
			}
			Trouble trouble = this.troubles.remove(answer);
			if (trouble != null) {
				misbehave(exchange, answer, trouble);
				return;
			}
			answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
			int length = (answer.body().length == 0) ? -1 : answer.body().length;
			exchange.sendResponseHeaders(answer.status(), length);
			if (length > 0) {
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(answer.body());
				}
			}
		}
	}

	private boolean resetsConnection(HttpExchange exchange) {
		Answer next = this.answers.peek();
		Trouble trouble = (next != null) ? this.troubles.get(next) : null;
		if (trouble == null || trouble.kind() != Trouble.Kind.RESET || !this.answers.remove(next)) {
			return false;
		}
		this.troubles.remove(next);
		HttpHeaders headers = new HttpHeaders();
		exchange.getRequestHeaders().forEach((name, values) -> headers.addAll(name, values));
		this.received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI(), headers, new byte[0]));
		// Closing with unread request bytes makes the kernel answer with RST
		exchange.close();
		return true;
	}

	private void misbehave(HttpExchange exchange, Answer answer, Trouble trouble) {
		try {
			if (trouble.kind() == Trouble.Kind.CLOSE) {
				exchange.close(); // no headers sent: the connection is closed without an
									// answer
				return;
			}
			if (trouble.kind() == Trouble.Kind.DELAY) {
				Thread.sleep(trouble.pause().toMillis());
			}
			answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
			byte[] body = answer.body();
			exchange.sendResponseHeaders(answer.status(), (body.length == 0) ? -1 : body.length);
			OutputStream out = exchange.getResponseBody();
			out.flush();
			if (trouble.kind() == Trouble.Kind.SLOW_BODY) {
				Thread.sleep(trouble.pause().toMillis());
			}
			int length = (trouble.kind() == Trouble.Kind.TRUNCATED) ? Math.min(trouble.bytes(), body.length)
					: body.length;
			out.write(body, 0, length);
			out.flush();
			exchange.close(); // a truncated body makes this fail and drop the connection
		}
		catch (IOException ex) {
			// The gateway gave up first (timeout) or the body was cut on purpose
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * The users of the stub's tenant, by object id, answering {@code GET /v1.0/users/{id
	 * | userPrincipalName}} (and {@code /users('{upn}')}) as Graph does: 200 with
	 * {@code id} and {@code userPrincipalName}, plus each other property its
	 * {@code $select} names (the user's value, or null), or 404
	 * {@code Request_ResourceNotFound}, ignoring case. Empty until a test adds users.
	 */
	public static final class Directory {

		private static final Pattern LOOKUP = Pattern
			.compile("/(?:v1\\.0|beta)/users(?:/([^/()]+)|\\('((?:[^']|'')+)'\\))");

		/** Principal names by lower-case object id. */
		private final Map<String, String> users = new ConcurrentHashMap<>();

		/** Other properties (name to JSON text) by lower-case object id. */
		private final Map<String, Map<String, String>> properties = new ConcurrentHashMap<>();

		private final List<Received> lookups = Collections.synchronizedList(new ArrayList<>());

		private volatile @Nullable Answer failure;

		private volatile Duration delay = Duration.ZERO;

		private Directory() {
		}

		/** Adds a user, or renames one already there. */
		public Directory user(String objectId, String userPrincipalName) {
			this.users.put(objectId.toLowerCase(Locale.ROOT), userPrincipalName);
			return this;
		}

		/**
		 * Sets a property of a user added before, as its JSON text ({@code "\"Sales\""},
		 * {@code "true"}), answered when a lookup's {@code $select} names it.
		 */
		public Directory property(String objectId, String name, String json) {
			this.properties.computeIfAbsent(objectId.toLowerCase(Locale.ROOT), (id) -> new ConcurrentHashMap<>())
				.put(name, json);
			return this;
		}

		/**
		 * The property names the lookups' {@code $select} asked for, each lookup's in
		 * order.
		 */
		public List<List<String>> selected() {
			return lookups().stream().map((lookup) -> select(lookup.uri())).toList();
		}

		/** Deletes a user: lookups by its id or name answer 404 from now on. */
		public Directory delete(String objectId) {
			this.users.remove(objectId.toLowerCase(Locale.ROOT));
			return this;
		}

		/** Answers every lookup with {@code answer} (an outage) until {@link #heal()}. */
		public Directory failWith(Answer answer) {
			this.failure = answer;
			return this;
		}

		public Directory heal() {
			this.failure = null;
			return this;
		}

		/** Answers every lookup only after {@code delay} (a slow Graph). */
		public Directory delay(Duration delay) {
			this.delay = delay;
			return this;
		}

		/** Every lookup received since the last reset. */
		public List<Received> lookups() {
			synchronized (this.lookups) {
				return List.copyOf(this.lookups);
			}
		}

		/** How many lookups asked for {@code identifier}, ignoring case. */
		public long lookupsOf(String identifier) {
			return lookups().stream().filter((lookup) -> identifier.equalsIgnoreCase(identifier(lookup.uri()))).count();
		}

		void reset() {
			this.users.clear();
			this.properties.clear();
			this.lookups.clear();
			this.failure = null;
			this.delay = Duration.ZERO;
		}

		/** Answers a user lookup; false when the request is not one. */
		boolean answers(HttpExchange exchange) throws IOException {
			URI uri = exchange.getRequestURI();
			if (!"GET".equals(exchange.getRequestMethod()) || identifier(uri) == null) {
				return false;
			}
			exchange.getRequestBody().readAllBytes();
			HttpHeaders headers = new HttpHeaders();
			exchange.getRequestHeaders().forEach((name, values) -> headers.addAll(name, values));
			this.lookups.add(new Received("GET", uri, headers, new byte[0]));
			if (!this.delay.isZero()) {
				try {
					Thread.sleep(this.delay.toMillis());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return true;
				}
			}
			Answer answer = answer(identifier(uri), select(uri));
			answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
			try {
				exchange.sendResponseHeaders(answer.status(), (answer.body().length == 0) ? -1 : answer.body().length);
				if (answer.body().length > 0) {
					try (OutputStream out = exchange.getResponseBody()) {
						out.write(answer.body());
					}
				}
			}
			catch (IOException ex) {
				// The gateway gave up first (its lookup timeout)
			}
			return true;
		}

		private Answer answer(String identifier, List<String> select) {
			Answer outage = this.failure;
			if (outage != null) {
				return outage;
			}
			String wanted = identifier.toLowerCase(Locale.ROOT);
			for (Map.Entry<String, String> user : this.users.entrySet()) {
				if (user.getKey().equals(wanted) || user.getValue().toLowerCase(Locale.ROOT).equals(wanted)) {
					StringBuilder others = new StringBuilder();
					Map<String, String> values = this.properties.getOrDefault(user.getKey(), Map.of());
					for (String name : select) {
						if (!name.equals("id") && !name.equals("userPrincipalName")) {
							others.append(",\"").append(name).append("\":").append(values.getOrDefault(name, "null"));
						}
					}
					return Answer.json(200,
							"{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName)"
									+ "/$entity\",\"id\":\"" + user.getKey() + "\",\"userPrincipalName\":\""
									+ user.getValue() + "\"" + others + "}",
							Map.of());
				}
			}
			return Answer.json(404,
					"{\"error\":{\"code\":\"Request_ResourceNotFound\",\"message\":\"Resource '"
							+ identifier.replace("\"", "")
							+ "' does not exist or one of its queried reference-property objects "
							+ "are not present.\",\"innerError\":{\"date\":\"2026-11-27T10:00:00\"}}}",
					Map.of());
		}

		/** The property names a lookup's {@code $select} names, decoded, in order. */
		private static List<String> select(URI uri) {
			String query = uri.getRawQuery();
			if (query == null) {
				return List.of();
			}
			for (String parameter : query.split("&")) {
				if (parameter.startsWith("$select=") || parameter.startsWith("%24select=")) {
					String value = URLDecoder.decode(parameter.substring(parameter.indexOf('=') + 1),
							StandardCharsets.UTF_8);
					return List.of(value.split(","));
				}
			}
			return List.of();
		}

		/** The user a lookup asks for, decoded, or null when the URI is not a lookup. */
		private static @Nullable String identifier(URI uri) {
			Matcher lookup = LOOKUP.matcher(uri.getRawPath());
			if (!lookup.matches()) {
				return null;
			}
			String raw = (lookup.group(1) != null) ? lookup.group(1) : lookup.group(2).replace("''", "'");
			return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
		}

	}

	/**
	 * How a queued answer misbehaves.
	 *
	 * @param kind what goes wrong
	 * @param pause the delay before the answer or its body
	 * @param bytes the body bytes sent before a truncation
	 */
	private record Trouble(Kind kind, Duration pause, int bytes) {

		enum Kind {

			DELAY, SLOW_BODY, TRUNCATED, CLOSE, RESET

		}

	}

	/**
	 * One request as the stub received it.
	 *
	 * @param method the HTTP method
	 * @param uri the request URI exactly as sent (raw path and query)
	 * @param headers the headers, case-insensitive
	 * @param body the body bytes
	 */
	public record Received(String method, URI uri, HttpHeaders headers, byte[] body) {

		public String bodyText() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

	}

	/**
	 * One answer of the stub.
	 *
	 * @param status HTTP status
	 * @param headers response headers (one value each)
	 * @param body response body
	 */
	public record Answer(int status, Map<String, String> headers, byte[] body) {

		/** What real Graph answers to {@code PATCH /v1.0/users/{id}}. */
		public static Answer noContent() {
			return new Answer(204, Map.of("request-id", "0b8f1a4e-9d6a-4a57-9d3c-5f1f9e3c2a11", "x-ms-ags-diagnostic",
					"{\"ServerInfo\":{\"DataCenter\":\"West Europe\"}}"), new byte[0]);
		}

		public static Answer json(int status, String body, Map<String, String> headers) {
			Map<String, String> all = new java.util.LinkedHashMap<>(headers);
			all.putIfAbsent("Content-Type", "application/json;odata.metadata=minimal;charset=utf-8");
			return new Answer(status, all, body.getBytes(StandardCharsets.UTF_8));
		}

	}

}
