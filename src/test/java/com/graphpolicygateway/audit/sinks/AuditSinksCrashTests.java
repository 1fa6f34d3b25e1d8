package com.graphpolicygateway.audit.sinks;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import com.graphpolicygateway.test.AuditDatabases;
import com.graphpolicygateway.test.GatewayProcess;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway streaming to a webhook, to Kafka and to Debian's rsyslogd, killed with
 * {@code kill -9} under load while the sinks are behind, and started again: once the new
 * process has closed the dead one's pending events and taken the sinks' leases over,
 * every event in the database has reached every sink at least once (a duplicate carries
 * the same event id).
 */
class AuditSinksCrashTests {

	private static final String TOPIC = "graph-gateway-audit";

	private static final Pattern EVENT_ID = Pattern.compile("eventId=\"([0-9a-f-]{36})\"");

	@Test
	void gatewayKilledInTheMiddleOfDeliveryThenEveryEventReachesEverySinkAfterTheRestart() throws Exception {
		Path directory = Files.createTempDirectory("sinks-crash");
		String database = AuditDatabases.sqliteUrl(directory.resolve("audit.db"));
		JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(database));
		try (StubGraph graph = StubGraph.start();
				StubIdentityProvider idp = StubIdentityProvider.start();
				WebhookReceiver receiver = WebhookReceiver.start();
				TestKafka kafka = TestKafka.start(TOPIC);
				Rsyslog rsyslog = Rsyslog.start(Files.createDirectories(directory.resolve("rsyslog")), false);
				GatewayProcess first = GatewayProcess.start(database, graph, idp, directory.resolve("first.log"),
						sinks(receiver, kafka, rsyslog))) {
			// Slower than the load on any machine (a batch of ten each 200 ms: 50 events
			// a
			// second), so that events wait for the webhook when the gateway dies.
			receiver.delay(200);
			String[] sinks = sinks(receiver, kafka, rsyslog);
			String token = idp.validToken();
			AtomicBoolean loading = new AtomicBoolean(true);
			ExecutorService callers = Executors.newFixedThreadPool(8);
			for (int i = 0; i < 8; i++) {
				callers.submit(() -> {
					HttpClient http = HttpClient.newHttpClient();
					while (loading.get()) {
						try {
							http.send(first.patch(token, UUID.randomUUID().toString()),
									HttpResponse.BodyHandlers.discarding());
						}
						catch (IOException | InterruptedException ex) {
							return null; // the gateway is gone
						}
					}
					return null;
				});
			}
			await().atMost(Duration.ofSeconds(60))
				.until(() -> receiver.eventIds().size() > 50 && chained(jdbc).size() > receiver.eventIds().size() + 50);
			first.kill();
			loading.set(false);
			callers.shutdown();
			assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
			assertThat(new HashSet<>(receiver.eventIds())).as("the webhook was behind")
				.isNotEqualTo(new HashSet<>(chained(jdbc)));

			receiver.delay(0);
			GatewayProcess second = GatewayProcess.start(database, graph, idp, directory.resolve("second.log"), sinks);
			try {
				await().atMost(Duration.ofSeconds(60))
					.pollInterval(Duration.ofMillis(500))
					.until(() -> jdbc.queryForObject(
							"SELECT COUNT(*) FROM audit_event WHERE activity_result = 'pending'", Integer.class) == 0);
				List<String> events = chained(jdbc);
				assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_event", Integer.class))
					.isEqualTo(events.size());
				await().atMost(Duration.ofSeconds(90))
					.pollInterval(Duration.ofSeconds(1))
					.untilAsserted(() -> assertThat(receiver.eventIds()).containsAll(events));
				await().atMost(Duration.ofSeconds(60))
					.pollInterval(Duration.ofSeconds(1))
					.untilAsserted(() -> assertThat(kafkaEventIds(kafka)).containsAll(events));
				await().atMost(Duration.ofSeconds(60))
					.pollInterval(Duration.ofSeconds(1))
					.untilAsserted(() -> assertThat(syslogEventIds(rsyslog)).containsAll(events));
			}
			finally {
				second.kill();
			}
		}
	}

	private static String[] sinks(WebhookReceiver receiver, TestKafka kafka, Rsyslog rsyslog) {
		List<String> arguments = new ArrayList<>(List.of("--graph-gateway.audit.sinks.hook.type=webhook",
				"--graph-gateway.audit.sinks.hook.webhook.url=" + receiver.uri(),
				"--graph-gateway.audit.sinks.hook.batch-size=10",
				"--graph-gateway.audit.sinks.hook.poll-interval=100ms",
				"--graph-gateway.audit.sinks.hook.max-backoff=1s", "--graph-gateway.audit.sinks.siem.type=kafka",
				"--graph-gateway.audit.sinks.siem.kafka.topic=" + TOPIC,
				"--graph-gateway.audit.sinks.siem.poll-interval=100ms",
				"--graph-gateway.audit.sinks.siem.max-backoff=1s",
				"--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
				"--graph-gateway.audit.sinks.logs.type=syslog",
				"--graph-gateway.audit.sinks.logs.syslog.host=127.0.0.1",
				"--graph-gateway.audit.sinks.logs.syslog.port=" + rsyslog.port(),
				"--graph-gateway.audit.sinks.logs.poll-interval=100ms",
				"--graph-gateway.audit.sinks.logs.max-backoff=1s"));
		TestKafka.impatientProducer().forEach((property) -> arguments.add("--" + property));
		return arguments.toArray(String[]::new);
	}

	private static List<String> chained(JdbcTemplate jdbc) {
		return jdbc.queryForList("SELECT id FROM audit_event WHERE chain_id IS NOT NULL", String.class);
	}

	/** The event ids rsyslogd wrote, from each message's structured data. */
	private static Set<String> syslogEventIds(Rsyslog rsyslog) throws IOException {
		Set<String> ids = new HashSet<>();
		for (String line : rsyslog.lines()) {
			Matcher id = EVENT_ID.matcher(line);
			if (line.contains("|auditEvent|") && id.find()) {
				ids.add(id.group(1));
			}
		}
		return ids;
	}

	private static Set<String> kafkaEventIds(TestKafka kafka) {
		Set<String> ids = new HashSet<>();
		kafka.readAll(TOPIC)
			.forEach((record) -> ids.add(TestDeliveries.JSON.readTree(record.value()).path("id").asString()));
		return ids;
	}

}
