package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-memory sliding windows on a clock the test moves: at most {@code max} calls in
 * any window of {@code per}, a slot freed exactly when the call holding it leaves,
 * refused calls never counted, and a bounded store that drops windows one by one.
 */
class LocalOperationWindowsTests {

	static final Duration MINUTE = Duration.ofMinutes(1);

	final AtomicLong nanos = new AtomicLong(TimeUnit.HOURS.toNanos(1));

	final LocalOperationWindows windows = new LocalOperationWindows(this.nanos::get);

	@Test
	void takeWhenMaxCallsAreInTheWindowThenTheNextIsRefusedUntilTheOldestLeaves() {
		String key = newKey();

		assertThat(takeTimes(key, 4, 3, MINUTE)).extracting(OperationWindowResult::outcome)
			.containsExactly(OperationWindowResult.Outcome.ALLOWED, OperationWindowResult.Outcome.ALLOWED,
					OperationWindowResult.Outcome.ALLOWED, OperationWindowResult.Outcome.FULL);
		assertThat(take(key, 3, MINUTE).retryAfter()).isEqualTo(MINUTE);
	}

	@Test
	void takeWhenTheOldestCallLeavesTheWindowThenASlotFreesExactlyThen() {
		String key = newKey();
		take(key, 2, MINUTE);
		advance(Duration.ofSeconds(10));
		take(key, 2, MINUTE);

		advance(Duration.ofSeconds(50).minusNanos(1));
		OperationWindowResult justBefore = take(key, 2, MINUTE);
		assertThat(justBefore.allowed()).isFalse();
		assertThat(justBefore.retryAfter()).isEqualTo(Duration.ofNanos(1));

		advance(Duration.ofNanos(1));
		assertThat(take(key, 2, MINUTE).allowed()).as("the first call left the window").isTrue();
		OperationWindowResult next = take(key, 2, MINUTE);
		assertThat(next.allowed()).isFalse();
		assertThat(next.retryAfter()).as("until the second call leaves").isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void takeWhenCallsStraddleAFixedBucketsBoundaryThenTheSlidingWindowStillRefuses() {
		// A fixed one-minute bucket would start afresh at the full minute and allow 2
		// more.
		String key = newKey();
		advance(Duration.ofSeconds(50));
		take(key, 2, MINUTE);
		advance(Duration.ofSeconds(5));
		take(key, 2, MINUTE);

		advance(Duration.ofSeconds(10));

		OperationWindowResult refused = take(key, 2, MINUTE);
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(45));
	}

	@Test
	void takeWhenRefusedThenTheRefusedCallIsNotCounted() {
		String key = newKey();
		Duration per = Duration.ofSeconds(10);
		take(key, 1, per);
		for (int second = 1; second < 10; second++) {
			advance(Duration.ofSeconds(1));
			assertThat(take(key, 1, per).retryAfter()).isEqualTo(Duration.ofSeconds(10 - second));
		}

		advance(Duration.ofSeconds(1));

		assertThat(take(key, 1, per).allowed()).isTrue();
	}

	@Test
	void takeWhenKeysDifferThenWindowsAreSeparate() {
		String full = newKey();
		take(full, 1, MINUTE);

		assertThat(take(full, 1, MINUTE).allowed()).isFalse();
		assertThat(take(newKey(), 1, MINUTE).allowed()).as("another tenant or operation").isTrue();
	}

	@Test
	void takeWhenTheLimitIsLoweredThenASlotFreesOnceFewerThanTheNewMaxRemain() {
		String key = newKey();
		for (int i = 0; i < 3; i++) {
			take(key, 3, MINUTE);
			advance(Duration.ofSeconds(1));
		}

		OperationWindowResult refused = take(key, 1, MINUTE);

		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).as("until the newest of the three calls leaves")
			.isEqualTo(Duration.ofSeconds(59));
	}

	@Test
	void takeWhenTheWindowIsLongerThanTheGapsBetweenCallsThenAtMostMaxInAnyWindow() {
		String key = newKey();
		Duration per = Duration.ofSeconds(10);
		List<Long> allowedAt = new ArrayList<>();
		for (int tick = 0; tick < 600; tick++) {
			if (take(key, 3, per).allowed()) {
				allowedAt.add(this.nanos.get());
			}
			advance(Duration.ofMillis(700));
		}

		for (int i = 3; i < allowedAt.size(); i++) {
			assertThat(allowedAt.get(i) - allowedAt.get(i - 3)).isGreaterThanOrEqualTo(per.toNanos());
		}
		// Nor fewer: each slot is taken again at the first tick 10 s after, every 15
		// ticks.
		assertThat(allowedAt).hasSize(3 * 600 / 15);
	}

	@Test
	void takeWhenManyThreadsCallOneOperationThenExactlyMaxAllowed() throws Exception {
		String key = newKey();
		AtomicInteger allowed = new AtomicInteger();

		concurrently(32, 20, () -> {
			if (take(key, 100, MINUTE).allowed()) {
				allowed.incrementAndGet();
			}
		});

		assertThat(allowed).hasValue(100);
	}

	@Test
	void takeWhenEveryCallHasLeftTheWindowThenTheWindowIsDropped() {
		take(newKey(), 5, MINUTE);
		take(newKey(), 5, Duration.ofHours(1));
		assertThat(this.windows.size()).isEqualTo(2);

		advance(MINUTE);

		assertThat(this.windows.size()).isEqualTo(1);
	}

	@Test
	void takeWhenMoreWindowsThanTheBoundThenOldOnesAreEvictedOneByOneNotAllAtOnce() {
		LocalOperationWindows bounded = new LocalOperationWindows(this.nanos::get, 100);
		String kept = newKey();
		bounded.take(kept, 1, MINUTE);

		for (int i = 0; i < 1000; i++) {
			bounded.take(newKey(), 1, MINUTE);
			assertThat(bounded.size()).isBetween(1L, 100L);
		}
	}

	private OperationWindowResult take(String key, int max, Duration per) {
		return this.windows.take(key, max, per);
	}

	private List<OperationWindowResult> takeTimes(String key, int times, int max, Duration per) {
		List<OperationWindowResult> results = new ArrayList<>();
		for (int i = 0; i < times; i++) {
			results.add(take(key, max, per));
		}
		return results;
	}

	private void advance(Duration duration) {
		this.nanos.addAndGet(duration.toNanos());
	}

	/** A window of a tenant and operation no other test uses. */
	static String newKey() {
		return "operation:" + UUID.randomUUID() + ":intune-managed-device-wipe";
	}

	/**
	 * Runs {@code calls} times {@code call} on each of {@code threads} threads at once.
	 */
	private static void concurrently(int threads, int calls, Runnable call) throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> futures = new ArrayList<>();
			for (int thread = 0; thread < threads; thread++) {
				futures.add(executor.submit(() -> {
					start.await(10, TimeUnit.SECONDS);
					for (int i = 0; i < calls; i++) {
						call.run();
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

}
