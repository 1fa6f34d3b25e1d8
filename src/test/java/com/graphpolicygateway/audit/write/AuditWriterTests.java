package com.graphpolicygateway.audit.write;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.audit.store.TestAuditStores;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.test.AuditDatabases;
import com.graphpolicygateway.test.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anySet;
import static org.mockito.Mockito.atLeast;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Tests for {@link AuditWriter}, on SQLite and PostgreSQL. The store is a spy so that a
 * test can count its transactions and hold the writer inside its first one while more
 * events queue up.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class AuditWriterTests {

	@RegisterExtension
	final LogCapture logs = LogCapture.of(AuditWriter.class);

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final AuditDatabases.Engine engine;

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final HeldFirstWrite firstWrite = HeldFirstWrite.within(WAIT);

	private AuditDatabases.Database database;

	private JdbcAuditStore store;

	private AuditWriter writer;

	AuditWriterTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void createDatabase() {
		this.database = AuditDatabases.create(this.engine);
		this.store = spy(TestAuditStores.unstarted(this.database));
	}

	@AfterEach
	void stopWriterAndDropDatabase() {
		this.firstWrite.release();
		if (this.database != null) {
			this.database.endOutage();
		}
		if (this.writer != null) {
			this.writer.stop();
		}
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void openWhenCommittedThenFutureCompletesAndEventStoredPending() {
		start(100, 10);
		AuditEvent pending = TestAuditEvents.pending().build();

		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);

		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(pending);
	}

	@Test
	void openWhenCommittedThenStoreUpkeepRunsAfterTheBatchAndWhileIdle() {
		start(100, 10);
		AuditEvent pending = TestAuditEvents.pending().build();

		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);

		// Once after the batch, then again while the writer waits for work.
		await().atMost(WAIT).untilAsserted(() -> {
			InOrder order = inOrder(this.store);
			order.verify(this.store).write(anyList(), anyList(), anySet());
			order.verify(this.store, atLeast(2)).afterBatch();
		});
	}

	@Test
	void openWhenManyQueuedWhileWriterBusyThenCommittedTogetherInOneTransaction() {
		holdFirstWrite();
		start(100, 100);
		List<CompletableFuture<Void>> committed = new ArrayList<>();
		committed.add(this.writer.open(TestAuditEvents.pending().build()));
		awaitFirstWrite();
		List<AuditEvent> queued = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			AuditEvent pending = TestAuditEvents.pending().build();
			queued.add(pending);
			committed.add(this.writer.open(pending));
		}

		this.firstWrite.release();

		assertThat(CompletableFuture.allOf(committed.toArray(CompletableFuture[]::new))).succeedsWithin(WAIT);
		ArgumentCaptor<List<AuditEvent>> pending = pendingCaptor();
		verify(this.store, times(2)).write(pending.capture(), anyList(), anySet());
		assertThat(pending.getAllValues().get(1)).containsExactlyElementsOf(queued);
		assertThat(TestAuditStores.count(this.database)).isEqualTo(51);
	}

	@Test
	void openWhenQueuedBehindABusyWriterThenPendingWaitMetricHoldsTheWaitOfEachPendingEvent()
			throws InterruptedException {
		holdFirstWrite();
		start(100, 100);
		List<CompletableFuture<Void>> committed = openOneThenMoreWhileItIsWritten(5);
		this.writer.complete(TestAuditEvents.pending().build().completed("success", "allow", "allowed", 204, null, 3L));
		Thread.sleep(200);

		this.firstWrite.release();

		assertThat(CompletableFuture.allOf(committed.toArray(CompletableFuture[]::new))).succeedsWithin(WAIT);
		// Six pending events, each held at least 200 ms; the outcome waited no caller.
		Timer pendingWait = this.meters.timer("graph_gateway.audit.pending.wait");
		assertThat(pendingWait.count()).isEqualTo(6);
		assertThat(pendingWait.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(6 * 200);
	}

	@Test
	void openWhenMoreQueuedThanBatchSizeThenBatchesNeverExceedIt() {
		holdFirstWrite();
		start(100, 10);
		List<CompletableFuture<Void>> committed = openOneThenMoreWhileItIsWritten(25);

		this.firstWrite.release();

		assertThat(CompletableFuture.allOf(committed.toArray(CompletableFuture[]::new))).succeedsWithin(WAIT);
		ArgumentCaptor<List<AuditEvent>> pending = pendingCaptor();
		verify(this.store, times(4)).write(pending.capture(), anyList(), anySet());
		assertThat(pending.getAllValues()).extracting(List::size).containsExactly(1, 10, 10, 5);
	}

	@Test
	void completeWhenOutcomesQueuedThenChainedAndVerified() {
		start(100, 10);
		List<AuditEvent> pending = List.of(TestAuditEvents.pending().build(), TestAuditEvents.pending().build());
		pending.forEach((event) -> assertThat(this.writer.open(event)).succeedsWithin(WAIT));

		pending.forEach((event) -> this.writer.complete(TestAuditEvents.succeeded(event)));
		this.writer.complete(TestAuditEvents.refused());

		await().atMost(WAIT).untilAsserted(() -> assertThat(chained()).isEqualTo(3));
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void completeWhenOutcomesAndRefusalsInterleavedThenChainKeepsQueueOrder() {
		start(100, 10);
		AuditEvent first = TestAuditEvents.pending().build();
		AuditEvent second = TestAuditEvents.pending().build();
		assertThat(this.writer.open(first)).succeedsWithin(WAIT);
		assertThat(this.writer.open(second)).succeedsWithin(WAIT);
		AuditEvent refused = TestAuditEvents.refused();
		AuditEvent alsoRefused = TestAuditEvents.refused();

		this.writer.refused(refused);
		this.writer.complete(TestAuditEvents.succeeded(first));
		this.writer.refused(alsoRefused);
		this.writer.complete(TestAuditEvents.succeeded(second));

		await().atMost(WAIT).untilAsserted(() -> assertThat(chained()).isEqualTo(4));
		assertThat(TestAuditStores.chain(this.database, this.store.chainId())).containsExactly(refused.id().toString(),
				first.id().toString(), alsoRefused.id().toString(), second.id().toString());
		assertThat(TestAuditStores.read(this.database, alsoRefused.id())).isEqualTo(alsoRefused);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void completeWhenOutcomeQueuedAloneThenHeldAndCommittedOnceTheOutcomeDelayIsOver() {
		Duration outcomeDelay = Duration.ofSeconds(1);
		start(100, 10, outcomeDelay);
		AuditEvent pending = TestAuditEvents.pending().build();
		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);

		this.writer.complete(TestAuditEvents.succeeded(pending));

		// Held for 300 ms: nothing chained meanwhile (atMost only bounds a slow
		// database's polls).
		await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> chained() == 0);
		await().atMost(outcomeDelay.plusSeconds(2)).untilAsserted(() -> assertThat(chained()).isOne());
		await().atMost(WAIT).untilAsserted(() -> assertThat(commits()).isEqualTo(2));
		assertThat(this.writer.queued()).isZero();
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void openWhenOutcomesHeldThenCommittedTogetherWithThePendingEvent() {
		start(100, 10, Duration.ofSeconds(30));
		AuditEvent first = TestAuditEvents.pending().build();
		assertThat(this.writer.open(first)).succeedsWithin(WAIT);
		this.writer.complete(TestAuditEvents.succeeded(first));
		this.writer.refused(TestAuditEvents.refused());
		// Held for 300 ms: nothing chained meanwhile (atMost only bounds a slow
		// database's polls).
		await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> chained() == 0);

		assertThat(this.writer.open(TestAuditEvents.pending().build())).succeedsWithin(WAIT);

		assertThat(chained()).isEqualTo(2);
		assertThat(commits()).isEqualTo(2);
		assertThat(TestAuditStores.count(this.database)).isEqualTo(3);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void stopWhenOutcomesHeldThenCommitsThemBeforeReturning() throws Exception {
		start(100, 10, Duration.ofSeconds(30));
		AuditEvent pending = TestAuditEvents.pending().build();
		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);
		this.writer.complete(TestAuditEvents.succeeded(pending));
		this.writer.refused(TestAuditEvents.refused());
		// Held for 300 ms: nothing chained meanwhile (atMost only bounds a slow
		// database's polls).
		await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> chained() == 0);

		CompletableFuture.runAsync(this.writer::stop).get(WAIT.toSeconds(), TimeUnit.SECONDS);

		assertThat(chained()).isEqualTo(2);
		assertThat(this.writer.queued()).isZero();
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("activity_result", "success");
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void openWhenDatabaseDownThenFutureFailsWithAuditUnavailable() {
		start(100, 10);
		this.database.startOutage();

		CompletableFuture<Void> committed = this.writer.open(TestAuditEvents.pending().build());

		assertThat(committed).failsWithin(WAIT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(AuditUnavailableException.class);
		assertThat(this.meters.counter("graph_gateway.audit.write.failures").count()).isGreaterThanOrEqualTo(1);
		assertThat(this.logs.errors()).first()
			.asString()
			.startsWith("Audit batch of 1 pending and 0 completed events failed to commit: ");
	}

	@Test
	void openWhenQueueFullThenFailsAtOnce() {
		holdFirstWrite();
		start(2, 10);
		CompletableFuture<Void> first = this.writer.open(TestAuditEvents.pending().build());
		awaitFirstWrite();
		CompletableFuture<Void> second = this.writer.open(TestAuditEvents.pending().build());
		CompletableFuture<Void> third = this.writer.open(TestAuditEvents.pending().build());

		CompletableFuture<Void> overflow = this.writer.open(TestAuditEvents.pending().build());

		assertThat(overflow).isCompletedExceptionally();
		assertThat(overflow).failsWithin(Duration.ZERO)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(AuditUnavailableException.class);
		this.firstWrite.release();
		assertThat(CompletableFuture.allOf(first, second, third)).succeedsWithin(WAIT);
		assertThat(TestAuditStores.count(this.database)).isEqualTo(3);
	}

	@Test
	void refusedWhenQueueFullThenRecordedInASummaryEvent() {
		holdFirstWrite();
		start(1, 10);
		this.writer.open(TestAuditEvents.pending().build());
		awaitFirstWrite();
		AuditEvent queued = TestAuditEvents.refused();
		AuditEvent overflow = TestAuditEvents.refused();
		AuditEvent secondOverflow = TestAuditEvents.refused();

		this.writer.refused(queued);
		this.writer.refused(overflow);
		this.writer.refused(secondOverflow);

		assertThat(this.meters.counter("graph_gateway.audit.summarized").count()).isEqualTo(2);
		this.firstWrite.release();
		await().atMost(WAIT).untilAsserted(() -> assertThat(chained()).isEqualTo(2));
		assertThat(TestAuditStores.row(this.database, queued.id())).containsEntry("chain_seq", 1L);
		Map<String, Object> summary = this.database.jdbc()
			.queryForMap("SELECT * FROM audit_event WHERE summary_count IS NOT NULL");
		assertThat(summary).containsEntry("summary_count", 2L)
			.containsEntry("reason", overflow.reason())
			.containsEntry("tenant_id", overflow.tenantId())
			.containsEntry("activity_result", "refused")
			.containsEntry("chain_seq", 2L);
		assertThat(this.database.jdbc()
			.queryForObject("SELECT COUNT(*) FROM audit_event WHERE id IN (?, ?)", Integer.class,
					overflow.id().toString(), secondOverflow.id().toString()))
			.isZero();
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void openFailedWhenQueueFullThenRecordedInASummaryEvenWhenTheWriterStopsFirst() {
		holdFirstWrite();
		start(1, 10);
		this.writer.open(TestAuditEvents.pending().build());
		awaitFirstWrite();
		AuditEvent queued = TestAuditEvents.refused();

		this.writer.refused(queued);
		this.writer.openFailed(
				TestAuditEvents.refused().completed("refused", "refuse", "audit_unavailable", null, null, 2000L));

		assertThat(this.meters.counter("graph_gateway.audit.summarized").count()).isEqualTo(1);
		this.firstWrite.release();
		this.writer.stop();
		assertThat(this.database.jdbc()
			.queryForList("SELECT reason, summary_count FROM audit_event WHERE summary_count IS NOT NULL"))
			.singleElement()
			.satisfies((row) -> assertThat(row).containsEntry("REASON", "audit_unavailable")
				.containsEntry("SUMMARY_COUNT", 1L));
	}

	@Test
	void completeWhenQueueFullOfRefusalsThenOutcomesOfOpenedEventsStillWritten() {
		holdFirstWrite();
		start(3, 10);
		AuditEvent first = TestAuditEvents.pending().build();
		CompletableFuture<Void> firstCommitted = this.writer.open(first);
		awaitFirstWrite();
		AuditEvent second = TestAuditEvents.pending().build();
		CompletableFuture<Void> secondCommitted = this.writer.open(second);
		this.writer.refused(TestAuditEvents.refused());
		this.writer.refused(TestAuditEvents.refused());
		this.writer.refused(TestAuditEvents.refused());
		assertThat(this.meters.counter("graph_gateway.audit.summarized").count()).isEqualTo(1);

		this.writer.complete(TestAuditEvents.succeeded(first));
		this.firstWrite.release();
		assertThat(CompletableFuture.allOf(firstCommitted, secondCommitted)).succeedsWithin(WAIT);
		this.writer.complete(TestAuditEvents.succeeded(second));

		// Two outcomes, two refusals, and the summary of the refusal that found no room.
		await().atMost(WAIT).untilAsserted(() -> assertThat(chained()).isEqualTo(5));
		assertThat(this.meters.counter("graph_gateway.audit.summarized").count()).isEqualTo(1);
		assertThat(TestAuditStores.row(this.database, first.id())).containsEntry("activity_result", "success");
		assertThat(TestAuditStores.row(this.database, second.id())).containsEntry("activity_result", "success");
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void completeWhenCallOrReadOfTheTrailThenOnlyTheCallIsCountedAsARequest() {
		start(10, 10);
		AuditEvent call = TestAuditEvents.pending().build();
		AuditEvent read = TestAuditEvents.pending()
			.operation(OperationCatalogue.AUDIT_READ, "AuditTrail")
			.tenantId(null)
			.build();

		this.writer.complete(TestAuditEvents.succeeded(call));
		this.writer.complete(read.completed("success", "allow", "audit_read", null, null, 1L));

		assertThat(this.meters.find("graph_gateway.requests").counters()).singleElement()
			.satisfies((counter) -> assertThat(counter.getId().getTag("reason")).isEqualTo("allowed"));
	}

	@Test
	void openWhenWriterNotStartedThenFails() {
		this.writer = new AuditWriter(this.store, 10, 10, clock(), this.meters);

		assertThat(this.writer.open(TestAuditEvents.pending().build())).isCompletedExceptionally();
	}

	@Test
	void openWhenWriterStoppedThenFails() {
		start(10, 10);
		this.writer.stop();

		assertThat(this.writer.isRunning()).isFalse();
		assertThat(this.writer.open(TestAuditEvents.pending().build())).isCompletedExceptionally();
	}

	@Test
	void completeWhenDatabaseDownThenRetriedAndWrittenOnceItIsBack() {
		start(100, 10);
		AuditEvent pending = TestAuditEvents.pending().build();
		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);
		AuditEvent refused = TestAuditEvents.refused();

		this.database.startOutage();
		this.writer.complete(TestAuditEvents.succeeded(pending));
		this.writer.complete(refused);
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(this.meters.counter("graph_gateway.audit.write.failures").count())
				.isGreaterThanOrEqualTo(1));
		assertThat(this.writer.open(TestAuditEvents.pending().build())).failsWithin(WAIT);
		this.database.endOutage();

		await().atMost(WAIT).untilAsserted(() -> assertThat(chained()).isEqualTo(2));
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("activity_result", "success");
		assertThat(TestAuditStores.row(this.database, refused.id())).containsEntry("activity_result", "refused");
		assertThat(this.logs.errors()).first().asString().contains("events failed to commit: ");
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.writer.queued()).isZero());
	}

	/**
	 * An outcome the database refuses for its content (here Graph's request-id, longer
	 * than its column) must not block every later event: it once was retried forever
	 * inside every batch, so every later pending event failed and the gateway refused all
	 * calls.
	 */
	@Test
	void completeWhenDatabaseRejectsOneOutcomeThenLaterEventsStillCommitted() {
		if (this.engine == AuditDatabases.Engine.SQLITE) {
			// SQLite does not hold text to its column's length: refuse it as the others
			// do.
			this.database.jdbc()
				.execute("CREATE TRIGGER refuse_long_request_id BEFORE UPDATE ON audit_event "
						+ "WHEN length(NEW.graph_request_id) > 100 BEGIN SELECT RAISE(ABORT, 'value too long'); END");
		}
		start(100, 10);
		AuditEvent pending = TestAuditEvents.pending().build();
		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);
		this.writer.complete(pending.completed("success", "allow", "allowed", 204, "r".repeat(101), 42L));
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(this.meters.counter("graph_gateway.audit.write.failures").count())
				.isGreaterThanOrEqualTo(1));
		AuditEvent refused = TestAuditEvents.refused();

		this.writer.complete(refused);

		assertThat(this.writer.open(TestAuditEvents.pending().build())).succeedsWithin(WAIT);
		await().atMost(WAIT)
			.untilAsserted(
					() -> assertThat(TestAuditStores.row(this.database, refused.id())).containsEntry("chain_seq", 1L));
		assertThat(this.logs.errors()).anyMatch((line) -> line.startsWith("Audit batch refused by the database ("))
			.anyMatch((line) -> line
				.startsWith("Audit event " + pending.id() + " refused by the database and dropped: "));
	}

	@Test
	void stopWhenEventsQueuedThenDrainsThemBeforeReturning() throws Exception {
		holdFirstWrite();
		start(100, 10);
		List<CompletableFuture<Void>> committed = new ArrayList<>();
		committed.add(this.writer.open(TestAuditEvents.pending().build()));
		awaitFirstWrite();
		for (int i = 0; i < 20; i++) {
			AuditEvent pending = TestAuditEvents.pending().build();
			committed.add(this.writer.open(pending));
			this.writer.complete(TestAuditEvents.succeeded(pending));
		}
		CompletableFuture<Void> stopped = CompletableFuture.runAsync(this.writer::stop);
		await().atMost(WAIT).until(() -> !this.writer.isRunning());

		this.firstWrite.release();

		stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
		assertThat(committed).allSatisfy((future) -> assertThat(future).isCompleted().isNotCompletedExceptionally());
		assertThat(TestAuditStores.count(this.database)).isEqualTo(21);
		assertThat(chained()).isEqualTo(20);
		assertThat(this.writer.queued()).isZero();
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void completeWhenQueuedAfterTheWriterStoppedThenWrittenByTheCallerAndCounted() {
		start(100, 10);
		AuditEvent pending = TestAuditEvents.pending().build();
		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);
		this.writer.stop();
		AuditEvent refused = TestAuditEvents.refused();

		this.writer.complete(TestAuditEvents.succeeded(pending));
		this.writer.refused(refused);

		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("activity_result", "success");
		assertThat(TestAuditStores.row(this.database, refused.id())).containsEntry("activity_result",
				refused.activityResult());
		assertThat(this.writer.queued()).isZero();
		assertThat(this.meters.counter("graph_gateway.audit.late").count()).isEqualTo(2);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void stopWhenDatabaseStaysDownThenReturnsAndLeavesEventPendingForRecovery() throws Exception {
		start(100, 10);
		AuditEvent pending = TestAuditEvents.pending().build();
		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);
		this.database.startOutage();
		this.writer.complete(TestAuditEvents.succeeded(pending));

		CompletableFuture.runAsync(this.writer::stop).get(WAIT.toSeconds(), TimeUnit.SECONDS);
		assertThat(this.logs.errors()).last()
			.asString()
			.startsWith("1 audit events could not be written before shutdown; their events stay pending");

		this.database.endOutage();
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("activity_result", "pending");
	}

	private void start(int capacity, int batchSize) {
		this.writer = new AuditWriter(this.store, capacity, batchSize, clock(), this.meters);
		this.writer.start();
	}

	private void start(int capacity, int batchSize, Duration outcomeDelay) {
		this.writer = new AuditWriter(this.store, capacity, batchSize, outcomeDelay, clock(), this.meters);
		this.writer.start();
	}

	/** Batches the writer committed. */
	private long commits() {
		return this.meters.timer("graph_gateway.audit.write").count();
	}

	/** The writer's first transaction waits until the test releases it. */
	private void holdFirstWrite() {
		this.firstWrite.hold(this.store);
	}

	/**
	 * Opens one pending event, waits until the writer holds it in its first (held)
	 * transaction, then opens {@code more}; the acknowledgements in that order.
	 */
	private List<CompletableFuture<Void>> openOneThenMoreWhileItIsWritten(int more) {
		List<CompletableFuture<Void>> committed = new ArrayList<>();
		committed.add(this.writer.open(TestAuditEvents.pending().build()));
		awaitFirstWrite();
		for (int i = 0; i < more; i++) {
			committed.add(this.writer.open(TestAuditEvents.pending().build()));
		}
		return committed;
	}

	private void awaitFirstWrite() {
		this.firstWrite.awaitStarted();
	}

	private int chained() {
		return TestAuditStores.chained(this.database);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static ArgumentCaptor<List<AuditEvent>> pendingCaptor() {
		return (ArgumentCaptor) ArgumentCaptor.forClass(List.class);
	}

	private static Clock clock() {
		return Clock.fixed(TestAuditEvents.ARRIVED, ZoneOffset.UTC);
	}

}
