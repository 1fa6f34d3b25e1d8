package com.graphpolicygateway.audit.verify;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.util.Assert;

/**
 * The chain verification state shown on the audit page's banner: the last result, re-run
 * (once, however many pages ask) when older than its maximum age. A page waits a moment
 * for a run in progress, then shows what is known; a long walk of a large trail goes on
 * in the background.
 */
public final class AuditChainStatus {

	private static final Log logger = LogFactory.getLog(AuditChainStatus.class);

	private final Supplier<AuditVerification> verifier;

	private final Clock clock;

	private final Duration maxAge;

	private final Duration wait;

	private volatile @Nullable Checked last;

	private @Nullable Mono<Checked> running;

	public AuditChainStatus(Supplier<AuditVerification> verifier, Clock clock, Duration maxAge, Duration wait) {
		Assert.notNull(verifier, "verifier cannot be null");
		this.verifier = verifier;
		this.clock = clock;
		this.maxAge = maxAge;
		this.wait = wait;
	}

	/** The latest verification, fresh or waited for, or what was known before. */
	public Mono<Optional<Checked>> current() {
		Checked known = this.last;
		if (known != null && !known.at().plus(this.maxAge).isBefore(this.clock.instant())) {
			return Mono.just(Optional.of(known));
		}
		return refresh().map(Optional::of).timeout(this.wait, Mono.fromSupplier(() -> Optional.ofNullable(this.last)));
	}

	private synchronized Mono<Checked> refresh() {
		Mono<Checked> run = this.running;
		if (run == null) {
			run = Mono.fromSupplier(this.verifier)
				.subscribeOn(Schedulers.boundedElastic())
				.map((verification) -> new Checked(verification, this.clock.instant()))
				// Finished before the result reaches anyone: a caller who then finds it
				// stale must start a new run, not get this one again.
				.doOnNext((checked) -> {
					this.last = checked;
					finished();
				})
				.doOnError((ex) -> finished())
				.cache();
			this.running = run;
			// Runs to the end even when every page stops waiting for it.
			run.subscribe((checked) -> {
			}, (ex) -> logger.warn("Audit chain verification for the audit page failed: " + ex.getMessage()));
		}
		return run;
	}

	private synchronized void finished() {
		this.running = null;
	}

	/**
	 * One verification.
	 *
	 * @param verification what it found
	 * @param at when it finished
	 */
	public record Checked(AuditVerification verification, Instant at) {
	}

}
