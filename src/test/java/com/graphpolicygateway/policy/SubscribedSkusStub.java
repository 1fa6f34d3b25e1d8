package com.graphpolicygateway.policy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for Graph's {@code GET /v1.0/subscribedSkus} on 127.0.0.1: answers the
 * current answer (after an optional delay) and records the bearer token of every lookup;
 * any other path is 404.
 */
final class SubscribedSkusStub implements AutoCloseable {

	static final String PATH = "/v1.0/subscribedSkus";

	private final HttpServer server;

	private final ExecutorService executor = Executors.newFixedThreadPool(16);

	private final List<String> authorizations = new CopyOnWriteArrayList<>();

	private volatile int status = 200;

	private volatile String body = TestSubscribedSkus.licensed().json();

	private volatile Duration delay = Duration.ZERO;

	private SubscribedSkusStub() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", this::handle);
		this.server.setExecutor(this.executor);
		this.server.start();
	}

	static SubscribedSkusStub start() {
		try {
			return new SubscribedSkusStub();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Scheme, host and port, as {@code graph-gateway.upstream.base-uri}. */
	URI baseUri() {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort());
	}

	SubscribedSkusStub answer(TestSubscribedSkus.Builder skus) {
		return answer(200, skus.json());
	}

	SubscribedSkusStub answer(int status, String body) {
		this.status = status;
		this.body = body;
		return this;
	}

	SubscribedSkusStub delay(Duration delay) {
		this.delay = delay;
		return this;
	}

	/** How many lookups reached the stub. */
	int lookups() {
		return this.authorizations.size();
	}

	/** The {@code Authorization} header of every lookup. */
	List<String> authorizations() {
		return List.copyOf(this.authorizations);
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			exchange.getRequestBody().readAllBytes();
			if (!"GET".equals(exchange.getRequestMethod()) || !PATH.equals(exchange.getRequestURI().getPath())) {
				exchange.sendResponseHeaders(404, -1);
				return;
			}
			String authorization = exchange.getRequestHeaders().getFirst("Authorization");
			this.authorizations.add((authorization != null) ? authorization : "");
			if (!this.delay.isZero()) {
				Thread.sleep(this.delay.toMillis());
			}
			byte[] bytes = this.body.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "application/json");
			exchange.sendResponseHeaders(this.status, (bytes.length == 0) ? -1 : bytes.length);
			if (bytes.length > 0) {
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(bytes);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
