package com.graphpolicygateway.audit;

import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The audit trail fails closed: while its database is down no call reaches Graph (503
 * {@code serviceNotAvailable}), the refusals are written once the database is back, and
 * calls go through again. A caller who leaves while its pending event is being committed
 * is not forwarded, and its event is closed.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "graph-gateway.audit.write-timeout=500ms")
@Import(AuditFailClosedRouteTests.SwitchableDatabaseConfiguration.class)
class AuditFailClosedRouteTests extends GatewayIntegrationTest {

	static final String USER_PATH = "/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	/** While set, the audit database refuses connections and statements. */
	static final AtomicBoolean databaseDown = new AtomicBoolean();

	/** While set, commits wait for this latch: the audit database is slow. */
	static final AtomicReference<CountDownLatch> slowCommits = new AtomicReference<>();

	/** One permit for each commit that started waiting on {@link #slowCommits}. */
	static final Semaphore commitsWaiting = new Semaphore(0);

	@RegisterExtension
	final LogCapture logs = LogCapture.of(AuditWriter.class);

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	MeterRegistry meters;

	@AfterEach
	void databaseBack() {
		databaseDown.set(false);
		CountDownLatch slow = slowCommits.getAndSet(null);
		if (slow != null) {
			slow.countDown();
		}
		commitsWaiting.drainPermits();
	}

	@Test
	void patchWhenAuditDatabaseIsDownThenServiceUnavailableAndRefusalWrittenOnceItIsBack() {
		String refusedRequestId = UUID.randomUUID().toString();
		String nextRequestId = UUID.randomUUID().toString();
		databaseDown.set(true);
		long start = System.nanoTime();

		patch(refusedRequestId).exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals("Retry-After", "5")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable")
			.jsonPath("$.error.innerError.client-request-id")
			.isEqualTo(refusedRequestId);

		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
		assertThat(graph.received()).isEmpty();
		assertThat(this.logs.errors()).first()
			.asString()
			.startsWith("Audit batch of ")
			.contains(" events failed to commit: ")
			.endsWith("; retrying until the database is back");
		databaseDown.set(false);
		assertThat(trail().eventOf(refusedRequestId)).containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "audit_unavailable")
			.containsEntry("upstream_status", null)
			.containsEntry("actor_type", "Delegated")
			.containsEntry("target_user_id", "87d349ed-44d7-43e1-9a83-5f2406dee5bd");

		patch(nextRequestId).exchange().expectStatus().isNoContent();

		assertThat(graph.onlyRequest().headers().getFirst("client-request-id")).isEqualTo(nextRequestId);
		assertThat(trail().eventOf(nextRequestId)).containsEntry("activity_result", "success")
			.containsEntry("upstream_status", 204);
		verify().jsonPath("$.intact").isEqualTo(true);
	}

	/**
	 * A read of the trail is answered only once its entry in the access log is committed:
	 * while commits hang, the read is refused 503, and recorded as refused once they
	 * resume.
	 */
	@Test
	void readWhenItsAccessEntryCannotBeCommittedInTimeThenServiceUnavailableAndRecordedAsRefused() {
		String requestId = UUID.randomUUID().toString();
		slowCommits.set(new CountDownLatch(1));

		readEvents(requestId).expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.valueEquals("Retry-After", "5")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable")
			.jsonPath("$.value")
			.doesNotExist();

		slowCommits.getAndSet(null).countDown();
		assertThat(trail().eventOf(requestId)).containsEntry("operation", "audit-read")
			.containsEntry("activity", "Read audit events")
			.containsEntry("activity_result", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "audit_unavailable")
			.containsEntry("tenant_id", null);
	}

	/**
	 * A read while the database is down is answered 503, and recorded as failed once the
	 * database is back.
	 */
	@Test
	void readWhenAuditDatabaseIsDownThenServiceUnavailableAndRecordedAsFailedOnceItIsBack() {
		String requestId = UUID.randomUUID().toString();
		databaseDown.set(true);

		readEvents(requestId).expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("serviceNotAvailable");

		databaseDown.set(false);
		assertThat(trail().eventOf(requestId)).containsEntry("operation", "audit-read")
			.containsEntry("activity_result", "failure")
			.containsEntry("reason", "audit_unavailable");
	}

	@Test
	void patchWhenAuditDatabaseWasDownForSecondsThenFirstCallAfterItIsBackIsForwarded() {
		String refusedRequestId = UUID.randomUUID().toString();
		String nextRequestId = UUID.randomUUID().toString();
		double failuresBefore = writeFailures();
		databaseDown.set(true);
		patch(refusedRequestId).exchange().expectStatus().isEqualTo(503);
		// The writer keeps retrying the refusal's event while the database is down.
		await().atMost(Duration.ofSeconds(10)).until(() -> writeFailures() - failuresBefore >= 4);
		databaseDown.set(false);

		// The database is back: the call must not wait out the writer's retry backoff.
		patch(nextRequestId).exchange().expectStatus().isNoContent();

		assertThat(graph.onlyRequest().headers().getFirst("client-request-id")).isEqualTo(nextRequestId);
		trail().eventsOf(List.of(refusedRequestId, nextRequestId));
	}

	@Test
	void patchWhenAuditDatabaseStopsDuringLoadThenOnlyAuditedCallsReachGraphAndNothingIsLost() throws Exception {
		Map<String, Integer> statuses = new ConcurrentHashMap<>();
		AtomicBoolean loading = new AtomicBoolean(true);
		ExecutorService callers = Executors.newFixedThreadPool(8);
		for (int i = 0; i < 8; i++) {
			callers.submit(() -> {
				while (loading.get()) {
					String id = UUID.randomUUID().toString();
					statuses.put(id, patch(id).exchange().returnResult(Void.class).getStatus().value());
				}
			});
		}
		Thread.sleep(1000);
		databaseDown.set(true);
		Thread.sleep(1500);
		databaseDown.set(false);
		Thread.sleep(1000);
		loading.set(false);
		callers.shutdown();
		assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

		assertThat(statuses.values()).containsOnly(204, 503).contains(204, 503);
		Set<String> forwarded = graph.received()
			.stream()
			.map((request) -> request.headers().getFirst("client-request-id"))
			.collect(Collectors.toSet());
		Set<String> refused = statuses.entrySet()
			.stream()
			.filter((entry) -> entry.getValue() == 503)
			.map(Map.Entry::getKey)
			.collect(Collectors.toSet());
		assertThat(forwarded).doesNotContainAnyElementsOf(refused);
		List<Map<String, Object>> events = trail().eventsOf(List.copyOf(statuses.keySet()));
		assertThat(events).hasSize(statuses.size())
			.allSatisfy((event) -> assertThat(event.get("activity_result")).isIn("success", "refused"));
		verify().jsonPath("$.intact").isEqualTo(true);
	}

	@Test
	void patchWhenCallerDisconnectsWhileItsPendingEventIsCommittedThenNothingIsForwardedAndTheEventIsClosed()
			throws Exception {
		String requestId = UUID.randomUUID().toString();
		double disconnectedBefore = disconnected();
		CountDownLatch commitRelease = new CountDownLatch(1);
		slowCommits.set(commitRelease);

		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			OutputStream out = socket.getOutputStream();
			out.write(rawPatch(requestId));
			out.flush();
			assertThat(commitsWaiting.tryAcquire(5, TimeUnit.SECONDS)).as("the pending event's commit started")
				.isTrue();
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> disconnected() > disconnectedBefore);
		slowCommits.set(null);
		commitRelease.countDown();

		assertThat(graph.received()).isEmpty();
		assertThat(trail().eventOf(requestId)).containsEntry("activity_result", "failure")
			.containsEntry("decision", "allow")
			.containsEntry("reason", "client_disconnected")
			.containsEntry("upstream_status", null);
		verify().jsonPath("$.intact").isEqualTo(true);
	}

	private byte[] rawPatch(String clientRequestId) {
		byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
		String head = "PATCH " + USER_PATH + " HTTP/1.1\r\nHost: 127.0.0.1:" + this.port + "\r\nAuthorization: Bearer "
				+ identityProvider.validToken() + "\r\nclient-request-id: " + clientRequestId
				+ "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
		byte[] head8 = head.getBytes(StandardCharsets.US_ASCII);
		byte[] request = new byte[head8.length + body.length];
		System.arraycopy(head8, 0, request, 0, head8.length);
		System.arraycopy(body, 0, request, head8.length, body.length);
		return request;
	}

	private double disconnected() {
		return this.meters.find("graph_gateway.requests")
			.tag("reason", "client_disconnected")
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	private double writeFailures() {
		return this.meters.get("graph_gateway.audit.write.failures").counter().count();
	}

	private WebTestClient.RequestHeadersSpec<?> patch(String clientRequestId) {
		return this.client.method(HttpMethod.PATCH)
			.uri(USER_PATH)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.header("client-request-id", clientRequestId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(BODY);
	}

	private WebTestClient.ResponseSpec readEvents(String clientRequestId) {
		return this.client.get()
			.uri("/audit/events")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.token().scopes("AuditLog.Read.All").build())
			.header("client-request-id", clientRequestId)
			.exchange();
	}

	private WebTestClient.BodyContentSpec verify() {
		return this.client.get()
			.uri("/audit/verify")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.token().scopes("AuditLog.Read.All").build())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody();
	}

	private AuditRouteTests.AuditTrail trail() {
		return new AuditRouteTests.AuditTrail(this.jdbc);
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class SwitchableDatabaseConfiguration {

		@Bean
		static BeanPostProcessor switchableDataSource() {
			return new BeanPostProcessor() {

				@Override
				public Object postProcessAfterInitialization(Object bean, String beanName) {
					return (bean instanceof DataSource dataSource && !(bean instanceof SwitchableDataSource))
							? new SwitchableDataSource(dataSource) : bean;
				}

			};
		}

	}

	/**
	 * The audit database behind a switch: while {@link #databaseDown} is set, no
	 * connection is handed out and pooled connections refuse statements and commits.
	 */
	static final class SwitchableDataSource extends DelegatingDataSource {

		private static final Set<String> REFUSED_WHILE_DOWN = Set.of("prepareStatement", "createStatement",
				"prepareCall", "commit");

		SwitchableDataSource(DataSource target) {
			super(target);
		}

		@Override
		public Connection getConnection() throws SQLException {
			refuseWhileDown();
			return switchable(super.getConnection());
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			refuseWhileDown();
			return switchable(super.getConnection(username, password));
		}

		private static Connection switchable(Connection connection) {
			return (Connection) Proxy.newProxyInstance(SwitchableDataSource.class.getClassLoader(),
					new Class<?>[] { Connection.class }, (proxy, method, args) -> {
						if (REFUSED_WHILE_DOWN.contains(method.getName())) {
							refuseWhileDown();
						}
						if (method.getName().equals("commit")) {
							waitWhileSlow();
						}
						try {
							return method.invoke(connection, args);
						}
						catch (InvocationTargetException ex) {
							throw ex.getCause();
						}
					});
		}

		private static void waitWhileSlow() throws InterruptedException {
			CountDownLatch slow = slowCommits.get();
			if (slow != null) {
				commitsWaiting.release();
				slow.await(10, TimeUnit.SECONDS);
			}
		}

		private static void refuseWhileDown() throws SQLException {
			if (databaseDown.get()) {
				throw new SQLTransientConnectionException("The audit database is down (test switch)");
			}
		}

	}

}
