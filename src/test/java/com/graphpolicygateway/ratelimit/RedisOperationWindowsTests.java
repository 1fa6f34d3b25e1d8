package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis sliding windows against a real Redis (the shared server at 127.0.0.1:6379),
 * on Redis's clock: the local windows' semantics, one count for all replicas, a key that
 * expires with its window.
 */
class RedisOperationWindowsTests {

	static final String PREFIX = TestRedis.uniquePrefix(RedisOperationWindowsTests.class);

	static final Duration TIMEOUT = Duration.ofSeconds(2);

	static final Duration MINUTE = Duration.ofMinutes(1);

	TestRedis.Client client;

	RedisOperationWindows windows;

	@BeforeEach
	void connect() {
		this.client = TestRedis.client(TestRedis.sharedPort());
		this.windows = new RedisOperationWindows(this.client.template(), PREFIX, TIMEOUT);
	}

	@AfterEach
	void disconnect() {
		if (this.client != null) {
			this.client.close();
		}
	}

	@Test
	void takeWhenMaxCallsAreInTheWindowThenTheNextIsRefusedAndNotCounted() {
		String key = LocalOperationWindowsTests.newKey();

		assertThat(takeTimes(this.windows, key, 4, 3, MINUTE)).extracting(OperationWindowResult::allowed)
			.containsExactly(true, true, true, false);
		OperationWindowResult refused = take(this.windows, key, 3, MINUTE);

		assertThat(refused.outcome()).isEqualTo(OperationWindowResult.Outcome.FULL);
		assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(MINUTE);
		assertThat(this.client.template().opsForZSet().size(this.windows.key(key)).block(TIMEOUT)).isEqualTo(3);
	}

	@Test
	void takeWhenTheOldestCallLeavesTheWindowThenASlotFreesThenAndOnlyOneSlot() {
		// A fixed bucket would free both slots at once; the log frees them one by one.
		String key = LocalOperationWindowsTests.newKey();
		Duration per = Duration.ofSeconds(2);
		take(this.windows, key, 2, per);
		sleep(Duration.ofMillis(800));
		take(this.windows, key, 2, per);
		OperationWindowResult refused = take(this.windows, key, 2, per);
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(1200));

		sleep(refused.retryAfter().plusMillis(30));

		assertThat(take(this.windows, key, 2, per).allowed()).as("the first call left the window").isTrue();
		OperationWindowResult next = take(this.windows, key, 2, per);
		assertThat(next.allowed()).as("the second call is still in it").isFalse();
		assertThat(next.retryAfter()).isGreaterThan(Duration.ofMillis(200)).isLessThanOrEqualTo(Duration.ofMillis(800));
	}

	@Test
	void takeWhenRefusedThenRetryAfterShrinksAsTheOldestCallAges() {
		String key = LocalOperationWindowsTests.newKey();
		take(this.windows, key, 1, MINUTE);
		Duration first = take(this.windows, key, 1, MINUTE).retryAfter();

		sleep(Duration.ofMillis(200));

		Duration second = take(this.windows, key, 1, MINUTE).retryAfter();
		assertThat(first.minus(second)).isBetween(Duration.ofMillis(150), Duration.ofSeconds(5));
	}

	@Test
	void takeWhenKeysDifferThenWindowsAreSeparate() {
		String full = LocalOperationWindowsTests.newKey();
		take(this.windows, full, 1, MINUTE);

		assertThat(take(this.windows, full, 1, MINUTE).allowed()).isFalse();
		assertThat(take(this.windows, LocalOperationWindowsTests.newKey(), 1, MINUTE).allowed()).isTrue();
	}

	@Test
	void takeWhenTheLimitIsLoweredThenRefusedUntilFewerThanTheNewMaxRemain() {
		String key = LocalOperationWindowsTests.newKey();
		takeTimes(this.windows, key, 3, 3, MINUTE);

		OperationWindowResult refused = take(this.windows, key, 1, MINUTE);

		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isBetween(MINUTE.minusSeconds(5), MINUTE);
	}

	@Test
	void takeWhenTwoReplicasShareOneRedisThenTheyCountTogether() {
		try (TestRedis.Client otherClient = TestRedis.client(TestRedis.sharedPort())) {
			RedisOperationWindows otherReplica = new RedisOperationWindows(otherClient.template(), PREFIX, TIMEOUT);
			String key = LocalOperationWindowsTests.newKey();
			List<Boolean> allowed = new ArrayList<>();

			for (int i = 0; i < 4; i++) {
				allowed.add(take(this.windows, key, 5, MINUTE).allowed());
				allowed.add(take(otherReplica, key, 5, MINUTE).allowed());
			}

			assertThat(allowed).containsExactly(true, true, true, true, true, false, false, false);
		}
	}

	@Test
	void takeWhenTwoReplicasCallConcurrentlyThenExactlyMaxAllowed() {
		try (TestRedis.Client otherClient = TestRedis.client(TestRedis.sharedPort())) {
			RedisOperationWindows otherReplica = new RedisOperationWindows(otherClient.template(), PREFIX, TIMEOUT);
			String key = LocalOperationWindowsTests.newKey();

			Long allowed = Flux.range(0, 200)
				.map((i) -> (i % 2 == 0) ? this.windows : otherReplica)
				.flatMap((replica) -> replica.take(key, 50, MINUTE), 64)
				.filter(OperationWindowResult::allowed)
				.count()
				.block(Duration.ofSeconds(30));

			assertThat(allowed).isEqualTo(50);
			assertThat(this.client.template().opsForZSet().size(this.windows.key(key)).block(TIMEOUT))
				.as("every allowed call its own member")
				.isEqualTo(50);
		}
	}

	@Test
	void takeWhenKeyPrefixDiffersThenWindowsAreSeparate() {
		RedisOperationWindows otherGateway = new RedisOperationWindows(this.client.template(), PREFIX + "other:",
				TIMEOUT);
		String key = LocalOperationWindowsTests.newKey();
		take(this.windows, key, 1, MINUTE);

		assertThat(take(otherGateway, key, 1, MINUTE).allowed()).isTrue();
		assertThat(take(this.windows, key, 1, MINUTE).allowed()).isFalse();
	}

	@Test
	void takeThenTheKeyCarriesThePrefixAndExpiresWithTheWindow() {
		String key = LocalOperationWindowsTests.newKey();
		ReactiveStringRedisTemplate redis = this.client.template();
		String redisKey = PREFIX + "{" + key + "}.calls";
		Duration per = Duration.ofSeconds(1);

		take(this.windows, key, 2, per);

		assertThat(redis.getExpire(redisKey).block(TIMEOUT)).isPositive().isLessThanOrEqualTo(per);
		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> !redis.hasKey(redisKey).block(TIMEOUT));
	}

	private static OperationWindowResult take(RedisOperationWindows windows, String key, int max, Duration per) {
		return Mono.defer(() -> windows.take(key, max, per)).block(TIMEOUT);
	}

	private static List<OperationWindowResult> takeTimes(RedisOperationWindows windows, String key, int times, int max,
			Duration per) {
		List<OperationWindowResult> results = new ArrayList<>();
		for (int i = 0; i < times; i++) {
			results.add(take(windows, key, max, per));
		}
		return results;
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
