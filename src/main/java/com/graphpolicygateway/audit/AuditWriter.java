package com.graphpolicygateway.audit;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.dao.NonTransientDataAccessException;
import org.springframework.util.Assert;

/**
 * The single thread that writes the audit trail: takes events from a bounded queue and
 * commits them in batches (group commit), off the Netty event loop. Pending events are
 * acknowledged once committed; completed events are never dropped: after a failed commit
 * they are retried until the database is back. Stopping drains the queue.
 */
final class AuditWriter implements SmartLifecycle {

	/** Stops after the web server has finished its in-flight requests. */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Log logger = LogFactory.getLog(AuditWriter.class);

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

	private final JdbcAuditStore store;

	private final BlockingQueue<Command> queue;

	private final int batchSize;

	private final Clock clock;

	private final Deque<AuditEvent> retry = new ArrayDeque<>();

	private final Timer writeLatency;

	private final Counter failures;

	private final Counter dropped;

	private final Counter rejected;

	private final MeterRegistry meters;

	private volatile boolean running;

	private @Nullable Thread thread;

	AuditWriter(JdbcAuditStore store, int capacity, int batchSize, Clock clock, MeterRegistry meters) {
		Assert.notNull(store, "store cannot be null");
		Assert.notNull(clock, "clock cannot be null");
		this.store = store;
		this.queue = new ArrayBlockingQueue<>(capacity);
		this.batchSize = batchSize;
		this.clock = clock;
		this.meters = meters;
		this.writeLatency = Timer.builder("graph_gateway.audit.write")
			.description("Audit batch commit time")
			.register(meters);
		this.failures = Counter.builder("graph_gateway.audit.write.failures")
			.description("Audit batches that failed to commit")
			.register(meters);
		this.dropped = Counter.builder("graph_gateway.audit.dropped")
			.description("Refusal events not written because the audit queue was full")
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
	CompletableFuture<Void> open(AuditEvent pending) {
		CompletableFuture<Void> committed = new CompletableFuture<>();
		if (!this.running || !this.queue.offer(new Command(pending, committed))) {
			committed.completeExceptionally(new AuditUnavailableException("The audit queue is full or stopped"));
		}
		return committed;
	}

	/**
	 * Queues a completed event: the outcome of a pending one, or a refusal recorded
	 * whole.
	 */
	void complete(AuditEvent completed) {
		// Every request ends here exactly once, so this is where requests are counted.
		Counter.builder("graph_gateway.requests")
			.description("Requests that reached the route, by decision, reason and result")
			.tags("decision", completed.decision(), "reason", completed.reason(), "result", completed.activityResult())
			.register(this.meters)
			.increment();
		if (!this.queue.offer(new Command(completed, null))) {
			this.dropped.increment();
			logger.error("Audit queue full: event " + completed.id() + " (" + completed.reason() + ") was not written");
		}
	}

	@Override
	public void start() {
		this.store.startChain(this.clock.instant());
		this.running = true;
		Thread writer = new Thread(this::run, "audit-writer");
		writer.setDaemon(false);
		this.thread = writer;
		writer.start();
	}

	@Override
	public void stop() {
		this.running = false;
		Thread writer = this.thread;
		if (writer != null) {
			try {
				writer.join(Duration.ofSeconds(30).toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
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
		Command woken = null;
		while (this.running || woken != null || !this.queue.isEmpty()
				|| (!this.retry.isEmpty() && failuresInARow < 3)) {
			List<Command> batch = new ArrayList<>(this.batchSize);
			Command first = (woken != null) ? woken : this.retry.isEmpty() ? poll(Duration.ofMillis(100)) : null;
			woken = null;
			if (first != null) {
				batch.add(first);
			}
			if (Thread.currentThread().isInterrupted()) {
				break;
			}
			this.queue.drainTo(batch, this.batchSize - batch.size());
			if (batch.isEmpty() && this.retry.isEmpty()) {
				continue;
			}
			if (write(batch)) {
				failuresInARow = 0;
			}
			else {
				failuresInARow++;
				// Back off, but a new call ends the wait: the database may be back.
				woken = poll(backoff(failuresInARow));
			}
		}
		if (!this.retry.isEmpty()) {
			logger.error(this.retry.size() + " audit outcomes could not be written before shutdown; their events stay "
					+ "pending and are closed as outcome unknown on the next start");
		}
	}

	private boolean write(List<Command> batch) {
		List<AuditEvent> pending = new ArrayList<>();
		List<CompletableFuture<Void>> acknowledgements = new ArrayList<>();
		List<AuditEvent> completed = new ArrayList<>(this.retry);
		for (Command command : batch) {
			if (command.committed() != null) {
				pending.add(command.event());
				acknowledgements.add(command.committed());
			}
			else {
				completed.add(command.event());
			}
		}
		long start = System.nanoTime();
		try {
			List<UUID> missing = this.store.write(pending, completed);
			this.writeLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
			this.retry.clear();
			acknowledgements.forEach((ack) -> ack.complete(null));
			if (!missing.isEmpty()) {
				logger.warn("Audit outcomes for events already closed elsewhere were skipped: " + missing);
			}
			return true;
		}
		catch (NonTransientDataAccessException ex) {
			this.failures.increment();
			// One event the database refuses must not block all others: write them one by
			// one.
			logger.error("Audit batch refused by the database (" + describe(ex) + "); writing its events one by one");
			return writeOneByOne(pending, acknowledgements, completed);
		}
		catch (RuntimeException ex) {
			this.failures.increment();
			logger.error("Audit batch of " + pending.size() + " pending and " + completed.size()
					+ " completed events failed to commit: " + describe(ex));
			AuditUnavailableException unavailable = new AuditUnavailableException("The audit store is unavailable");
			acknowledgements.forEach((ack) -> ack.completeExceptionally(unavailable));
			this.retry.clear();
			this.retry.addAll(completed);
			return false;
		}
	}

	private boolean writeOneByOne(List<AuditEvent> pending, List<CompletableFuture<Void>> acknowledgements,
			List<AuditEvent> completed) {
		this.retry.clear();
		boolean reachable = true;
		for (int i = 0; i < pending.size(); i++) {
			Outcome outcome = reachable ? writeAlone(List.of(pending.get(i)), List.of()) : Outcome.UNREACHABLE;
			reachable = outcome != Outcome.UNREACHABLE;
			if (outcome == Outcome.WRITTEN) {
				acknowledgements.get(i).complete(null);
			}
			else {
				acknowledgements.get(i).completeExceptionally(new AuditUnavailableException("Audit event not written"));
			}
		}
		for (AuditEvent event : completed) {
			Outcome outcome = reachable ? writeAlone(List.of(), List.of(event)) : Outcome.UNREACHABLE;
			if (outcome == Outcome.UNREACHABLE) {
				reachable = false;
				this.retry.add(event);
			}
		}
		return reachable;
	}

	/** Writes a single event in its own transaction. */
	private Outcome writeAlone(List<AuditEvent> pending, List<AuditEvent> completed) {
		try {
			this.store.write(pending, completed);
			return Outcome.WRITTEN;
		}
		catch (NonTransientDataAccessException ex) {
			this.rejected.increment();
			AuditEvent event = pending.isEmpty() ? completed.get(0) : pending.get(0);
			logger.error("Audit event " + event.id() + " refused by the database and dropped: " + describe(ex));
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

	/**
	 * What went wrong, without the database's message: it may quote the values of the
	 * event, and those come from request bodies, which are never logged.
	 */
	private static String describe(RuntimeException ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String state = (root instanceof java.sql.SQLException sql && sql.getSQLState() != null)
				? " SQLState " + sql.getSQLState() : "";
		return ex.getClass().getSimpleName() + " (" + root.getClass().getSimpleName() + state + ")";
	}

	private static Duration backoff(int failuresInARow) {
		long millis = 100L << Math.min(failuresInARow, 6);
		return (millis > MAX_BACKOFF.toMillis()) ? MAX_BACKOFF : Duration.ofMillis(millis);
	}

	private @Nullable Command poll(Duration timeout) {
		try {
			return this.queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
	}

	/**
	 * A queued event; {@code committed} is set for pending events awaiting
	 * acknowledgement.
	 */
	private record Command(AuditEvent event, @Nullable CompletableFuture<Void> committed) {
	}

}
