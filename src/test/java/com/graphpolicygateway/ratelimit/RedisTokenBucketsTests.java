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
import com.graphpolicygateway.policy.Bucket;

/**
 * The Redis token buckets against a real Redis (the shared server at 127.0.0.1:6379): the
 * same semantics as the local buckets, one limit for all replicas, keys that expire.
 */
class RedisTokenBucketsTests {

	static final String PREFIX = TestRedis.uniquePrefix(RedisTokenBucketsTests.class);

	static final Duration TIMEOUT = Duration.ofSeconds(2);

	static final Bucket LARGE = new Bucket(1_000_000, 1_000_000);

	TestRedis.Client client;

	RedisTokenBuckets buckets;

	@BeforeEach
	void connect() {
		this.client = TestRedis.client(TestRedis.sharedPort());
		this.buckets = new RedisTokenBuckets(this.client.template(), PREFIX, TIMEOUT);
	}

	@AfterEach
	void disconnect() {
		if (this.client != null) {
			this.client.close();
		}
	}

	@Test
	void takeWhenCallerBucketHoldsCapacityThenBurstUpToCapacityThenRefusedByTheCaller() {
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(3, 0.01);

		assertThat(takeTimes(this.buckets, 4, call, LARGE, caller)).extracting(RateLimitResult::allowed)
			.containsExactly(true, true, true, false);
		assertThat(take(this.buckets, call, LARGE, caller).limitedBy()).isEqualTo("caller");
	}

	@Test
	void takeWhenRefusedThenRetryAfterMatchesTheRefillRate() {
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(1, 0.5);
		take(this.buckets, call, LARGE, caller);

		RateLimitResult refused = take(this.buckets, call, LARGE, caller);

		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isBetween(Duration.ofMillis(1500), Duration.ofMillis(2000));
	}

	@Test
	void takeWhenTimePassesThenBucketRefillsAtItsRate() {
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(2, 5);
		takeTimes(this.buckets, 2, call, LARGE, caller);
		RateLimitResult refused = take(this.buckets, call, LARGE, caller);
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isLessThanOrEqualTo(Duration.ofMillis(200));

		sleep(refused.retryAfter().plusMillis(30));

		assertThat(take(this.buckets, call, LARGE, caller).allowed()).isTrue();
		assertThat(take(this.buckets, call, LARGE, caller).allowed()).isFalse();
	}

	@Test
	void takeWhenTenantBucketEmptyThenEveryCallerOfTheTenantRefusedByTheTenant() {
		TestCalls.Tenant tenant = TestCalls.tenant();
		Bucket small = new Bucket(2, 0.01);
		take(this.buckets, tenant.caller(), small, LARGE);
		take(this.buckets, tenant.caller(), small, LARGE);

		RateLimitResult third = take(this.buckets, tenant.caller(), small, LARGE);

		assertThat(third.allowed()).isFalse();
		assertThat(third.limitedBy()).isEqualTo("tenant");
		assertThat(take(this.buckets, TestCalls.call(), small, LARGE).allowed()).as("another tenant").isTrue();
	}

	@Test
	void takeWhenCallerBucketRefusesThenNoTokenTakenFromTheTenantBucket() {
		TestCalls.Tenant tenant = TestCalls.tenant();
		TestCalls.Call limited = tenant.caller();
		Bucket tenantBucket = new Bucket(2, 0.01);
		Bucket callerBucket = new Bucket(1, 0.01);
		take(this.buckets, limited, tenantBucket, callerBucket);

		for (int i = 0; i < 5; i++) {
			assertThat(take(this.buckets, limited, tenantBucket, callerBucket).limitedBy()).isEqualTo("caller");
		}

		assertThat(take(this.buckets, tenant.caller(), tenantBucket, callerBucket).allowed()).isTrue();
		assertThat(take(this.buckets, tenant.caller(), tenantBucket, callerBucket).limitedBy()).isEqualTo("tenant");
	}

	@Test
	void takeWhenTenantBucketRefusesThenNoTokenTakenFromTheCallerBucket() {
		TestCalls.Tenant tenant = TestCalls.tenant();
		TestCalls.Call call = tenant.caller();
		Bucket tenantBucket = new Bucket(1, 0.01);
		Bucket callerBucket = new Bucket(2, 0.01);
		take(this.buckets, call, tenantBucket, callerBucket);
		for (int i = 0; i < 5; i++) {
			assertThat(take(this.buckets, call, tenantBucket, callerBucket).limitedBy()).isEqualTo("tenant");
		}

		RateLimitResult withRoomyTenant = take(this.buckets, call, LARGE, callerBucket);

		assertThat(withRoomyTenant.allowed()).as("second of the caller's two tokens").isTrue();
		assertThat(take(this.buckets, call, LARGE, callerBucket).limitedBy()).isEqualTo("caller");
	}

	@Test
	void takeWhenTwoReplicasShareOneRedisThenTheyEnforceOneLimitTogether() {
		try (TestRedis.Client otherClient = TestRedis.client(TestRedis.sharedPort())) {
			RedisTokenBuckets otherReplica = new RedisTokenBuckets(otherClient.template(), PREFIX, TIMEOUT);
			TestCalls.Tenant tenant = TestCalls.tenant();
			Bucket tenantBucket = new Bucket(10, 0.01);
			List<RateLimitResult> results = new ArrayList<>();

			for (int i = 0; i < 8; i++) {
				results.add(take(this.buckets, tenant.caller(), tenantBucket, LARGE));
				results.add(take(otherReplica, tenant.caller(), tenantBucket, LARGE));
			}

			assertThat(results).filteredOn(RateLimitResult::allowed).hasSize(10);
			assertThat(results.subList(10, 16)).extracting(RateLimitResult::limitedBy).containsOnly("tenant");
		}
	}

	@Test
	void takeWhenTwoReplicasCallConcurrentlyThenExactlyCapacityAllowed() {
		try (TestRedis.Client otherClient = TestRedis.client(TestRedis.sharedPort())) {
			RedisTokenBuckets otherReplica = new RedisTokenBuckets(otherClient.template(), PREFIX, TIMEOUT);
			TestCalls.Tenant tenant = TestCalls.tenant();
			Bucket tenantBucket = new Bucket(50, 0.01);

			Long allowed = Flux.range(0, 200)
				.map((i) -> (i % 2 == 0) ? this.buckets : otherReplica)
				.flatMap((replica) -> {
					TestCalls.Call call = tenant.caller();
					return replica.take(call.tenantKey(), tenantBucket, call.callerKey(), LARGE);
				}, 64)
				.filter(RateLimitResult::allowed)
				.count()
				.block(Duration.ofSeconds(30));

			assertThat(allowed).isEqualTo(50);
		}
	}

	@Test
	void takeWhenKeyPrefixDiffersThenBucketsAreSeparate() {
		RedisTokenBuckets otherGateway = new RedisTokenBuckets(this.client.template(), PREFIX + "other:", TIMEOUT);
		TestCalls.Call call = TestCalls.call();
		Bucket caller = new Bucket(1, 0.01);
		take(this.buckets, call, LARGE, caller);

		assertThat(take(otherGateway, call, LARGE, caller).allowed()).isTrue();
		assertThat(take(this.buckets, call, LARGE, caller).allowed()).isFalse();
	}

	@Test
	void takeThenBucketKeysCarryThePrefixAndExpireOnceTheBucketWouldBeFull() {
		TestCalls.Call call = TestCalls.call();
		Bucket fast = new Bucket(1, 10);
		ReactiveStringRedisTemplate redis = this.client.template();
		take(this.buckets, call, fast, fast);
		List<String> keys = List.of(PREFIX + "{" + call.tenantKey() + "}.tokens",
				PREFIX + "{" + call.tenantKey() + "}.ts", PREFIX + "{" + call.callerKey() + "}.tokens",
				PREFIX + "{" + call.callerKey() + "}.ts");

		for (String key : keys) {
			assertThat(redis.getExpire(key).block(TIMEOUT)).as(key)
				.isPositive()
				.isLessThanOrEqualTo(Duration.ofSeconds(1));
		}
		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> Flux.fromIterable(keys).flatMap(redis::hasKey).all((exists) -> !exists).block(TIMEOUT));
	}

	private static RateLimitResult take(RedisTokenBuckets buckets, TestCalls.Call call, Bucket tenant, Bucket caller) {
		return Mono.defer(() -> buckets.take(call.tenantKey(), tenant, call.callerKey(), caller)).block(TIMEOUT);
	}

	private static List<RateLimitResult> takeTimes(RedisTokenBuckets buckets, int times, TestCalls.Call call,
			Bucket tenant, Bucket caller) {
		List<RateLimitResult> results = new ArrayList<>();
		for (int i = 0; i < times; i++) {
			results.add(take(buckets, call, tenant, caller));
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
