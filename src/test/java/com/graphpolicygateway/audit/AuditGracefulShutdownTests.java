package com.graphpolicygateway.audit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import com.graphpolicygateway.audit.verify.AuditChainVerifier;
import com.graphpolicygateway.test.AuditDatabases;
import com.graphpolicygateway.test.GatewayProcess;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway in a JVM of its own stopped with SIGTERM, as Kubernetes stops a pod, right
 * after a burst of allowed and refused calls on kept-alive connections, and while callers
 * are still sending: every answered call has exactly one audit event, no event is left
 * pending, the trail verifies, and the process ends within its grace period. On an
 * embedded SQLite file in WAL mode and on PostgreSQL.
 */
class AuditGracefulShutdownTests {

	/** The gateways' {@code spring.lifecycle.timeout-per-shutdown-phase}. */
	private static final Duration GRACE_PERIOD = Duration.ofSeconds(10);

	/**
	 * How long a stop may take: the grace period, the audit writer's drain, the event
	 * loops' quiet period (2 s) and the JVM's exit, with a margin.
	 */
	private static final Duration STOPPED_WITHIN = GRACE_PERIOD.plusSeconds(10);

	private static final String PROTECTED_USER = "breakglass@contoso.example";

	/** The gateways' {@code graph-gateway.upstream.response-timeout}. */
	private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(5);

	/** How long Graph holds the call in flight when the stop begins. */
	private static final Duration HELD = Duration.ofSeconds(3);

	private static final Duration WAIT = Duration.ofSeconds(10);

	@TempDir
	Path directory;

	/**
	 * One more call, sent after the burst, waits for Graph as the stop begins: readiness
	 * is down meanwhile, and the call is answered, on a connection that then closes.
	 */
	@ParameterizedTest(name = "{0}")
	@EnumSource(AuditDatabases.Engine.class)
	void terminateWhenRightAfterABurstOfCallsThenEveryAnsweredCallHasOneEvent(AuditDatabases.Engine engine)
			throws Exception {
		Store store = store(engine);
		try (StubGraph graph = StubGraph.start();
				StubIdentityProvider idp = StubIdentityProvider.start();
				GatewayProcess gateway = start(store, graph, idp)) {
			String token = idp.validToken();
			HttpClient http = HttpClient.newHttpClient();
			Map<String, Integer> answered = new ConcurrentHashMap<>();
			for (int i = 0; i < 80; i++) {
				String id = UUID.randomUUID().toString();
				HttpRequest call = Call.values()[i % Call.values().length].request(gateway, token, id);
				answered.put(id, http.send(call, HttpResponse.BodyHandlers.discarding()).statusCode());
			}
			String held = UUID.randomUUID().toString();
			graph.willAnswerAfter(HELD, StubGraph.Answer.noContent());
			CompletableFuture<HttpResponse<Void>> heldAnswer = http
				.sendAsync(Call.ALLOWED.request(gateway, token, held), HttpResponse.BodyHandlers.discarding());
			await().atMost(WAIT).until(() -> forwarded(graph).contains(held));

			long terminated = System.nanoTime();
			gateway.process().destroy();
			await().atMost(WAIT).until(() -> readiness(http, gateway).contains("OUT_OF_SERVICE"));
			HttpResponse<Void> answer = heldAnswer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			answered.put(held, answer.statusCode());

			assertThat(gateway.process().waitFor(STOPPED_WITHIN.toMillis(), TimeUnit.MILLISECONDS))
				.as("stopped within %s", STOPPED_WITHIN)
				.isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - terminated)).isLessThan(STOPPED_WITHIN);
			assertThat(answer.statusCode()).isEqualTo(204);
			assertThat(answer.headers().firstValue("Connection")).hasValue("close");
			assertThat(Set.copyOf(answered.values())).containsExactlyInAnyOrder(204, 400, 401, 403);
			assertTrail(store, gateway, answered.keySet(), Set.of());
		}
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(AuditDatabases.Engine.class)
	void terminateWhenCallersAreSendingThenEveryAnsweredCallHasOneEvent(AuditDatabases.Engine engine) throws Exception {
		Store store = store(engine);
		try (StubGraph graph = StubGraph.start();
				StubIdentityProvider idp = StubIdentityProvider.start();
				GatewayProcess gateway = start(store, graph, idp)) {
			String token = idp.validToken();
			HttpClient http = HttpClient.newHttpClient();
			Set<String> answered = ConcurrentHashMap.newKeySet();
			Set<String> unanswered = ConcurrentHashMap.newKeySet();
			AtomicBoolean sending = new AtomicBoolean(true);
			ExecutorService callers = Executors.newFixedThreadPool(16);
			for (int caller = 0; caller < 16; caller++) {
				int first = caller;
				callers.submit(() -> {
					for (int i = first; sending.get(); i++) {
						String id = UUID.randomUUID().toString();
						try {
							http.send(Call.values()[i % Call.values().length].request(gateway, token, id),
									HttpResponse.BodyHandlers.discarding());
							answered.add(id);
						}
						catch (IOException ex) {
							// Refused, or closed by the stopping gateway before an
							// answer.
							unanswered.add(id);
							return null;
						}
					}
					return null;
				});
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> graph.received().size() > 100);

			boolean stopped = gateway.terminate(STOPPED_WITHIN);
			sending.set(false);
			callers.shutdown();
			assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

			assertThat(stopped).as("stopped within %s", STOPPED_WITHIN).isTrue();
			assertTrail(store, gateway, answered, unanswered);
			// Whether or not its answer reached the caller, a call Graph received has its
			// completed event.
			assertThat(forwarded(graph)).isNotEmpty()
				.allSatisfy((id) -> assertThat(store.jdbc()
					.queryForObject("SELECT COUNT(*) FROM audit_event WHERE correlation_id = ? AND activity_result IN "
							+ "('success', 'failure', 'unknown')", Integer.class, id))
					.isOne());
		}
	}

	/**
	 * Every answered call has exactly one event; a call that got no answer has at most
	 * one: its caller left (the gateway closed its connection while it was handled), or
	 * the gateway had answered it (and Graph too, when it was forwarded) and the answer
	 * was cut off by the closing connection, which the event says as it happened. No
	 * event is pending, and the chains verify.
	 */
	private void assertTrail(Store store, GatewayProcess gateway, Set<String> answered, Set<String> unanswered)
			throws IOException {
		JdbcTemplate jdbc = store.jdbc();
		Map<String, Long> events = jdbc.queryForList("SELECT correlation_id FROM audit_event", String.class)
			.stream()
			.collect(Collectors.groupingBy((id) -> id, Collectors.counting()));
		String log = Files.readString(gateway.log());
		assertThat(answered).isNotEmpty().allSatisfy((id) -> assertThat(events).as(log).containsEntry(id, 1L));
		Set<String> others = events.keySet()
			.stream()
			.filter((id) -> !answered.contains(id))
			.collect(Collectors.toSet());
		assertThat(others).isSubsetOf(unanswered);
		assertThat(others).allSatisfy((id) -> assertThat(jdbc
			.queryForObject("SELECT activity_result FROM audit_event WHERE correlation_id = ?", String.class, id))
			.isIn("unknown", "failure", "success", "refused"));
		assertThat(events.values()).allMatch((count) -> count == 1L);
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_event", Long.class))
			.isEqualTo(answered.size() + others.size());
		assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_event WHERE activity_result = 'pending'",
				Integer.class))
			.isZero();
		assertThat(new AuditChainVerifier(jdbc).verify().intact()).isTrue();
		assertThat(log).contains("Server drained").doesNotContain("could not be written");
	}

	/** The client-request-ids of the calls Graph received. */
	private static Set<String> forwarded(StubGraph graph) {
		return graph.received()
			.stream()
			.map((request) -> request.headers().getFirst("client-request-id"))
			.collect(Collectors.toSet());
	}

	/** The readiness health's status code and body, or what went wrong asking it. */
	private static String readiness(HttpClient http, GatewayProcess gateway) {
		try {
			HttpResponse<String> health = http.send(HttpRequest
				.newBuilder(URI.create("http://127.0.0.1:" + gateway.managementPort() + "/actuator/health/readiness"))
				.build(), HttpResponse.BodyHandlers.ofString());
			return health.statusCode() + " " + health.body();
		}
		catch (IOException ex) {
			return ex.toString();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return ex.toString();
		}
	}

	private GatewayProcess start(Store store, StubGraph graph, StubIdentityProvider idp) throws IOException {
		Path policy = this.directory.resolve("policy.yml");
		Files.writeString(policy, """
				defaults:
				  unknown-tenants: allow
				  license: active
				  protected-users: [ %s ]
				  rate-limits:
				    tenant: { capacity: 100000, refill-per-second: 100000 }
				    caller: { capacity: 100000, refill-per-second: 100000 }
				""".formatted(PROTECTED_USER));
		List<String> arguments = new ArrayList<>(List.of("--graph-gateway.policy.file=" + policy,
				"--spring.lifecycle.timeout-per-shutdown-phase=" + GRACE_PERIOD.toSeconds() + "s",
				"--graph-gateway.upstream.response-timeout=" + RESPONSE_TIMEOUT.toSeconds() + "s"));
		arguments.addAll(store.arguments());
		return GatewayProcess.start(store.url(), graph, idp, this.directory.resolve("gateway.log"),
				arguments.toArray(String[]::new));
	}

	private Store store(AuditDatabases.Engine engine) {
		return switch (engine) {
			case SQLITE -> new Store(AuditDatabases.sqliteUrl(this.directory.resolve("audit.db")), "", "");
			case POSTGRESQL -> {
				AuditDatabases.Schema schema = AuditDatabases.postgresqlSchema();
				yield new Store(schema.url(), schema.user(), schema.password());
			}
		};
	}

	/** Where a gateway writes its audit trail. */
	private record Store(String url, String user, String password) {

		List<String> arguments() {
			return List.of("--spring.datasource.username=" + this.user,
					"--spring.datasource.password=" + this.password);
		}

		JdbcTemplate jdbc() {
			return new JdbcTemplate(new DriverManagerDataSource(this.url, this.user, this.password));
		}

	}

	/** The calls of the load: one allowed, the others refused at different stages. */
	private enum Call {

		/** Forwarded: 204. */
		ALLOWED,

		/** No token: 401. */
		NO_TOKEN,

		/** A protected target: 403 by the tenant policy. */
		PROTECTED_TARGET,

		/** A body that is not a JSON object: 400 by the request guard. */
		BAD_BODY;

		HttpRequest request(GatewayProcess gateway, String token, String clientRequestId) {
			String user = (this == PROTECTED_TARGET) ? PROTECTED_USER : UUID.randomUUID().toString();
			String body = (this == BAD_BODY) ? "[]" : "{\"displayName\":\"Adele Vance\"}";
			HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.baseUri() + "/users/" + user))
				.method("PATCH", HttpRequest.BodyPublishers.ofString(body))
				.header("Content-Type", "application/json")
				.header("client-request-id", clientRequestId)
				.timeout(Duration.ofSeconds(10));
			if (this != NO_TOKEN) {
				request.header("Authorization", "Bearer " + token);
			}
			return request.build();
		}

	}

}
