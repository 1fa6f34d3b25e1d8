package com.graphpolicygateway.audit.write;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.dao.NonTransientDataAccessException;
import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.system.ShutdownPhases;

/**
 * The single thread that writes the audit trail: takes events from a queue and commits
 * them in batches (group commit), off the Netty event loop. Pending events are
 * acknowledged once committed; completed events are never dropped: after a failed commit
 * they are retried until the database is back. The queue is bounded for the events
 * callers can add at will: pending events (past the capacity a new call is refused) and
 * refusals (past it they are counted, and recorded in summary events by operation, tenant
 * and reason, at most {@link #SUMMARY_INTERVAL} later: the trail states its own gaps).
 * The outcome of an opened event always finds room: there is one for each opened event,
 * so they are bounded by those, and dropping one would lose the record of a call that was
 * forwarded. Completed events wait no caller, so they are held up to an outcome delay and
 * ride along with the next commit instead of forcing one of their own. Stopping drains
 * the queue.
 */
public final class AuditWriter implements SmartLifecycle {

	/** Stops once no request can queue an event any more (see {@link ShutdownPhases}). */
	static final int PHASE = ShutdownPhases.AUDIT_WRITER;

	private static final Log logger = LogFactory.getLog(AuditWriter.class);

	/**
	 * How long completed events are held, by default, before they are committed alone.
	 */
	public static final Duration OUTCOME_DELAY = Duration.ofMillis(50);

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

	/** How often the refusals that found the queue full are recorded as summaries. */
	static final Duration SUMMARY_INTERVAL = Duration.ofSeconds(1);

	/** Refusals that found the queue full, until the writer records their summaries. */
	private final RefusalSummaries summaries = new RefusalSummaries();

	/** When the writer last recorded summaries ({@link System#nanoTime()}). */
	private long summarizedAt = System.nanoTime();

	private final JdbcAuditStore store;

	private final BlockingQueue<QueuedEvent> queue = new LinkedBlockingQueue<>();

	/** Room in the queue for pending events and refusals. */
	private final Semaphore queueRoom;

	private final int batchSize;

	private final Clock clock;

	private final long outcomeDelayNanos;

	private final Deque<QueuedEvent> retry = new ArrayDeque<>();

	private final Timer writeLatency;

	private final Timer pendingWait;

	private final Counter failures;

	private final Counter summarized;

	private final Counter rejected;

	private final MeterRegistry meters;

	private volatile boolean running;

	/**
	 * Set once the writer's thread has ended: whoever queues an event from then on writes
	 * it.
	 */
	private volatile boolean stopped;

	private @Nullable Thread thread;

	/** The database's outage, told once and then every minute, not at every retry. */
	private final StoreOutage outage = new StoreOutage(logger, Duration.ofMinutes(1));

	/** A writer that holds completed events for the default {@link #OUTCOME_DELAY}. */
	public AuditWriter(JdbcAuditStore store, int capacity, int batchSize, Clock clock, MeterRegistry meters) {
		this(store, capacity, batchSize, OUTCOME_DELAY, clock, meters);
	}

	/**
	 * A writer that holds completed events for at most {@code outcomeDelay} when no
	 * pending event comes to commit them along.
	 */
	AuditWriter(JdbcAuditStore store, int capacity, int batchSize, Duration outcomeDelay, Clock clock,
			MeterRegistry meters) {
		Assert.notNull(store, "store cannot be null");
		Assert.notNull(outcomeDelay, "outcomeDelay cannot be null");
		Assert.isTrue(!outcomeDelay.isNegative(), "outcomeDelay cannot be negative");
		Assert.notNull(clock, "clock cannot be null");
		this.store = store;
		this.queueRoom = new Semaphore(capacity);
		this.batchSize = batchSize;
		this.outcomeDelayNanos = outcomeDelay.toNanos();
		this.clock = clock;
		this.meters = meters;
		this.writeLatency = Timer.builder("graph_gateway.audit.write")
			.description("Audit batch commit time")
			.register(meters);
		// What the write-ahead audit adds to an allowed call, from queueing its pending
		// event to the durable commit; a histogram, so that percentiles can be read off.
		this.pendingWait = Timer.builder("graph_gateway.audit.pending.wait")
			.description("Time an allowed call waited for its pending audit event to be committed")
			.publishPercentileHistogram()
			.minimumExpectedValue(Duration.ofMillis(1))
			.maximumExpectedValue(Duration.ofSeconds(10))
			.register(meters);
		this.failures = Counter.builder("graph_gateway.audit.write.failures")
			.description("Audit batches that failed to commit")
			.register(meters);
		this.summarized = Counter.builder("graph_gateway.audit.summarized")
			.description("Refusals recorded in a summary event instead of one of their own (the audit queue was full)")
			.register(meters);
		this.rejected = Counter.builder("graph_gateway.audit.rejected")
			.description("Audit events the database refused (for their content) and that were dropped")
			.register(meters);
		meters.gauge("graph_gateway.audit.queue", this.queue, BlockingQueue::size);
	}

	/**
	 * Queues a pending event; the future completes once it is committed, or fails when
	 * the queue is full or the commit fails.
	 */
	public CompletableFuture<Void> open(AuditEvent pending) {
		CompletableFuture<Void> committed = new CompletableFuture<>();
		boolean queued = this.running && this.queueRoom.tryAcquire()
				&& this.queue.add(QueuedEvent.pending(pending, committed));
		if (!queued) {
			committed.completeExceptionally(new AuditUnavailableException("The audit queue is full or stopped"));
		}
		return committed;
	}

	/**
	 * Queues the outcome of a pending event, whatever the queue holds: its pending row is
	 * closed when there is one (this writer's, or another's being recovered), otherwise
	 * it is inserted whole.
	 */
	public void complete(AuditEvent completed) {
		count(completed);
		enqueue(QueuedEvent.completed(completed, false, false));
	}

	/**
	 * Queues a refusal recorded whole, whose event was never pending: it is inserted
	 * without looking for a pending row first. With the queue full it is counted in a
	 * summary event instead.
	 */
	public void refused(AuditEvent refusal) {
		queueTakingRoom(refusal, true);
	}

	/**
	 * Queues the outcome of a call whose pending event could not be opened (the queue was
	 * full or stopped, the commit failed or took too long): its pending row is closed if
	 * it reached the database after all, otherwise it is inserted whole. Such calls come
	 * as fast as callers send them, so these take room like refusals: with the queue full
	 * one is counted in a summary event (a pending row that did reach the database is
	 * then closed as outcome unknown by the audit maintenance).
	 */
	void openFailed(AuditEvent completed) {
		queueTakingRoom(completed, false);
	}

	private void queueTakingRoom(AuditEvent completed, boolean whole) {
		count(completed);
		if (!this.queueRoom.tryAcquire()) {
			this.summarized.increment();
			this.summaries.add(completed);
			return;
		}
		enqueue(QueuedEvent.completed(completed, whole, true));
	}

	/**
	 * Queues an outcome for the writer's thread, or, once that has ended, writes it on
	 * this one: no event is lost for arriving late, and none normally does, since the
	 * server drains its requests before the writer stops ({@link ShutdownPhases}).
	 */
	private void enqueue(QueuedEvent command) {
		this.queue.add(command);
		if (this.stopped) {
			writeLate("after the audit writer had stopped");
		}
	}

	/**
	 * Every request ends in one of the calls above, so requests are counted here; reads
	 * of the audit trail, which reach no route, are not.
	 */
	private void count(AuditEvent completed) {
		if (OperationCatalogue.AUDIT_READ.equals(completed.operation())) {
			return;
		}
		Counter.builder("graph_gateway.requests")
			.description("Requests that reached the route, by decision, reason and result")
			.tags("decision", completed.decision(), "reason", completed.reason(), "result", completed.activityResult())
			.register(this.meters)
			.increment();
	}

	@Override
	public void start() {
		this.store.startChain(this.clock.instant());
		this.stopped = false;
		this.running = true;
		Thread writer = new Thread(this::run, "audit-writer");
		writer.setDaemon(false);
		this.thread = writer;
		writer.start();
	}

	@Override
	public void stop() {
		this.running = false;
		if (AuditThreads.join(this.thread)) {
			// Outcomes queued after the writer last looked at its queue are written here,
			// and from now on by whoever queues one.
			this.stopped = true;
			writeLate("as the audit writer stopped");
			// The chain's last checkpoint: events cut from its end are seen.
			this.store.checkpointNow();
		}
	}

	/**
	 * Writes the outcomes left in the queue after the writer's thread ended, on this
	 * thread (the shutdown's, or, after it, the caller's that queued one).
	 */
	private synchronized void writeLate(String when) {
		List<QueuedEvent> late = new ArrayList<>();
		this.queue.drainTo(late);
		late.addAll(takeSummaries());
		if (late.isEmpty()) {
			return;
		}
		leftTheQueue(late);
		Counter.builder("graph_gateway.audit.late")
			.description("Audit events queued after the audit writer's thread had ended, written by the shutdown "
					+ "or by their caller")
			.register(this.meters)
			.increment(late.size());
		String ids = late.stream().map((command) -> command.event().id().toString()).collect(Collectors.joining(", "));
		if (write(late)) {
			logger.warn(late.size() + " audit events were queued " + when + " and written then: " + ids);
		}
		else {
			logger.error(late.size() + " audit events queued " + when + " could not be written: " + ids);
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	int queued() {
		return this.queue.size() + this.retry.size();
	}

	private void run() {
		int failuresInARow = 0;
		// Commands taken from the queue and not written yet: completed events held until
		// they are due, or the first command of the next batch.
		List<QueuedEvent> batch = new ArrayList<>(this.batchSize);
		while (this.running || !batch.isEmpty() || !this.queue.isEmpty() || !this.summaries.isEmpty()
				|| (!this.retry.isEmpty() && failuresInARow < 3)) {
			int taken = batch.size();
			if (this.retry.isEmpty()) {
				QueuedEvent next = AuditThreads.poll(this.queue, nanosUntilDue(batch));
				if (next != null) {
					batch.add(next);
				}
			}
			if (Thread.currentThread().isInterrupted()) {
				break;
			}
			this.queue.drainTo(batch, this.batchSize - batch.size());
			leftTheQueue(batch.subList(taken, batch.size()));
			if (!this.running || System.nanoTime() - this.summarizedAt >= SUMMARY_INTERVAL.toNanos()) {
				batch.addAll(takeSummaries());
			}
			if (this.retry.isEmpty() && (batch.isEmpty() || nanosUntilDue(batch) > 0)) {
				if (batch.isEmpty()) {
					this.store.afterBatch(); // idle: a good moment for upkeep
				}
				continue;
			}
			boolean written = write(batch);
			batch.clear();
			if (written) {
				failuresInARow = 0;
				this.store.afterBatch();
			}
			else {
				failuresInARow++;
				// Back off, but a new call ends the wait: the database may be back.
				QueuedEvent woken = AuditThreads.poll(this.queue, backoff(failuresInARow).toNanos());
				if (woken != null) {
					batch.add(woken);
					leftTheQueue(List.of(woken));
				}
			}
		}
		if (!this.retry.isEmpty()) {
			logger.error(this.retry.size() + " audit events could not be written before shutdown; their events stay "
					+ "pending in the database and are closed as outcome unknown on the next start");
		}
	}

	/**
	 * The summaries of the refusals that found the queue full since the last call, as
	 * refusals recorded whole (they take no room in the queue).
	 */
	private List<QueuedEvent> takeSummaries() {
		this.summarizedAt = System.nanoTime();
		if (this.summaries.isEmpty()) {
			return List.of();
		}
		List<QueuedEvent> commands = new ArrayList<>();
		long refusals = 0;
		for (AuditEvent summary : this.summaries.take()) {
			refusals += summary.summary().count();
			commands.add(QueuedEvent.completed(summary, true, false));
		}
		logger.warn("The audit queue was full: " + refusals + " refusals are recorded in " + commands.size()
				+ " summary events instead of events of their own");
		return commands;
	}

	/** Commands the writer took: the room they held is free for new ones. */
	private void leftTheQueue(List<QueuedEvent> taken) {
		int room = 0;
		for (QueuedEvent command : taken) {
			if (command.holdsRoom()) {
				room++;
			}
		}
		if (room > 0) {
			this.queueRoom.release(room);
		}
	}

	/**
	 * How long to wait for the next command, in nanoseconds: 0 when the batch is due now
	 * (it holds a pending event a caller waits for, is full, its oldest held event waited
	 * the outcome delay, or the writer is stopping).
	 */
	private long nanosUntilDue(List<QueuedEvent> batch) {
		if (batch.isEmpty()) {
			return AuditThreads.IDLE_WAIT.toNanos();
		}
		if (!this.running || batch.size() >= this.batchSize || batch.stream().anyMatch(QueuedEvent::isPending)) {
			return 0;
		}
		long held = System.nanoTime() - batch.get(0).queuedAt();
		return Math.max(0, Math.min(this.outcomeDelayNanos - held, AuditThreads.IDLE_WAIT.toNanos()));
	}

	private boolean write(List<QueuedEvent> batch) {
		// Only outcomes are kept for a retry: a pending event that failed was refused.
		List<QueuedEvent> pendingCommands = new ArrayList<>();
		List<QueuedEvent> completedCommands = new ArrayList<>(this.retry);
		for (QueuedEvent command : batch) {
			(command.isPending() ? pendingCommands : completedCommands).add(command);
		}
		List<AuditEvent> pending = pendingCommands.stream().map(QueuedEvent::event).toList();
		List<AuditEvent> completed = completedCommands.stream().map(QueuedEvent::event).toList();
		Set<UUID> whole = completedCommands.stream()
			.filter(QueuedEvent::whole)
			.map((command) -> command.event().id())
			.collect(Collectors.toSet());
		long start = System.nanoTime();
		try {
			List<UUID> missing = this.store.write(pending, completed, whole);
			long committedAt = System.nanoTime();
			this.outage.ended();
			this.writeLatency.record(committedAt - start, TimeUnit.NANOSECONDS);
			this.retry.clear();
			pendingCommands.forEach((command) -> command.acknowledge(this.pendingWait, committedAt));
			if (!missing.isEmpty()) {
				logger.warn("Audit outcomes for events already closed elsewhere were skipped: " + missing);
			}
			return true;
		}
		catch (NonTransientDataAccessException ex) {
			this.failures.increment();
			// One event the database refuses must not block all others: write them one by
			// one.
			logger.error("Audit batch refused by the database (" + AuditThreads.describe(ex)
					+ "); writing its events one by one");
			return writeOneByOne(pendingCommands, completedCommands);
		}
		catch (RuntimeException ex) {
			this.failures.increment();
			this.outage.failed("Audit batch of " + pending.size() + " pending and " + completed.size()
					+ " completed events failed to commit: " + AuditThreads.describe(ex));
			AuditUnavailableException unavailable = new AuditUnavailableException("The audit store is unavailable");
			this.retry.clear();
			pendingCommands.forEach((command) -> command.fail(unavailable));
			this.retry.addAll(completedCommands);
			return false;
		}
	}

	private boolean writeOneByOne(List<QueuedEvent> pending, List<QueuedEvent> completed) {
		this.retry.clear();
		boolean reachable = true;
		for (QueuedEvent command : pending) {
			Outcome outcome = reachable ? writeAlone(List.of(command.event()), List.of(), Set.of())
					: Outcome.UNREACHABLE;
			reachable = outcome != Outcome.UNREACHABLE;
			if (outcome == Outcome.WRITTEN) {
				command.acknowledge(this.pendingWait, System.nanoTime());
			}
			else {
				command.fail(new AuditUnavailableException("Audit event not written"));
			}
		}
		for (QueuedEvent command : completed) {
			Set<UUID> whole = command.whole() ? Set.of(command.event().id()) : Set.of();
			Outcome outcome = reachable ? writeAlone(List.of(), List.of(command.event()), whole) : Outcome.UNREACHABLE;
			if (outcome == Outcome.UNREACHABLE) {
				reachable = false;
				this.retry.add(command);
			}
		}
		return reachable;
	}

	/** Writes a single event in its own transaction. */
	private Outcome writeAlone(List<AuditEvent> pending, List<AuditEvent> completed, Set<UUID> whole) {
		try {
			this.store.write(pending, completed, whole);
			return Outcome.WRITTEN;
		}
		catch (NonTransientDataAccessException ex) {
			this.rejected.increment();
			AuditEvent event = pending.isEmpty() ? completed.get(0) : pending.get(0);
			logger.error(
					"Audit event " + event.id() + " refused by the database and dropped: " + AuditThreads.describe(ex));
			return Outcome.REFUSED;
		}
		catch (RuntimeException ex) {
			this.failures.increment();
			return Outcome.UNREACHABLE;
		}
	}

	/** What happened to one event written alone. */
	private enum Outcome {

		WRITTEN, REFUSED, UNREACHABLE

	}

	private static Duration backoff(int failuresInARow) {
		long millis = 100L << Math.min(failuresInARow, 6);
		return (millis > MAX_BACKOFF.toMillis()) ? MAX_BACKOFF : Duration.ofMillis(millis);
	}

}
