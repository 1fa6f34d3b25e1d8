package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import com.graphpolicygateway.policy.Bucket;

/**
 * The in-memory token buckets on a clock the test moves: bursts, refill, when to retry,
 * which of a call's two buckets refuses it, and exactness under concurrency.
 */
class LocalTokenBucketsTests {

	static final Bucket LARGE = new Bucket(1_000_000, 1_000_000);

	final AtomicLong nanos = new AtomicLong(TimeUnit.HOURS.toNanos(1));

	final LocalTokenBuckets buckets = new LocalTokenBuckets(this.nanos::get);

	@Test
	void takeWhenCallerBucketHoldsCapacityThenBurstUpToCapacityThenRefused() {
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(3, 1);

		assertThat(takeTimes(4, call, LARGE, caller)).extracting(RateLimitResult::allowed)
			.containsExactly(true, true, true, false);
		assertThat(take(call, LARGE, caller).limitedBy()).isEqualTo("caller");
	}

	@Test
	void takeWhenTimePassesThenBucketRefillsAtItsRateUpToCapacity() {
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(3, 2);
		takeTimes(3, call, LARGE, caller);

		advance(Duration.ofSeconds(1));

		assertThat(takeTimes(3, call, LARGE, caller)).extracting(RateLimitResult::allowed)
			.containsExactly(true, true, false);

		advance(Duration.ofHours(1));

		assertThat(takeTimes(4, call, LARGE, caller)).extracting(RateLimitResult::allowed)
			.containsExactly(true, true, true, false);
	}

	@Test
	void takeWhenRefusedThenRetryAfterIsTheTimeTheMissingTokenTakesToRefill() {
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(1, 4);
		take(call, LARGE, caller);

		assertThat(take(call, LARGE, caller).retryAfter()).isEqualTo(Duration.ofMillis(250));

		advance(Duration.ofMillis(100));

		assertThat(take(call, LARGE, caller).retryAfter()).isEqualTo(Duration.ofMillis(150));

		advance(Duration.ofMillis(150));

		assertThat(take(call, LARGE, caller).allowed()).isTrue();
	}

	@Test
	void takeWhenRateIsSlowThenRetryAfterIsLong() {
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(1, 0.01);
		take(call, LARGE, caller);

		assertThat(take(call, LARGE, caller).retryAfter()).isEqualTo(Duration.ofSeconds(100));
	}

	@Test
	void takeWhenTenantBucketEmptyThenEveryCallerOfTheTenantRefusedByTheTenant() {
		TestCalls.Tenant tenant = TestCalls.tenant();
		Bucket small = new Bucket(2, 1);

		assertThat(take(tenant.caller(), small, LARGE).allowed()).isTrue();
		assertThat(take(tenant.caller(), small, LARGE).allowed()).isTrue();
		RateLimitResult third = take(tenant.caller(), small, LARGE);

		assertThat(third.allowed()).isFalse();
		assertThat(third.limitedBy()).isEqualTo("tenant");
		assertThat(third.retryAfter()).isEqualTo(Duration.ofSeconds(1));
		assertThat(take(TestCalls.call(), small, LARGE).allowed()).as("another tenant").isTrue();
	}

	@Test
	void takeWhenCallerBucketRefusesThenNoTokenTakenFromTheTenantBucket() {
		TestCalls.Tenant tenant = TestCalls.tenant();
		TestCalls.Call limited = tenant.caller();
		Bucket tenantBucket = new Bucket(2, 1);
		Bucket callerBucket = new Bucket(1, 1);
		take(limited, tenantBucket, callerBucket);

		for (int i = 0; i < 5; i++) {
			assertThat(take(limited, tenantBucket, callerBucket).limitedBy()).isEqualTo("caller");
		}

		assertThat(take(tenant.caller(), tenantBucket, callerBucket).allowed()).isTrue();
		assertThat(take(tenant.caller(), tenantBucket, callerBucket).limitedBy()).isEqualTo("tenant");
	}

	@Test
	void takeWhenTenantBucketRefusesThenNoTokenTakenFromTheCallerBucket() {
		TestCalls.Tenant tenant = TestCalls.tenant();
		TestCalls.Call call = tenant.caller();
		Bucket tenantBucket = new Bucket(1, 1);
		Bucket callerBucket = new Bucket(2, 0.001);
		take(call, tenantBucket, callerBucket);

		for (int i = 0; i < 5; i++) {
			assertThat(take(call, tenantBucket, callerBucket).limitedBy()).isEqualTo("tenant");
		}
		advance(Duration.ofSeconds(1));

		assertThat(take(call, tenantBucket, callerBucket).allowed()).as("second of the caller's two tokens").isTrue();
		advance(Duration.ofSeconds(1));
		assertThat(take(call, tenantBucket, callerBucket).limitedBy()).isEqualTo("caller");
	}

	@Test
	void takeWhenManyThreadsShareOneBucketThenExactlyCapacityAllowed() throws Exception {
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(100, 0.001);

		int allowed = concurrently(32, 20, (thread) -> take(call, LARGE, caller));

		assertThat(allowed).isEqualTo(100);
	}

	@Test
	void takeWhenManyCallersShareOneTenantBucketThenExactlyItsCapacityAllowed() throws Exception {
		TestCalls.Tenant tenant = TestCalls.tenant();
		List<TestCalls.Call> callers = new ArrayList<>();
		for (int i = 0; i < 32; i++) {
			callers.add(tenant.caller());
		}
		Bucket tenantBucket = new Bucket(100, 0.001);

		int allowed = concurrently(32, 20, (thread) -> take(callers.get(thread), tenantBucket, LARGE));

		assertThat(allowed).isEqualTo(100);
	}

	@Test
	void takeWhenAnEarlierClockReadingIsAppliedAfterALaterOneThenNoTimeIsCreditedTwice() throws Exception {
		// Two calls read the clock, then queue for the bucket's lock: the one that read
		// first may get it last. Its older reading must not move the bucket back in time.
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(1, 1);
		AtomicReference<Thread> staleReader = new AtomicReference<>();
		CountDownLatch laterCallDone = new CountDownLatch(1);
		LocalTokenBuckets buckets = new LocalTokenBuckets(() -> {
			long reading = this.nanos.get();
			if (Thread.currentThread() == staleReader.get()) {
				await(laterCallDone);
			}
			return reading;
		});
		assertThat(buckets.take(call.tenantKey(), LARGE, call.callerKey(), caller).allowed()).isTrue();
		advance(Duration.ofMillis(500));
		AtomicReference<RateLimitResult> staleResult = new AtomicReference<>();
		Thread stale = new Thread(
				() -> staleResult.set(buckets.take(call.tenantKey(), LARGE, call.callerKey(), caller)));
		staleReader.set(stale);
		stale.start();
		while (stale.getState() != Thread.State.TIMED_WAITING) {
			Thread.onSpinWait();
		}
		advance(Duration.ofMillis(500));
		assertThat(buckets.take(call.tenantKey(), LARGE, call.callerKey(), caller).allowed()).isTrue();
		laterCallDone.countDown();
		stale.join(5000);
		assertThat(staleResult.get().allowed()).isFalse();

		advance(Duration.ofMillis(500));
		RateLimitResult half = buckets.take(call.tenantKey(), LARGE, call.callerKey(), caller);

		assertThat(half.allowed()).as("half a second after the last token was taken, at one token per second")
			.isFalse();
		assertThat(half.retryAfter()).isEqualTo(Duration.ofMillis(500));
	}

	/**
	 * Many other tenants' calls fill the store past its bound while a tenant that used up
	 * its bucket keeps calling: the store evicts what is least used, one by one, and
	 * never starts over, so that tenant is refused throughout.
	 */
	@Test
	void takeWhenOtherTenantsFillTheStorePastItsBoundThenAnEmptiedTenantBucketStaysEmpty() {
		LocalTokenBuckets bounded = new LocalTokenBuckets(this.nanos::get, 1_000);
		TestCalls.Call busy = TestCalls.call();
		Bucket tenant = new Bucket(5, 0.001);
		for (int i = 0; i < 5; i++) {
			assertThat(bounded.take(busy.tenantKey(), tenant, busy.callerKey(), LARGE).allowed()).isTrue();
		}

		List<String> busyResults = new ArrayList<>();
		for (int i = 0; i < 5_000; i++) {
			TestCalls.Call other = TestCalls.call();
			bounded.take(other.tenantKey(), tenant, other.callerKey(), LARGE);
			if (i % 10 == 0) {
				busyResults.add(bounded.take(busy.tenantKey(), tenant, busy.callerKey(), LARGE).limitedBy());
			}
		}

		assertThat(bounded.size()).isLessThanOrEqualTo(1_000);
		assertThat(busyResults).hasSize(500).containsOnly("tenant");
	}

	private RateLimitResult take(TestCalls.Call call, Bucket tenant, Bucket caller) {
		return this.buckets.take(call.tenantKey(), tenant, call.callerKey(), caller);
	}

	private List<RateLimitResult> takeTimes(int times, TestCalls.Call call, Bucket tenant, Bucket caller) {
		List<RateLimitResult> results = new ArrayList<>();
		for (int i = 0; i < times; i++) {
			results.add(take(call, tenant, caller));
		}
		return results;
	}

	private void advance(Duration duration) {
		this.nanos.addAndGet(duration.toNanos());
	}

	/** Runs {@code calls} takes on each of {@code threads} threads at once. */
	private static int concurrently(int threads, int calls, TakeOnThread take) throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch start = new CountDownLatch(1);
			AtomicInteger allowed = new AtomicInteger();
			List<Future<?>> futures = new ArrayList<>();
			for (int thread = 0; thread < threads; thread++) {
				int index = thread;
				futures.add(executor.submit(() -> {
					await(start);
					for (int i = 0; i < calls; i++) {
						if (take.take(index).allowed()) {
							allowed.incrementAndGet();
						}
					}
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(30, TimeUnit.SECONDS);
			}
			return allowed.get();
		}
		finally {
			executor.shutdownNow();
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@FunctionalInterface
	interface TakeOnThread {

		RateLimitResult take(int thread);

	}

}
