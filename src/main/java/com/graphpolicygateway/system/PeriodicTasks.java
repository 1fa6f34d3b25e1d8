package com.graphpolicygateway.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Background tasks that run periodically on one daemon thread of their own (never a Netty
 * event loop), started and stopped with the component that owns them. A failing run is
 * logged and the task runs again at its next period.
 */
public final class PeriodicTasks {

	private static final Log logger = LogFactory.getLog(PeriodicTasks.class);

	private final String name;

	private final List<Task> tasks = new ArrayList<>();

	private @Nullable ScheduledExecutorService scheduler;

	public PeriodicTasks(String name) {
		this.name = name;
	}

	/** Adds a task; takes effect at the next {@link #start()}. */
	public PeriodicTasks every(Duration period, Duration initialDelay, Runnable task) {
		this.tasks.add(new Task(period, initialDelay, task));
		return this;
	}

	public synchronized void start() {
		if (this.scheduler != null) {
			return;
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, this.name);
			thread.setDaemon(true);
			return thread;
		});
		for (Task task : this.tasks) {
			executor.scheduleWithFixedDelay(() -> runSafely(task.task()), task.initialDelay().toMillis(),
					task.period().toMillis(), TimeUnit.MILLISECONDS);
		}
		this.scheduler = executor;
	}

	public synchronized void stop() {
		ScheduledExecutorService executor = this.scheduler;
		if (executor != null) {
			executor.shutdownNow();
		}
		this.scheduler = null;
	}

	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

	private void runSafely(Runnable task) {
		try {
			task.run();
		}
		catch (RuntimeException ex) {
			logger.warn(this.name + " failed; it runs again at its next period: " + ex.getMessage());
		}
	}

	private record Task(Duration period, Duration initialDelay, Runnable task) {
	}

}
