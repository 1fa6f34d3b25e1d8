package com.graphpolicygateway.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.system.PeriodicTasks;

/**
 * Holds the current tenant policy and reloads it when the file's content changes. The
 * file is read through its path each time, so a Kubernetes ConfigMap's symlink swap is
 * seen like an edit. An invalid file never replaces the last good one: the error (with
 * key and line) is logged, kept for the health endpoint and counted, and the last good
 * policy goes on deciding. Operation ids are checked against the catalogue the gateway
 * runs with.
 */
final class PolicyStore implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(PolicyStore.class);

	private final Path file;

	private final Clock clock;

	private final OperationCatalogue catalogue;

	private final AtomicReference<CompiledPolicy> current = new AtomicReference<>();

	private final Counter reloads;

	private final Counter failures;

	private volatile @Nullable String lastError;

	private volatile Instant loadedAt;

	private volatile byte @Nullable [] loadedBytes;

	private final PeriodicTasks tasks = new PeriodicTasks("policy-reload");

	/**
	 * Loads a file that names built-in operations only; start-up fails when it is missing
	 * or invalid.
	 */
	PolicyStore(Path file, Duration interval, Clock clock, MeterRegistry meters) {
		this(file, interval, clock, meters, OperationCatalogue.builtIn());
	}

	/** Loads the file once; start-up fails when it is missing or invalid. */
	PolicyStore(Path file, Duration interval, Clock clock, MeterRegistry meters, OperationCatalogue catalogue) {
		Assert.notNull(file, "file cannot be null");
		Assert.notNull(catalogue, "catalogue cannot be null");
		this.file = file;
		this.clock = clock;
		this.catalogue = catalogue;
		this.tasks.every(interval, interval, this::reloadIfChanged);
		this.reloads = Counter.builder("graph_gateway.policy.reloads").tag("result", "success").register(meters);
		this.failures = Counter.builder("graph_gateway.policy.reloads").tag("result", "failure").register(meters);
		meters.gauge("graph_gateway.policy.last_reload_failed", this, (store) -> (store.lastError != null) ? 1 : 0);
		try {
			byte[] content = read();
			this.current.set(PolicyParser.parse(content, file.toString(), catalogue));
			this.loadedBytes = content;
			this.loadedAt = clock.instant();
			logger.info("Tenant policy " + this.current.get().version() + " loaded from " + file + " ("
					+ this.current.get().tenantCount() + " tenants)");
		}
		catch (IOException ex) {
			throw new IllegalStateException("graph-gateway.policy.file " + file + " cannot be read: " + ex, ex);
		}
		catch (PolicyParser.InvalidPolicyException ex) {
			throw new IllegalStateException("graph-gateway.policy.file is invalid: " + ex.getMessage());
		}
	}

	CompiledPolicy current() {
		return this.current.get();
	}

	@Nullable String lastError() {
		return this.lastError;
	}

	Instant loadedAt() {
		return this.loadedAt;
	}

	Path file() {
		return this.file;
	}

	/**
	 * Reads the file and, when its content changed and is valid, makes it the current
	 * policy.
	 */
	void reloadIfChanged() {
		byte[] content;
		try {
			content = read();
		}
		catch (NoSuchFileException ex) {
			// Forget the bytes: the same content coming back must clear the error.
			this.loadedBytes = null;
			fail("the file " + this.file + " is missing");
			return;
		}
		catch (IOException ex) {
			this.loadedBytes = null;
			fail("the file " + this.file + " cannot be read: " + ex.getMessage());
			return;
		}
		if (java.util.Arrays.equals(content, this.loadedBytes)) {
			return;
		}
		if (PolicyParser.version(content).equals(this.current.get().version()) && this.lastError == null) {
			this.loadedBytes = content;
			return;
		}
		try {
			CompiledPolicy policy = PolicyParser.parse(content, this.file.toString(), this.catalogue);
			this.current.set(policy);
			this.loadedBytes = content;
			this.loadedAt = this.clock.instant();
			this.lastError = null;
			this.reloads.increment();
			logger.info("Tenant policy " + policy.version() + " reloaded from " + this.file + " ("
					+ policy.tenantCount() + " tenants)");
		}
		catch (PolicyParser.InvalidPolicyException ex) {
			this.loadedBytes = content;
			fail(ex.getMessage());
		}
	}

	private void fail(String error) {
		if (!error.equals(this.lastError)) {
			this.failures.increment();
			logger.error("Tenant policy not reloaded, still enforcing " + this.current.get().version() + ": " + error);
		}
		this.lastError = error;
	}

	private byte[] read() throws IOException {
		return Files.readAllBytes(this.file);
	}

	@Override
	public void start() {
		this.tasks.start();
	}

	@Override
	public void stop() {
		this.tasks.stop();
	}

	@Override
	public boolean isRunning() {
		return this.tasks.isRunning();
	}

}
