package com.graphpolicygateway.ratelimit;

import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.graphpolicygateway.system.GraphGatewayProperties.RateLimit.RedisUnavailable;
import com.graphpolicygateway.test.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operation limiter with {@code store=redis} while its Redis (a process of the test's
 * own) stops and comes back: it never lets a limited operation through uncounted. With
 * the {@code local} fallback this replica's windows decide; with any other the limiter
 * says it cannot decide; Redis decides again once it answers.
 */
class OperationLimiterTests {

	static final String PREFIX = TestRedis.uniquePrefix(OperationLimiterTests.class);

	static final Duration REDIS_TIMEOUT = Duration.ofMillis(300);

	static final Duration MINUTE = Duration.ofMinutes(1);

	@RegisterExtension
	final LogCapture logs = LogCapture.of(OperationLimiter.class);

	final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	TestRedis.RedisProcess redis;

	TestRedis.Client client;

	@BeforeEach
	void startRedis() {
		this.redis = TestRedis.startOwn();
		this.client = TestRedis.client(this.redis.port());
	}

	@AfterEach
	void stopRedis() {
		if (this.client != null) {
			this.client.close();
		}
		if (this.redis != null) {
			this.redis.close();
		}
	}

	@Test
	void takeWhenRedisAnswersThenRedisCounts() {
		OperationLimiter limiter = limiter(RedisUnavailable.LOCAL);
		String key = LocalOperationWindowsTests.newKey();

		assertThat(take(limiter, key, 2).allowed()).isTrue();

		assertThat(this.client.template().opsForZSet().size(PREFIX + "{" + key + "}.calls").block()).isEqualTo(1);
		assertThat(limiter.isRedisDown()).isFalse();
		assertThat(fallbacks("local")).isZero();
	}

	@Test
	void takeWhenRedisStopsAndFallbackIsLocalThenThisReplicasWindowsCount() {
		OperationLimiter limiter = limiter(RedisUnavailable.LOCAL);
		String key = LocalOperationWindowsTests.newKey();
		take(limiter, key, 2);

		this.redis.stop();

		assertThat(take(limiter, key, 2).allowed()).as("the call counted in Redis is not known here").isTrue();
		assertThat(take(limiter, key, 2).allowed()).isTrue();
		OperationWindowResult third = take(limiter, key, 2);
		assertThat(third.outcome()).isEqualTo(OperationWindowResult.Outcome.FULL);
		assertThat(third.retryAfter()).isPositive().isLessThanOrEqualTo(MINUTE);
		assertThat(limiter.isRedisDown()).isTrue();
		assertThat(fallbacks("local")).isEqualTo(3);
		assertThat(this.logs.errors()).singleElement()
			.asString()
			.startsWith("Redis unreachable, operation limits are counted by each replica alone: ");
	}

	@ParameterizedTest
	@EnumSource(value = RedisUnavailable.class, names = { "DENY", "ALLOW" })
	void takeWhenRedisStopsAndFallbackIsNotLocalThenUnavailableNeverAllowed(RedisUnavailable fallback) {
		OperationLimiter limiter = limiter(fallback);
		String key = LocalOperationWindowsTests.newKey();

		this.redis.stop();

		for (int i = 0; i < 3; i++) {
			assertThat(take(limiter, key, 1000).outcome()).isEqualTo(OperationWindowResult.Outcome.UNAVAILABLE);
		}
		assertThat(limiter.isRedisDown()).isTrue();
		assertThat(fallbacks("refuse")).isEqualTo(3);
		assertThat(this.logs.errors()).singleElement()
			.asString()
			.startsWith("Redis unreachable, operation limits refuse every limited call: ");
	}

	@Test
	void takeWhenRedisComesBackOnTheSamePortThenRedisCountsAgain() {
		OperationLimiter limiter = limiter(RedisUnavailable.DENY);
		String key = LocalOperationWindowsTests.newKey();
		this.redis.stop();
		assertThat(take(limiter, key, 2).allowed()).isFalse();

		this.redis.start();

		await().atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> take(limiter, LocalOperationWindowsTests.newKey(), 2).allowed() && !limiter.isRedisDown());
		double fallbacksWhenBack = fallbacks("refuse");
		assertThat(take(limiter, key, 2).allowed()).isTrue();
		assertThat(take(limiter, key, 2).allowed()).isTrue();
		assertThat(take(limiter, key, 2).outcome()).isEqualTo(OperationWindowResult.Outcome.FULL);
		assertThat(this.client.template().opsForZSet().size(PREFIX + "{" + key + "}.calls").block()).isEqualTo(2);
		assertThat(fallbacks("refuse")).isEqualTo(fallbacksWhenBack);
		assertThat(this.logs.errors()).singleElement().asString().startsWith("Redis unreachable");
		assertThat(this.logs.warnings())
			.containsExactly("Redis answers again: operation limits are counted across replicas again");
	}

	@Test
	void takeWhenStoreIsLocalThenThisReplicasWindowsCountAndRedisIsNeverAsked() {
		OperationLimiter limiter = new OperationLimiter(new LocalOperationWindows(System::nanoTime), null,
				RedisUnavailable.DENY, this.meters);
		String key = LocalOperationWindowsTests.newKey();

		assertThat(take(limiter, key, 1).allowed()).isTrue();
		assertThat(take(limiter, key, 1).outcome()).isEqualTo(OperationWindowResult.Outcome.FULL);
		assertThat(this.client.template().hasKey(PREFIX + "{" + key + "}.calls").block()).isFalse();
		assertThat(limiter.isRedisDown()).isFalse();
	}

	private OperationLimiter limiter(RedisUnavailable whenUnavailable) {
		return new OperationLimiter(new LocalOperationWindows(System::nanoTime),
				new RedisOperationWindows(this.client.template(), PREFIX, REDIS_TIMEOUT), whenUnavailable, this.meters);
	}

	private static OperationWindowResult take(OperationLimiter limiter, String key, int max) {
		return limiter.take(key, max, MINUTE).block(Duration.ofSeconds(5));
	}

	private double fallbacks(String fallback) {
		return this.meters.get("graph_gateway.ratelimit.operation.redis.fallbacks")
			.tag("fallback", fallback)
			.counter()
			.count();
	}

}
