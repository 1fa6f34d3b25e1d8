package com.graphpolicygateway.audit.sinks;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A webhook endpoint on loopback (the JDK's HTTP server) that keeps every post it
 * accepted, answers 503 to the first {@link #refuse} posts, and may take its time.
 */
final class WebhookReceiver implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpServer server;

	private final List<Post> accepted = new ArrayList<>();

	private final AtomicInteger refusals = new AtomicInteger();

	private final AtomicInteger refused = new AtomicInteger();

	private volatile long delayMillis;

	private WebhookReceiver() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.setExecutor(Executors.newFixedThreadPool(2));
		this.server.createContext("/", (exchange) -> {
			try (InputStream body = exchange.getRequestBody()) {
				String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
				if (this.refusals.getAndUpdate((left) -> Math.max(0, left - 1)) > 0) {
					this.refused.incrementAndGet();
					exchange.sendResponseHeaders(503, -1);
					return;
				}
				sleep(this.delayMillis);
				synchronized (this.accepted) {
					this.accepted.add(new Post(exchange.getRequestHeaders().getFirst("Authorization"),
							exchange.getRequestHeaders().getFirst("Content-Type"), text));
				}
				exchange.sendResponseHeaders(200, -1);
			}
			finally {
				exchange.close();
			}
		});
		this.server.start();
	}

	static WebhookReceiver start() throws IOException {
		return new WebhookReceiver();
	}

	URI uri() {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/services/collector/event");
	}

	/** The next {@code count} posts are answered 503. */
	void refuse(int count) {
		this.refusals.set(count);
	}

	int refused() {
		return this.refused.get();
	}

	/** Each accepted post is answered after {@code millis}. */
	void delay(long millis) {
		this.delayMillis = millis;
	}

	List<Post> accepted() {
		synchronized (this.accepted) {
			return List.copyOf(this.accepted);
		}
	}

	/** The records of every accepted post, in order, from JSON arrays or HEC events. */
	List<JsonNode> records() {
		List<JsonNode> records = new ArrayList<>();
		for (Post post : accepted()) {
			String body = post.body().strip();
			if (body.startsWith("[")) {
				JSON.readTree(body).forEach(records::add);
			}
			else {
				for (String line : body.split("\n")) {
					records.add(JSON.readTree(line).get("event"));
				}
			}
		}
		return records;
	}

	/** The ids of the event records accepted, in order. */
	List<String> eventIds() {
		return records().stream()
			.filter((record) -> record.get("recordType").asString().equals("auditEvent"))
			.map((record) -> record.get("id").asString())
			.toList();
	}

	private static void sleep(long millis) {
		if (millis > 0) {
			try {
				Thread.sleep(millis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	/**
	 * An accepted post.
	 *
	 * @param authorization its Authorization header
	 * @param contentType its Content-Type
	 * @param body its body
	 */
	record Post(String authorization, String contentType, String body) {
	}

}
