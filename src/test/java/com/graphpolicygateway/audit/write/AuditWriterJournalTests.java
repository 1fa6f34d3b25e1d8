package com.graphpolicygateway.audit.write;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.mockito.ArgumentCaptor;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.FileSystemUtils;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.audit.store.TestAuditStores;
import com.graphpolicygateway.test.AuditDatabases;
import com.graphpolicygateway.test.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anySet;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;

/**
 * Tests for {@link AuditWriter} with an {@link AuditJournal}, on H2, SQLite and
 * PostgreSQL: pending events are acknowledged once journaled, reach the database
 * afterwards (most in one insert with their outcome), survive a database outage and a
 * stop, and the next process restores what the journal alone held.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class AuditWriterJournalTests {

	@RegisterExtension
	final LogCapture logs = LogCapture.of(AuditWriter.class, AuditJournalStage.class);

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final AuditDatabases.Engine engine;

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final HeldFirstWrite firstWrite = HeldFirstWrite.within(WAIT);

	@TempDir
	Path temporary;

	private Path directory;

	private AuditDatabases.Database database;

	private JdbcAuditStore store;

	private AuditWriter writer;

	/** The spied journal of {@link #startWithFirstJournalAppendHeld()}. */
	private AuditJournal heldJournal;

	AuditWriterJournalTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void createDatabase() {
		this.database = AuditDatabases.create(this.engine);
		this.store = spy(TestAuditStores.unstarted(this.database));
		this.directory = this.temporary.resolve("audit.journal");
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
	void openWhenJournaledThenAcknowledgedWhileTheDatabaseIsStillWriting() {
		holdFirstWrite();
		start(100, 10, Duration.ZERO);
		assertThat(this.writer.open(TestAuditEvents.pending().build())).succeedsWithin(WAIT);
		awaitFirstWrite();

		AuditEvent second = TestAuditEvents.pending().build();

		assertThat(this.writer.open(second)).succeedsWithin(WAIT);
		assertThat(journaledText()).contains(second.id().toString());
		assertThat(TestAuditStores.count(this.database)).isZero();
		this.firstWrite.release();
		await().atMost(WAIT).untilAsserted(() -> assertThat(TestAuditStores.count(this.database)).isEqualTo(2));
		assertThat(TestAuditStores.read(this.database, second.id())).isEqualTo(second);
	}

	@Test
	void completeWhenTheOutcomeComesWithinTheOutcomeDelayThenTheEventIsInsertedOnceWhole() {
		start(100, 10, Duration.ofSeconds(5));
		AuditEvent pending = TestAuditEvents.pending().build();
		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);
		AuditEvent succeeded = TestAuditEvents.succeeded(pending);

		this.writer.complete(succeeded);
		this.writer.stop(); // commits what is held

		ArgumentCaptor<List<AuditEvent>> pendingRows = listCaptor();
		ArgumentCaptor<List<AuditEvent>> completed = listCaptor();
		verify(this.store, atLeastOnce()).write(pendingRows.capture(), completed.capture(), anySet());
		assertThat(pendingRows.getAllValues()).allSatisfy((rows) -> assertThat(rows).isEmpty());
		assertThat(completed.getAllValues()).flatExtracting((events) -> events).containsExactly(succeeded);
		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(succeeded);
		assertThat(TestAuditStores.chain(this.database, this.store.chainId())).containsExactly(pending.id().toString());
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
		assertThat(segments()).isEmpty();
	}

	@Test
	void completeWhenTheOutcomeComesAfterThePendingRowWasWrittenThenThatRowIsClosed() {
		start(100, 10, Duration.ZERO);
		AuditEvent pending = TestAuditEvents.pending().build();
		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);
		await().atMost(WAIT).untilAsserted(() -> assertThat(TestAuditStores.count(this.database)).isEqualTo(1));
		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(pending);

		this.writer.complete(TestAuditEvents.succeeded(pending));

		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(TestAuditStores.row(this.database, pending.id()))
				.containsEntry("activity_result", "success"));
		assertThat(TestAuditStores.count(this.database)).isEqualTo(1);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void openWhenTheDatabaseIsDownThenStillAcknowledgedAndWrittenOnceItIsBack() {
		start(100, 10, Duration.ZERO);
		this.database.startOutage();
		AuditEvent pending = TestAuditEvents.pending().build();

		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);
		this.writer.complete(TestAuditEvents.succeeded(pending));
		await().atMost(WAIT).until(() -> this.meters.counter("graph_gateway.audit.write.failures").count() > 0);
		await().atMost(WAIT)
			.untilAsserted(
					() -> assertThat(this.logs.errors()).first().asString().contains(" events failed to commit: "));
		this.database.endOutage();

		await().atMost(WAIT)
			.ignoreExceptions()
			.untilAsserted(() -> assertThat(TestAuditStores.row(this.database, pending.id()))
				.containsEntry("activity_result", "success"));
		assertThat(TestAuditStores.count(this.database)).isEqualTo(1);
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void openWhenTheJournalHoldsHalfTheQueueCapacityNotYetWrittenThenTheCallWaitsForTheDatabaseToCatchUp() {
		holdFirstWrite();
		start(4, 10, Duration.ZERO);
		List<CompletableFuture<Void>> acknowledged = new ArrayList<>();
		acknowledged.add(this.writer.open(TestAuditEvents.pending().build()));
		awaitFirstWrite();
		acknowledged.add(this.writer.open(TestAuditEvents.pending().build()));
		assertThat(CompletableFuture.allOf(acknowledged.toArray(CompletableFuture[]::new))).succeedsWithin(WAIT);

		CompletableFuture<Void> third = this.writer.open(TestAuditEvents.pending().build());

		assertThat(third).isNotDone();
		await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !third.isDone());
		this.firstWrite.release();
		assertThat(third).succeedsWithin(WAIT);
		await().atMost(WAIT).untilAsserted(() -> assertThat(TestAuditStores.count(this.database)).isEqualTo(3));
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void openWhenTheJournalIsFullAndTheCallerGivesUpWaitingThenItsEventIsNeverJournaled() {
		holdFirstWrite();
		start(4, 10, Duration.ZERO);
		this.writer.open(TestAuditEvents.pending().build());
		awaitFirstWrite();
		assertThat(this.writer.open(TestAuditEvents.pending().build())).succeedsWithin(WAIT);
		AuditEvent waiting = TestAuditEvents.pending().build();
		CompletableFuture<Void> third = this.writer.open(waiting);

		third.cancel(true); // the write timeout, as the audit filter's Mono does
		this.writer.openFailed(unavailable(waiting));
		this.firstWrite.release();

		await().atMost(WAIT).until(() -> TestAuditStores.count(this.database) == 3 && journalBacklog() == 0);
		assertThat(TestAuditStores.read(this.database, waiting.id())).isEqualTo(unavailable(waiting));
		assertThat(this.meters.counter("graph_gateway.audit.rejected").count()).isZero();
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void openWhenTheJournalIsFullAndTheQueueFillsThenNewCallsAreRefusedAtOnce() {
		holdFirstWrite();
		start(4, 10, Duration.ZERO);
		List<CompletableFuture<Void>> opened = new ArrayList<>();
		opened.add(this.writer.open(TestAuditEvents.pending().build()));
		awaitFirstWrite();
		for (int i = 0; i < 8; i++) {
			opened.add(this.writer.open(TestAuditEvents.pending().build()));
		}

		List<CompletableFuture<Void>> refused = opened.stream()
			.filter(CompletableFuture::isCompletedExceptionally)
			.toList();
		assertThat(refused).isNotEmpty();
		assertThat(refused.get(0)).failsWithin(WAIT)
			.withThrowableThat()
			.havingRootCause()
			.isInstanceOf(AuditUnavailableException.class)
			.withMessage("The audit queue is full or stopped");
		this.firstWrite.release();
		opened.stream()
			.filter((open) -> !refused.contains(open))
			.forEach((waiting) -> assertThat(waiting).succeedsWithin(WAIT));
		assertThat(this.writer.open(TestAuditEvents.pending().build())).succeedsWithin(WAIT);
	}

	@Test
	void openWhenTheJournalCannotBeWrittenThenFailsWithAuditUnavailable() throws IOException {
		start(100, 10, Duration.ZERO);
		FileSystemUtils.deleteRecursively(this.directory); // its lock file with it

		assertThat(this.writer.open(TestAuditEvents.pending().build())).failsWithin(WAIT)
			.withThrowableThat()
			.havingRootCause()
			.isInstanceOf(AuditUnavailableException.class)
			.withMessage("The audit journal is unavailable");
		assertThat(this.logs.errors()).first()
			.asString()
			.startsWith("Audit journal append of 1 pending events failed: ");
		assertThat(TestAuditStores.count(this.database)).isZero();
	}

	@Test
	void openWhenTheCallerGaveUpBeforeItsEventWasJournaledThenOnlyItsRefusalIsRecorded() {
		CountDownLatch appendReleased = startWithFirstJournalAppendHeld();
		AuditEvent first = TestAuditEvents.pending().build();
		CompletableFuture<Void> firstAcknowledged = openInHeldJournalAppend(first);
		AuditEvent pending = TestAuditEvents.pending().build();
		CompletableFuture<Void> acknowledged = this.writer.open(pending);

		acknowledged.cancel(true); // the write timeout, as the audit filter's Mono does
		this.writer.openFailed(unavailable(pending));
		appendReleased.countDown();

		assertThat(firstAcknowledged).succeedsWithin(WAIT);
		await().atMost(WAIT).until(() -> TestAuditStores.count(this.database) == 2 && journalBacklog() == 0);
		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(unavailable(pending));
		ArgumentCaptor<List<AuditEvent>> appended = listCaptor();
		verify(this.heldJournal, atLeastOnce()).append(appended.capture());
		assertThat(appended.getAllValues()).flatExtracting((events) -> events).containsExactly(first);
		assertThat(this.meters.counter("graph_gateway.audit.rejected").count()).isZero();
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void openWhenTheCallerGaveUpWhileItsEventWasJournaledThenItsRefusalStandsAndNothingIsRejected() {
		CountDownLatch appendReleased = startWithFirstJournalAppendHeld();
		AuditEvent pending = TestAuditEvents.pending().build();
		CompletableFuture<Void> acknowledged = openInHeldJournalAppend(pending);

		acknowledged.cancel(true);
		this.writer.openFailed(unavailable(pending));
		await().atMost(WAIT).until(() -> TestAuditStores.count(this.database) == 1);
		appendReleased.countDown();

		await().atMost(WAIT).until(() -> journalBacklog() == 0);
		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(unavailable(pending));
		assertThat(TestAuditStores.count(this.database)).isEqualTo(1);
		assertThat(this.meters.counter("graph_gateway.audit.rejected").count()).isZero();
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
		assertThat(this.writer.open(TestAuditEvents.pending().build())).succeedsWithin(WAIT);
	}

	@Test
	void stopWhenEverythingIsWrittenThenNoJournalSegmentStays() {
		start(100, 10, Duration.ofSeconds(5));
		List<AuditEvent> pending = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			AuditEvent event = TestAuditEvents.pending().build();
			pending.add(event);
			assertThat(this.writer.open(event)).succeedsWithin(WAIT);
		}
		pending.subList(0, 10).forEach((event) -> this.writer.complete(TestAuditEvents.succeeded(event)));

		this.writer.stop();

		assertThat(TestAuditStores.count(this.database)).isEqualTo(20);
		assertThat(chained()).isEqualTo(10);
		assertThat(segments()).isEmpty();
		assertThat(TestAuditStores.verifier(this.database).verify().intact()).isTrue();
	}

	@Test
	void startWhenAStoppedProcessLeftEventsOnlyInItsJournalThenTheyAreRestoredAsItsPendingEvents() {
		String stoppedWriter = UUID.randomUUID().toString();
		AuditJournal stopped = new AuditJournal(this.directory, stoppedWriter, JsonMapper.builder().build());
		AuditEvent inDatabase = TestAuditEvents.pending().build();
		AuditEvent onlyJournaled = TestAuditEvents.pending().build();
		stopped.append(List.of(inDatabase, onlyJournaled));
		stopped.close(); // the process is gone, its segment stays
		JdbcAuditStore stoppedStore = TestAuditStores.started(this.database);
		stoppedStore.write(List.of(inDatabase), List.of());
		stoppedStore.write(List.of(), List.of(TestAuditEvents.succeeded(inDatabase)));

		start(100, 10, Duration.ZERO);

		assertThat(TestAuditStores.read(this.database, onlyJournaled.id())).isEqualTo(onlyJournaled);
		assertThat(TestAuditStores.row(this.database, onlyJournaled.id())).containsEntry("writer_id", stoppedWriter);
		assertThat(TestAuditStores.row(this.database, inDatabase.id())).containsEntry("activity_result", "success");
		assertThat(TestAuditStores.count(this.database)).isEqualTo(2);
		assertThat(this.store.stalePendingEvents(TestAuditEvents.ARRIVED.plusSeconds(1), 10))
			.containsExactly(onlyJournaled);
		assertThat(segments()).isEmpty();
	}

	@Test
	void stopWhenTheDatabaseStaysDownThenTheNextProcessRestoresWhatOnlyTheJournalHeld() throws Exception {
		start(100, 10, Duration.ZERO);
		this.database.startOutage();
		AuditEvent pending = TestAuditEvents.pending().build();
		assertThat(this.writer.open(pending)).succeedsWithin(WAIT);
		await().atMost(WAIT).until(() -> this.meters.counter("graph_gateway.audit.write.failures").count() > 0);

		CompletableFuture.runAsync(this.writer::stop).get(WAIT.toSeconds() * 3, TimeUnit.SECONDS);
		assertThat(this.logs.errors()).last()
			.asString()
			.startsWith("1 audit events could not be written before shutdown; their events stay pending");
		assertThat(segments()).hasSize(1);
		this.database.endOutage();
		JdbcAuditStore next = TestAuditStores.unstarted(this.database);
		this.writer = new AuditWriter(next, journal(next), 100, 10, Duration.ZERO, clock(), new SimpleMeterRegistry());
		this.writer.start();

		assertThat(TestAuditStores.read(this.database, pending.id())).isEqualTo(pending);
		assertThat(TestAuditStores.row(this.database, pending.id())).containsEntry("writer_id", this.store.chainId());
		assertThat(segments()).isEmpty();
	}

	private void start(int capacity, int batchSize, Duration outcomeDelay) {
		start(journal(this.store), capacity, batchSize, outcomeDelay);
	}

	private void start(AuditJournal journal, int capacity, int batchSize, Duration outcomeDelay) {
		this.writer = new AuditWriter(this.store, journal, capacity, batchSize, outcomeDelay, clock(), this.meters);
		this.writer.start();
	}

	/**
	 * Starts a writer whose journal's first append writes its events and then waits until
	 * the test counts the returned latch down, as a slow disk would keep the journal's
	 * thread.
	 */
	private CountDownLatch startWithFirstJournalAppendHeld() {
		CountDownLatch released = new CountDownLatch(1);
		AuditJournal journal = spy(journal(this.store));
		doAnswer((invocation) -> {
			Object segment = invocation.callRealMethod();
			assertThat(released.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			return segment;
		}).doCallRealMethod().when(journal).append(anyList());
		this.heldJournal = journal;
		start(journal, 100, 10, Duration.ZERO);
		return released;
	}

	/** Opens {@code event} and waits until the journal's held first append wrote it. */
	private CompletableFuture<Void> openInHeldJournalAppend(AuditEvent event) {
		CompletableFuture<Void> acknowledged = this.writer.open(event);
		await().atMost(WAIT).until(() -> journaledText().contains(event.id().toString()));
		return acknowledged;
	}

	/** The refusal the audit filter records when a pending event took too long. */
	private static AuditEvent unavailable(AuditEvent pending) {
		return pending.completed("refused", "refuse", "audit_unavailable", null, null, 2000L);
	}

	/** Events journaled and not yet in the database. */
	private double journalBacklog() {
		return this.meters.get("graph_gateway.audit.journal.backlog").gauge().value();
	}

	private AuditJournal journal(JdbcAuditStore of) {
		return new AuditJournal(this.directory, of.chainId(), JsonMapper.builder().build());
	}

	/** The journal's segments as text: each record holds its event as JSON. */
	private String journaledText() {
		StringBuilder text = new StringBuilder();
		for (Path segment : segments()) {
			try {
				text.append(new String(Files.readAllBytes(segment), StandardCharsets.ISO_8859_1));
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}
		return text.toString();
	}

	private List<Path> segments() {
		try (Stream<Path> files = Files.list(this.directory)) {
			return files.filter((file) -> file.toString().endsWith(".journal")).toList();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The writer's first transaction waits until the test releases it. */
	private void holdFirstWrite() {
		this.firstWrite.hold(this.store);
	}

	private void awaitFirstWrite() {
		this.firstWrite.awaitStarted();
	}

	private int chained() {
		return TestAuditStores.chained(this.database);
	}

	private static Clock clock() {
		return Clock.fixed(TestAuditEvents.ARRIVED.plusSeconds(1), ZoneOffset.UTC);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static ArgumentCaptor<List<AuditEvent>> listCaptor() {
		return (ArgumentCaptor) ArgumentCaptor.forClass(List.class);
	}

}
