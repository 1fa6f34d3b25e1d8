package com.graphpolicygateway;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import com.graphpolicygateway.ratelimit.TestRedis;
import com.graphpolicygateway.test.AuditDatabases;
import com.graphpolicygateway.test.GatewayProcess;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateway processes on one PostgreSQL and one Redis, as the chart deploys them behind
 * a load balancer: a tenant's bucket is shared by both, every call through either has one
 * audit event, a replica killed with {@code kill -9} while calls are in flight leaves no
 * event pending once the other's recovery has run, and a replica stopped with SIGTERM
 * right after it answered calls loses none of their events. Both hold the same audit
 * signing key, so that the survivor can authenticate the dead replica's pending events.
 */
class ReplicasTests {

	static final String SHARED_TENANT = "20000000-0000-4000-8000-0000000000b1";

	private static final Duration RECOVERED_WITHIN = Duration.ofSeconds(60);

	@Test
	void twoReplicasThenOneBucketOneEventPerCallAndNothingLostWhenOneIsKilledOrStopped() throws Exception {
		AuditDatabases.Schema schema = AuditDatabases.postgresqlSchema();
		String prefix = TestRedis.uniquePrefix(ReplicasTests.class);
		int redisPort = TestRedis.sharedPort();
		Path logs = Files.createTempDirectory("replicas");
		JdbcTemplate jdbc = new JdbcTemplate(
				new DriverManagerDataSource(schema.url(), schema.user(), schema.password()));
		try (StubGraph graph = StubGraph.start(); StubIdentityProvider idp = StubIdentityProvider.start()) {
			String[] shared = { "--spring.datasource.url=" + schema.url(),
					"--spring.datasource.username=" + schema.user(),
					"--spring.datasource.password=" + schema.password(), "--graph-gateway.rate-limit.store=redis",
					"--graph-gateway.rate-limit.redis-key-prefix=" + prefix,
					"--spring.data.redis.host=" + TestRedis.HOST, "--spring.data.redis.port=" + redisPort,
					"--graph-gateway.policy.file=src/test/resources/policy/replicas.yml",
					"--graph-gateway.audit.signing.key=src/test/resources/audit/test-signing-key.pem" };
			GatewayProcess first = GatewayProcess.start(schema.url(), graph, idp, logs.resolve("first.log"), shared);
			GatewayProcess second = GatewayProcess.start(schema.url(), graph, idp, logs.resolve("second.log"), shared);
			HttpClient http = HttpClient.newHttpClient();
			try {
				// One bucket of ten tokens for both replicas together.
				String sharedTenantToken = idp.token()
					.issuer(idp.issuerV2(SHARED_TENANT))
					.tenant(SHARED_TENANT)
					.build();
				Map<String, Integer> bucketCalls = new LinkedHashMap<>();
				for (int i = 0; i < 16; i++) {
					GatewayProcess replica = (i % 2 == 0) ? first : second;
					String id = UUID.randomUUID().toString();
					bucketCalls.put(id,
							http.send(replica.patch(sharedTenantToken, id), HttpResponse.BodyHandlers.discarding())
								.statusCode());
				}
				assertThat(bucketCalls.values()).containsOnly(204, 429);
				assertThat(bucketCalls.values().stream().filter((status) -> status == 204)).hasSize(10);
				assertThat(forwarded(graph)).containsAll(idsAnswered(bucketCalls, 204));
				awaitOneCompletedEventEach(jdbc, bucketCalls.keySet());
				for (String refused : idsAnswered(bucketCalls, 429)) {
					assertThat(jdbc.queryForObject("SELECT reason FROM audit_event WHERE correlation_id = ?",
							String.class, refused))
						.isEqualTo("rate_limited");
				}

				// kill -9 of the first while calls are in flight at Graph.
				graph.willAnswerAfter(Duration.ofSeconds(1), StubGraph.Answer.noContent());
				String token = idp.validToken();
				Set<String> sentToFirst = ConcurrentHashMap.newKeySet();
				AtomicBoolean sending = new AtomicBoolean(true);
				ExecutorService callers = Executors.newFixedThreadPool(8);
				for (int i = 0; i < 8; i++) {
					callers.submit(() -> {
						while (sending.get()) {
							String id = UUID.randomUUID().toString();
							sentToFirst.add(id);
							try {
								http.send(first.patch(token, id), HttpResponse.BodyHandlers.discarding());
							}
							catch (IOException ex) {
								return null; // the replica is gone
							}
						}
						return null;
					});
				}
				await().atMost(Duration.ofSeconds(30))
					.until(() -> forwarded(graph).stream().filter(sentToFirst::contains).count() >= 16);
				first.kill();
				sending.set(false);
				callers.shutdown();
				assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
				// The survivor's recovery closes what the dead replica left pending.
				await().atMost(RECOVERED_WITHIN)
					.pollInterval(Duration.ofMillis(500))
					.untilAsserted(() -> assertThat(jdbc.queryForObject(
							"SELECT COUNT(*) FROM audit_event WHERE activity_result = 'pending'", Integer.class))
						.isZero());
				Set<String> forwardedByFirst = forwarded(graph).stream()
					.filter(sentToFirst::contains)
					.collect(Collectors.toSet());
				assertThat(forwardedByFirst).isNotEmpty();
				assertOneCompletedEventEach(jdbc, forwardedByFirst);

				// SIGTERM of the second right after it answered calls.
				graph.willAnswer(StubGraph.Answer.noContent());
				List<String> answeredBySecond = new ArrayList<>();
				for (int i = 0; i < 30; i++) {
					String id = UUID.randomUUID().toString();
					boolean refused = i % 3 == 2;
					int status = http
						.send(second.patch(refused ? "not-a-token" : token, id), HttpResponse.BodyHandlers.discarding())
						.statusCode();
					assertThat(status).isEqualTo(refused ? 401 : 204);
					answeredBySecond.add(id);
				}
				assertThat(second.terminate(Duration.ofSeconds(60))).isTrue();
				assertOneCompletedEventEach(jdbc, answeredBySecond);
				assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_event WHERE activity_result = 'pending'",
						Integer.class))
					.isZero();
			}
			finally {
				first.kill();
				second.kill();
			}
		}
	}

	private static List<String> idsAnswered(Map<String, Integer> calls, int status) {
		return calls.entrySet().stream().filter((call) -> call.getValue() == status).map(Map.Entry::getKey).toList();
	}

	private static Set<String> forwarded(StubGraph graph) {
		return graph.received()
			.stream()
			.map((request) -> request.headers().getFirst("client-request-id"))
			.collect(Collectors.toSet());
	}

	private static void awaitOneCompletedEventEach(JdbcTemplate jdbc, Collection<String> ids) {
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertOneCompletedEventEach(jdbc, ids));
	}

	private static void assertOneCompletedEventEach(JdbcTemplate jdbc, Collection<String> ids) {
		for (String id : ids) {
			assertThat(jdbc.queryForList("SELECT activity_result FROM audit_event WHERE correlation_id = ?",
					String.class, id))
				.as(id)
				.singleElement()
				.isNotEqualTo("pending");
		}
	}

}
