package com.graphpolicygateway.audit.verify;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The audit page's chain banner state: one verification however many pages ask, re-run
 * only when stale, and a page never waits longer than its limit.
 */
class AuditChainStatusTests {

	private static final AuditVerification INTACT = new AuditVerification(true, 1, 10, null);

	private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-27T10:00:00Z"));

	private final Clock clock = new Clock() {

		@Override
		public Instant instant() {
			return AuditChainStatusTests.this.now.get();
		}

		@Override
		public java.time.ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

	};

	@Test
	void currentWhenAskedTwiceWithinMaxAgeThenVerifiesOnce() {
		AtomicInteger runs = new AtomicInteger();
		AuditChainStatus status = new AuditChainStatus(() -> {
			runs.incrementAndGet();
			return INTACT;
		}, this.clock, Duration.ofMinutes(5), Duration.ofSeconds(5));
		assertThat(status.current().block()).get().extracting(AuditChainStatus.Checked::verification).isEqualTo(INTACT);
		this.now.set(this.now.get().plus(Duration.ofMinutes(4)));
		assertThat(status.current().block()).isPresent();
		assertThat(runs).hasValue(1);
	}

	@Test
	void currentWhenResultOlderThanMaxAgeThenVerifiesAgain() {
		AtomicInteger runs = new AtomicInteger();
		AuditChainStatus status = new AuditChainStatus(() -> {
			runs.incrementAndGet();
			return INTACT;
		}, this.clock, Duration.ofMinutes(5), Duration.ofSeconds(5));
		status.current().block();
		this.now.set(this.now.get().plus(Duration.ofMinutes(6)));
		assertThat(status.current().block()).get().extracting(AuditChainStatus.Checked::at).isEqualTo(this.now.get());
		assertThat(runs).hasValue(2);
	}

	@Test
	void currentWhenVerificationSlowThenAnswersUnknownInTimeAndOneRunServesEveryone() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger runs = new AtomicInteger();
		AuditChainStatus status = new AuditChainStatus(() -> {
			runs.incrementAndGet();
			try {
				release.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return INTACT;
		}, this.clock, Duration.ofMinutes(5), Duration.ofMillis(100));
		assertThat(status.current().block()).isEqualTo(Optional.empty());
		assertThat(status.current().block()).isEqualTo(Optional.empty());
		release.countDown();
		await().atMost(Duration.ofSeconds(5)).until(() -> status.current().block().isPresent());
		assertThat(runs).hasValue(1);
	}

	@Test
	void currentWhenVerificationFailsThenTriesAgainNextTime() {
		AtomicInteger runs = new AtomicInteger();
		AuditChainStatus status = new AuditChainStatus(() -> {
			if (runs.incrementAndGet() == 1) {
				throw new IllegalStateException("database down");
			}
			return INTACT;
		}, this.clock, Duration.ofMinutes(5), Duration.ofSeconds(5));
		assertThat(status.current().onErrorReturn(Optional.empty()).block()).isEmpty();
		await().atMost(Duration.ofSeconds(5)).until(() -> status.current().block().isPresent());
		assertThat(runs).hasValue(2);
	}

}
