package com.graphpolicygateway.test;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.graphpolicygateway.GraphPolicyGatewayApplication;

import static org.awaitility.Awaitility.await;

/**
 * A gateway in a JVM of its own, on the test class path, so that it can really be stopped
 * with SIGTERM or killed with {@code kill -9}. It forwards to a {@link StubGraph} in
 * passthrough mode, trusts a {@link StubIdentityProvider}, allows every call
 * ({@code allow-all.yml}) and writes its audit trail to {@code database}; its output goes
 * to {@code log}.
 *
 * @param process the gateway's process
 * @param port the gateway's port
 * @param managementPort its management port
 * @param log the file its output goes to
 */
public record GatewayProcess(Process process, int port, int managementPort, Path log) implements AutoCloseable {

	/**
	 * Starts a gateway and waits until it is ready; {@code extraArguments} are added to
	 * (and override) the defaults, as {@code --key=value}.
	 */
	public static GatewayProcess start(String database, StubGraph graph, StubIdentityProvider idp, Path log,
			String... extraArguments) throws IOException {
		int port = freePort();
		int management = freePort();
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> defaults = List.of("--server.port=" + port, "--management.server.port=" + management,
				"--spring.datasource.url=" + database, "--graph-gateway.upstream.base-uri=" + graph.baseUri(),
				"--graph-gateway.upstream.auth=passthrough",
				"--graph-gateway.identity.audiences[0]=" + StubIdentityProvider.AUDIENCE,
				"--graph-gateway.identity.issuers[0].issuer=" + idp.issuerTemplateV2(),
				"--graph-gateway.identity.issuers[0].jwk-set-uri=" + idp.jwkSetUri(),
				// Its own app registration, for its Graph lookups in passthrough mode too
				"--graph-gateway.identity.token-uri=" + idp.tokenUriTemplate(),
				"--graph-gateway.identity.client-id=" + StubIdentityProvider.GATEWAY_CLIENT_ID,
				"--graph-gateway.identity.client-secret=" + StubIdentityProvider.GATEWAY_CLIENT_SECRET,
				"--graph-gateway.policy.file=src/test/resources/policy/allow-all.yml",
				"--graph-gateway.upstream.response-timeout=2s", "--graph-gateway.audit.write-timeout=500ms",
				"--graph-gateway.audit.recovery-grace=1s", "--logging.structured.format.console=");
		List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
				GraphPolicyGatewayApplication.class.getName()));
		// An option given twice would bind as both values joined by a comma.
		Set<String> overridden = Arrays.stream(extraArguments).map(GatewayProcess::option).collect(Collectors.toSet());
		defaults.stream().filter((argument) -> !overridden.contains(option(argument))).forEach(command::add);
		command.addAll(List.of(extraArguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.directory(new File(System.getProperty("user.dir")))
			.start();
		GatewayProcess gateway = new GatewayProcess(process, port, management, log);
		HttpClient http = HttpClient.newHttpClient();
		await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
			if (!process.isAlive()) {
				throw new IllegalStateException("The gateway stopped at start-up: " + Files.readString(log));
			}
			try {
				return http
					.send(HttpRequest
						.newBuilder(URI.create("http://127.0.0.1:" + management + "/actuator/health/readiness"))
						.build(), HttpResponse.BodyHandlers.discarding())
					.statusCode() == 200;
			}
			catch (IOException ex) {
				return false;
			}
		});
		return gateway;
	}

	/** The option an argument {@code --key=value} sets. */
	private static String option(String argument) {
		int equals = argument.indexOf('=');
		return (equals < 0) ? argument : argument.substring(0, equals);
	}

	/** The gateway's base URI. */
	public URI baseUri() {
		return URI.create("http://127.0.0.1:" + this.port);
	}

	/**
	 * A PATCH of a random user with {@code token}, tagged with {@code clientRequestId}.
	 */
	public HttpRequest patch(String token, String clientRequestId) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/users/" + UUID.randomUUID()))
			.method("PATCH", HttpRequest.BodyPublishers.ofString("{\"displayName\":\"Adele Vance\"}"))
			.header("Authorization", "Bearer " + token)
			.header("Content-Type", "application/json")
			.header("client-request-id", clientRequestId)
			.timeout(Duration.ofSeconds(10))
			.build();
	}

	/** {@code kill -9}: no shutdown hook, no draining. */
	public void kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(30, TimeUnit.SECONDS);
	}

	/**
	 * Kills the process if it still runs: a test that fails half-way must not leave a
	 * gateway running (under its callers' load) beside the tests after it.
	 */
	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			kill();
		}
	}

	/**
	 * SIGTERM, as Kubernetes stops a pod, and waits for the process to end.
	 * @return whether it ended within {@code timeout}
	 */
	public boolean terminate(Duration timeout) throws InterruptedException {
		this.process.destroy();
		return this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** A free port on the loopback interface. */
	public static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
