package com.graphpolicygateway.audit;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

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
 * The gateway killed with {@code kill -9} under load and started again: every call that
 * reached Graph has exactly one audit event, the outcomes the dead process never wrote
 * are closed as {@code unknown} by the new one, none stays pending, and the trail still
 * verifies. On an embedded SQLite file in WAL mode (each pending event committed and
 * synced before its call is forwarded) and on PostgreSQL.
 */
public class AuditCrashRecoveryTests {

	@ParameterizedTest(name = "{0}")
	@EnumSource(AuditDatabases.Engine.class)
	void gatewayKilledUnderLoadThenEveryForwardedCallIsAuditedAndNothingStaysPending(AuditDatabases.Engine engine)
			throws Exception {
		Path directory = Files.createTempDirectory("gateway-crash");
		String database;
		String user = "";
		String password = "";
		if (engine == AuditDatabases.Engine.SQLITE) {
			database = AuditDatabases.sqliteUrl(directory.resolve("audit.db"));
		}
		else {
			AuditDatabases.Schema schema = AuditDatabases.postgresqlSchema();
			database = schema.url();
			user = schema.user();
			password = schema.password();
		}
		String[] credentials = { "--spring.datasource.username=" + user, "--spring.datasource.password=" + password };
		try (StubGraph graph = StubGraph.start();
				StubIdentityProvider idp = StubIdentityProvider.start();
				GatewayProcess first = GatewayProcess.start(database, graph, idp, directory.resolve("first.log"),
						credentials)) {
			String token = idp.validToken();
			List<String> sent = java.util.Collections.synchronizedList(new ArrayList<>());
			AtomicBoolean loading = new AtomicBoolean(true);
			ExecutorService callers = Executors.newFixedThreadPool(16);
			for (int i = 0; i < 16; i++) {
				callers.submit(() -> {
					HttpClient http = HttpClient.newHttpClient();
					while (loading.get()) {
						String id = UUID.randomUUID().toString();
						sent.add(id);
						try {
							http.send(first.patch(token, id), HttpResponse.BodyHandlers.discarding());
						}
						catch (IOException | InterruptedException ex) {
							return null; // the gateway is gone
						}
					}
					return null;
				});
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> graph.received().size() > 200);
			first.kill();
			loading.set(false);
			callers.shutdown();
			assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

			GatewayProcess second = GatewayProcess.start(database, graph, idp, directory.resolve("second.log"),
					credentials);
			try {
				JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(database, user, password));
				await().atMost(Duration.ofSeconds(60))
					.pollInterval(Duration.ofMillis(500))
					.untilAsserted(() -> assertThat(jdbc.queryForObject(
							"SELECT COUNT(*) FROM audit_event WHERE activity_result = 'pending'", Integer.class))
						.isZero());

				Set<String> forwarded = graph.received()
					.stream()
					.map((request) -> request.headers().getFirst("client-request-id"))
					.collect(Collectors.toSet());
				Map<String, Long> events = jdbc
					.queryForList("SELECT correlation_id FROM audit_event WHERE correlation_id IS NOT NULL",
							String.class)
					.stream()
					.collect(Collectors.groupingBy((id) -> id, Collectors.counting()));
				assertThat(forwarded).isNotEmpty().allSatisfy((id) -> assertThat(events).containsEntry(id, 1L));
				assertThat(events.values()).allMatch((count) -> count == 1L);
				assertThat(jdbc.queryForList("SELECT DISTINCT activity_result FROM audit_event", String.class))
					.isSubsetOf("success", "failure", "unknown", "refused");
				assertThat(new AuditChainVerifier(jdbc).verify().intact()).isTrue();
			}
			finally {
				second.kill();
			}
		}
	}

}
