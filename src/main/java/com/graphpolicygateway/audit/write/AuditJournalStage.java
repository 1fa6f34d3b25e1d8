package com.graphpolicygateway.audit.write;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.store.JdbcAuditStore;

/**
 * The stage in front of the {@link AuditWriter} that makes pending events durable in the
 * {@link AuditJournal} (embedded H2 file) before their callers go on: one thread takes
 * them from a bounded queue, appends and syncs them in batches, hands them on to the
 * writer's queue and then acknowledges them. The events journaled and not yet in the
 * database are bounded by half the queue's capacity (the writer reports them
 * {@link #written}): past that, the thread waits for the database to catch up, so that
 * callers wait (within their write timeout) rather than being refused, and those that
 * find the queue full meanwhile are refused. Stopping drains the queue into the writer's;
 * starting first brings back into the database what earlier processes left in the
 * journal.
 */
final class AuditJournalStage {

	/** How often a wait for the database to catch up looks whether its caller gave up. */
	private static final Duration ROOM_POLL = Duration.ofMillis(10);

	private static final Log logger = LogFactory.getLog(AuditJournalStage.class);

	private final AuditJournal journal;

	/** Pending events for the journal. */
	private final BlockingQueue<QueuedEvent> queue;

	/** Where journaled events go on to: the writer's queue. */
	private final BlockingQueue<QueuedEvent> handOff;

	/** Permits for events journaled and not yet in the database. */
	private final Semaphore backlog;

	private final int batchSize;

	private final Timer pendingWait;

	private final Counter failures;

	private volatile boolean running;

	/** Set while the thread may still hand events over. */
	private volatile boolean handingOver;

	private @Nullable Thread thread;

	/**
	 * A stage of {@code capacity} pending events that hands them to {@code handOff} once
	 * journaled, counting its callers' wait in {@code pendingWait} and failed appends in
	 * {@code failures}.
	 */
	AuditJournalStage(AuditJournal journal, BlockingQueue<QueuedEvent> handOff, int capacity, int batchSize,
			Timer pendingWait, Counter failures, MeterRegistry meters) {
		Assert.notNull(journal, "journal cannot be null");
		Assert.notNull(handOff, "handOff cannot be null");
		this.journal = journal;
		this.handOff = handOff;
		this.queue = new ArrayBlockingQueue<>(capacity);
		this.backlog = new Semaphore(Math.max(1, capacity / 2));
		this.batchSize = batchSize;
		this.pendingWait = pendingWait;
		this.failures = failures;
		meters.gauge("graph_gateway.audit.journal.backlog", journal, AuditJournal::outstanding);
	}

	/** Queues a pending event; whether there was room. */
	boolean offer(QueuedEvent pending) {
		return this.queue.offer(pending);
	}

	/**
	 * Brings the pending events that earlier processes journaled, and whose rows may not
	 * have reached the database, back into it as their pending rows (the writers that
	 * wrote them are gone, so they are closed as outcome unknown like any other lost
	 * pending event); then the journal segments they came from are deleted.
	 */
	void restore(JdbcAuditStore store) {
		for (AuditJournal.Recovered recovered : this.journal.recover()) {
			int restored = store.restorePending(recovered.events(), recovered.writerId());
			if (restored > 0) {
				logger.warn(restored + " pending audit events of a stopped gateway were found only in its journal "
						+ recovered.file().getFileName() + " and written to the audit trail");
			}
			this.journal.discard(recovered);
		}
	}

	void start() {
		this.running = true;
		this.handingOver = true;
		Thread journalWriter = new Thread(this::run, "audit-journal");
		journalWriter.setDaemon(false);
		this.thread = journalWriter;
		journalWriter.start();
	}

	/**
	 * Stops taking events and waits for the thread to hand the queued ones over; whether
	 * it has ended (or never started).
	 */
	boolean stop() {
		this.running = false;
		return AuditThreads.join(this.thread);
	}

	/** Whether the thread may still hand events over. */
	boolean handingOver() {
		return this.handingOver;
	}

	/** Closes the journal, once the writer has stopped too. */
	void close() {
		this.journal.close();
	}

	int queued() {
		return this.queue.size();
	}

	/** A journaled event is in the database now (or was refused by it for good). */
	void written(QueuedEvent journaled) {
		this.journal.written(journaled.segment(), 1);
		this.backlog.release();
	}

	/**
	 * The thread: appends the queued pending events and syncs them, hands them to the
	 * writer, then acknowledges them.
	 */
	private void run() {
		List<QueuedEvent> batch = new ArrayList<>(this.batchSize);
		try {
			while (this.running || !this.queue.isEmpty()) {
				QueuedEvent next = AuditThreads.poll(this.queue, AuditThreads.IDLE_WAIT.toNanos());
				if (next == null) {
					if (Thread.currentThread().isInterrupted()) {
						break;
					}
					continue;
				}
				batch.add(next);
				this.queue.drainTo(batch, this.batchSize - 1);
				journal(batch);
				batch.clear();
			}
		}
		finally {
			this.handingOver = false;
		}
	}

	private void journal(List<QueuedEvent> batch) {
		List<QueuedEvent> admitted = new ArrayList<>(batch.size());
		for (QueuedEvent pending : batch) {
			if (gaveUp(pending)) {
				continue;
			}
			if (!this.backlog.tryAcquire()) {
				// The database is behind: what is admitted goes on, then this caller
				// waits
				// (within its write timeout) for the database to catch up instead of
				// being
				// refused. Callers that keep arriving find the queue full and are
				// refused.
				append(admitted);
				admitted.clear();
				if (!awaitRoom(pending)) {
					continue;
				}
			}
			admitted.add(pending);
		}
		append(admitted);
	}

	/**
	 * Its caller gave up waiting (the write timeout, or the client left): the call was
	 * not forwarded, and its outcome is recorded whole.
	 */
	private static boolean gaveUp(QueuedEvent pending) {
		CompletableFuture<Void> committed = pending.committed();
		return committed == null || committed.isDone();
	}

	/**
	 * Waits until the writer has brought an event into the database; false when the
	 * caller gave up first, or the thread was interrupted (the caller is then refused).
	 */
	private boolean awaitRoom(QueuedEvent pending) {
		while (!gaveUp(pending)) {
			try {
				if (this.backlog.tryAcquire(ROOM_POLL.toNanos(), TimeUnit.NANOSECONDS)) {
					return true;
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				pending.fail(new AuditUnavailableException("The audit journal is stopping"));
				return false;
			}
		}
		return false;
	}

	private void append(List<QueuedEvent> admitted) {
		if (admitted.isEmpty()) {
			return;
		}
		long segment;
		try {
			segment = this.journal.append(admitted.stream().map(QueuedEvent::event).toList());
		}
		catch (RuntimeException ex) {
			this.failures.increment();
			logger.error("Audit journal append of " + admitted.size() + " pending events failed: "
					+ AuditThreads.describe(ex));
			this.backlog.release(admitted.size());
			AuditUnavailableException unavailable = new AuditUnavailableException("The audit journal is unavailable");
			admitted.forEach((pending) -> pending.fail(unavailable));
			return;
		}
		long journaledAt = System.nanoTime();
		// Handed over before the callers go on, so that no outcome overtakes its event.
		for (QueuedEvent pending : admitted) {
			put(pending.journaled(segment));
		}
		admitted.forEach((pending) -> pending.acknowledge(this.pendingWait, journaledAt));
	}

	private void put(QueuedEvent journaled) {
		boolean interrupted = false;
		while (true) {
			try {
				this.handOff.put(journaled);
				break;
			}
			catch (InterruptedException ex) {
				interrupted = true; // the event is journaled: it must reach the writer
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

}
