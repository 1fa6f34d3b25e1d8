package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import com.graphpolicygateway.system.GraphGatewayProperties.RateLimit.RedisUnavailable;
import com.graphpolicygateway.test.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import com.graphpolicygateway.policy.Bucket;

/**
 * The rate limiter with {@code store=redis} while its Redis (a process of the test's own)
 * stops and comes back: the configured fallback decides, health and metrics say so, and
 * Redis decides again once it answers.
 */
class RateLimiterTests {

	static final String PREFIX = TestRedis.uniquePrefix(RateLimiterTests.class);

	static final Duration REDIS_TIMEOUT = Duration.ofMillis(300);

	static final Bucket LARGE = new Bucket(1_000_000, 1_000_000);

	static final Bucket TWO_CALLS = new Bucket(2, 0.01);

	@RegisterExtension
	final LogCapture logs = LogCapture.of(RateLimiter.class);

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
	void takeWhenRedisAnswersThenRedisDecidesAndHealthSaysReachable() {
		RateLimiter limiter = limiter(RedisUnavailable.LOCAL);
		TestCalls.Call call = TestCalls.call();

		assertThat(take(limiter, call, TWO_CALLS).allowed()).isTrue();

		assertThat(this.client.template().hasKey(PREFIX + "{" + call.callerKey() + "}.tokens").block()).isTrue();
		assertThat(limiter.usesRedis()).isTrue();
		assertThat(limiter.isRedisDown()).isFalse();
		assertThat(fallbacks()).isZero();
		assertThat(health(limiter).getStatus()).isEqualTo(Status.UP);
		assertThat(health(limiter).getDetails())
			.containsExactlyInAnyOrderEntriesOf(Map.of("store", "redis", "redis", "reachable"));
	}

	@Test
	void takeWhenRedisStopsAndFallbackIsLocalThenThisReplicasBucketsDecide() {
		RateLimiter limiter = limiter(RedisUnavailable.LOCAL);
		take(limiter, TestCalls.call(), TWO_CALLS);
		TestCalls.Call call = TestCalls.call();

		this.redis.stop();

		assertThat(take(limiter, call, TWO_CALLS).allowed()).isTrue();
		assertThat(take(limiter, call, TWO_CALLS).allowed()).isTrue();
		RateLimitResult third = take(limiter, call, TWO_CALLS);
		assertThat(third.allowed()).isFalse();
		assertThat(third.limitedBy()).isEqualTo("caller");
		assertThat(limiter.isRedisDown()).isTrue();
		assertThat(fallbacks()).isEqualTo(3);
		assertThat(this.meters.get("graph_gateway.ratelimit.redis.down").gauge().value()).isEqualTo(1);
		assertThat(this.logs.errors()).singleElement()
			.asString()
			.startsWith("Redis unreachable, rate limits fall back to LOCAL: ");
	}

	@Test
	void healthWhenRedisStoppedThenUpButSaysUnreachableAndTheFallback() {
		RateLimiter limiter = limiter(RedisUnavailable.LOCAL);

		this.redis.stop();
		take(limiter, TestCalls.call(), TWO_CALLS);

		Health health = health(limiter);
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails())
			.containsExactlyInAnyOrderEntriesOf(Map.of("store", "redis", "redis", "unreachable", "fallback", "local"));
	}

	@Test
	void takeWhenRedisStopsAndFallbackIsDenyThenEveryCallRefusedByTheTenant() {
		RateLimiter limiter = limiter(RedisUnavailable.DENY);
		Bucket tenant = new Bucket(1000, 4);

		this.redis.stop();
		RateLimitResult result = take(limiter, TestCalls.call(), tenant, LARGE);

		assertThat(result.allowed()).isFalse();
		assertThat(result.limitedBy()).isEqualTo("tenant");
		assertThat(result.retryAfter()).isEqualTo(Duration.ofMillis(250));
		assertThat(limiter.isRedisDown()).isTrue();
		assertThat(fallbacks()).isEqualTo(1);
		assertThat(health(limiter).getDetails()).containsEntry("fallback", "deny");
		assertThat(this.logs.errors()).singleElement()
			.asString()
			.startsWith("Redis unreachable, rate limits fall back to DENY: ");
	}

	@Test
	void takeWhenRedisStopsAndFallbackIsAllowThenEveryCallAllowedBeyondTheLimits() {
		RateLimiter limiter = limiter(RedisUnavailable.ALLOW);
		TestCalls.Call call = TestCalls.call();

		this.redis.stop();

		for (int i = 0; i < 4; i++) {
			assertThat(take(limiter, call, TWO_CALLS).allowed()).isTrue();
		}
		assertThat(limiter.isRedisDown()).isTrue();
		assertThat(fallbacks()).isEqualTo(4);
		assertThat(health(limiter).getDetails()).containsEntry("fallback", "allow");
		assertThat(this.logs.errors()).singleElement()
			.asString()
			.startsWith("Redis unreachable, rate limits fall back to ALLOW: ");
	}

	@Test
	void takeWhenRedisComesBackOnTheSamePortThenRedisDecidesAgain() {
		RateLimiter limiter = limiter(RedisUnavailable.LOCAL);
		TestCalls.Call call = TestCalls.call();
		this.redis.stop();
		take(limiter, call, TWO_CALLS);
		take(limiter, call, TWO_CALLS);
		assertThat(take(limiter, call, TWO_CALLS).allowed()).as("local buckets during the outage").isFalse();

		this.redis.start();

		await().atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> take(limiter, TestCalls.call(), TWO_CALLS) != null && !limiter.isRedisDown());
		double fallbacksWhenBack = fallbacks();
		// The restarted Redis is empty: its bucket for the caller is full, and none of
		// the
		// calls decided locally during the outage may be replayed against it
		assertThat(take(limiter, call, TWO_CALLS).allowed()).isTrue();
		assertThat(take(limiter, call, TWO_CALLS).allowed()).isTrue();
		assertThat(take(limiter, call, TWO_CALLS).allowed()).isFalse();
		assertThat(this.client.template().hasKey(PREFIX + "{" + call.callerKey() + "}.tokens").block()).isTrue();
		assertThat(fallbacks()).isEqualTo(fallbacksWhenBack);
		assertThat(health(limiter).getDetails()).containsEntry("redis", "reachable").doesNotContainKey("fallback");
		assertThat(this.meters.get("graph_gateway.ratelimit.redis.down").gauge().value()).isZero();
		assertThat(this.logs.errors()).singleElement().asString().startsWith("Redis unreachable");
		assertThat(this.logs.warnings())
			.containsExactly("Redis answers again: rate limits are shared across replicas again");
	}

	@Test
	void takeWhenStoreIsLocalThenHealthSaysLocalOnly() {
		RateLimiter limiter = new RateLimiter(new LocalTokenBuckets(System::nanoTime), null, RedisUnavailable.LOCAL,
				this.meters);

		assertThat(take(limiter, TestCalls.call(), TWO_CALLS).allowed()).isTrue();
		assertThat(limiter.usesRedis()).isFalse();
		assertThat(health(limiter).getDetails()).containsExactlyEntriesOf(Map.of("store", "local"));
	}

	private RateLimiter limiter(RedisUnavailable whenUnavailable) {
		return new RateLimiter(new LocalTokenBuckets(System::nanoTime),
				new RedisTokenBuckets(this.client.template(), PREFIX, REDIS_TIMEOUT), whenUnavailable, this.meters);
	}

	private static RateLimitResult take(RateLimiter limiter, TestCalls.Call call, Bucket caller) {
		return take(limiter, call, LARGE, caller);
	}

	private static RateLimitResult take(RateLimiter limiter, TestCalls.Call call, Bucket tenant, Bucket caller) {
		return limiter.take(call.tenantKey(), tenant, call.callerKey(), caller).block(Duration.ofSeconds(5));
	}

	private double fallbacks() {
		return this.meters.get("graph_gateway.ratelimit.redis.fallbacks").counter().count();
	}

	private static Health health(RateLimiter limiter) {
		return new RateLimitHealthIndicator(limiter).health();
	}

}
