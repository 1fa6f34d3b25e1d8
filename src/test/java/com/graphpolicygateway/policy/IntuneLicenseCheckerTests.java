package com.graphpolicygateway.policy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.web.reactive.function.client.WebClientResponseException;

import com.graphpolicygateway.test.TestClock;

import static com.graphpolicygateway.policy.TestPolicies.OTHER_TENANT;
import static com.graphpolicygateway.policy.TestPolicies.TENANT;
import static com.graphpolicygateway.policy.TestSubscribedSkus.INTUNE_A_ID;
import static com.graphpolicygateway.policy.TestSubscribedSkus.INTUNE_EDU_ID;
import static com.graphpolicygateway.policy.TestSubscribedSkus.INTUNE_O365_ID;
import static com.graphpolicygateway.policy.TestSubscribedSkus.intuneA;
import static com.graphpolicygateway.policy.TestSubscribedSkus.plan;
import static com.graphpolicygateway.policy.TestSubscribedSkus.skus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live Intune license check against a stub {@code subscribedSkus}: which SKU shapes
 * count as Intune, how answers are cached (positive and negative TTL, stale while
 * refreshed), that concurrent lookups share one call, and how failures surface.
 */
class IntuneLicenseCheckerTests {

	static final Duration POSITIVE_TTL = Duration.ofHours(1);

	static final Duration NEGATIVE_TTL = Duration.ofMinutes(5);

	SubscribedSkusStub graph;

	TestClock clock = new TestClock(Instant.parse("2026-06-10T10:00:00Z"));

	SimpleMeterRegistry meters = new SimpleMeterRegistry();

	@BeforeEach
	void startGraph() {
		this.graph = SubscribedSkusStub.start();
	}

	@AfterEach
	void stopGraph() {
		this.graph.close();
	}

	@Test
	void holdsIntuneWhenIntuneAProvisionedInAnEnabledSkuThenTrue() {
		assertThat(IntuneLicenseChecker.holdsIntune(TestSubscribedSkus.licensed().map())).isTrue();
	}

	@Test
	void holdsIntuneWhenIntuneForEducationThenTrue() {
		assertThat(IntuneLicenseChecker.holdsIntune(
				skus().sku("M365EDU_A3_FACULTY", "Enabled", plan("INTUNE_EDU", INTUNE_EDU_ID, "Success")).map()))
			.isTrue();
	}

	@Test
	void holdsIntuneWhenKnownOnlyByPlanIdThenTrue() {
		assertThat(IntuneLicenseChecker.holdsIntune(
				skus().sku("EMS", "Enabled", plan("SOME_RENAMED_PLAN", INTUNE_A_ID.toUpperCase(), "Success")).map()))
			.isTrue();
	}

	@Test
	void holdsIntuneWhenSkuSuspendedThenFalse() {
		assertThat(IntuneLicenseChecker.holdsIntune(skus().sku("EMSPREMIUM", "Suspended", intuneA("Success")).map()))
			.isFalse();
	}

	@Test
	void holdsIntuneWhenOnlyOfficeMdmThenFalse() {
		assertThat(IntuneLicenseChecker.holdsIntune(TestSubscribedSkus.unlicensed().map())).isFalse();
		assertThat(IntuneLicenseChecker
			.holdsIntune(skus().sku("O365_BUSINESS", "Enabled", plan("INTUNE_O365", INTUNE_O365_ID, "Success")).map()))
			.isFalse();
	}

	@Test
	void holdsIntuneWhenIntunePendingActivationThenFalse() {
		assertThat(IntuneLicenseChecker
			.holdsIntune(skus().sku("EMSPREMIUM", "Enabled", intuneA("PendingActivation")).map())).isFalse();
	}

	@Test
	void holdsIntuneWhenOneOfSeveralSkusQualifiesThenTrue() {
		assertThat(IntuneLicenseChecker.holdsIntune(skus().sku("EMSPREMIUM", "Suspended", intuneA("Success"))
			.sku("ENTERPRISEPACK", "Enabled", plan("INTUNE_O365", INTUNE_O365_ID, "Success"))
			.sku("EMS", "Enabled", intuneA("Success"))
			.map())).isTrue();
	}

	@Test
	void holdsIntuneWhenNoSkusOrOddShapesThenFalse() {
		assertThat(IntuneLicenseChecker.holdsIntune(skus().map())).isFalse();
		assertThat(IntuneLicenseChecker.holdsIntune(Map.of())).isFalse();
		assertThat(IntuneLicenseChecker.holdsIntune(Map.of("value", "not a list"))).isFalse();
		assertThat(IntuneLicenseChecker.holdsIntune(Map.of("value",
				List.of("not a sku", Map.of("capabilityStatus", "Enabled", "servicePlans", List.of("not a plan"))))))
			.isFalse();
	}

	@Test
	void isLicensedThenAsksSubscribedSkusWithTheAppOnlyToken() {
		this.graph.answer(TestSubscribedSkus.licensed());

		StepVerifier.create(checker().isLicensed(TENANT)).expectNext(true).verifyComplete();

		assertThat(this.graph.authorizations()).containsExactly("Bearer " + TestLicenseCheckers.APP_TOKEN);
	}

	@Test
	void isLicensedWhenGraphBaseUriHasATrailingSlashThenSamePath() {
		IntuneLicenseChecker checker = TestLicenseCheckers.against(URI.create(this.graph.baseUri() + "/")).build();

		StepVerifier.create(checker.isLicensed(TENANT)).expectNext(true).verifyComplete();
		assertThat(this.graph.lookups()).isEqualTo(1);
	}

	@Test
	void isLicensedWhenUnlicensedThenFalse() {
		this.graph.answer(TestSubscribedSkus.unlicensed());

		StepVerifier.create(checker().isLicensed(TENANT)).expectNext(false).verifyComplete();
	}

	@Test
	void isLicensedWhenAskedAgainWithinPositiveTtlThenAnsweredFromCache() {
		IntuneLicenseChecker checker = checker();
		assertThat(checker.isLicensed(TENANT).block()).isTrue();
		settle(checker);
		this.clock.advance(POSITIVE_TTL.minusSeconds(1));

		assertThat(checker.isLicensed(TENANT).block()).isTrue();

		assertThat(this.graph.lookups()).isEqualTo(1);
		assertThat(cache("hit")).isEqualTo(1);
		assertThat(cache("miss")).isEqualTo(1);
	}

	@Test
	void isLicensedWhenTenantsDifferThenEachIsAskedFor() {
		IntuneLicenseChecker checker = checker();

		checker.isLicensed(TENANT).block();
		checker.isLicensed(OTHER_TENANT).block();

		assertThat(this.graph.lookups()).isEqualTo(2);
	}

	@Test
	void isLicensedWhenUnlicensedAnswerOlderThanNegativeTtlThenAskedAgain() {
		this.graph.answer(TestSubscribedSkus.unlicensed());
		IntuneLicenseChecker checker = checker();
		assertThat(checker.isLicensed(TENANT).block()).isFalse();
		settle(checker);
		this.clock.advance(NEGATIVE_TTL.minusSeconds(1));
		checker.isLicensed(TENANT).block();
		assertThat(this.graph.lookups()).isEqualTo(1);

		this.clock.advance(Duration.ofSeconds(2));
		checker.isLicensed(TENANT).block();

		await().atMost(Duration.ofSeconds(5)).until(() -> this.graph.lookups() == 2);
	}

	@Test
	void isLicensedWhenLicensedAnswerAsOldAsTheNegativeTtlThenStillFromCache() {
		IntuneLicenseChecker checker = checker();
		checker.isLicensed(TENANT).block();
		settle(checker);
		this.clock.advance(NEGATIVE_TTL.plusSeconds(1));

		checker.isLicensed(TENANT).block();

		assertThat(this.graph.lookups()).isEqualTo(1);
	}

	@Test
	void isLicensedWhenConcurrentForOneTenantThenOneLookup() throws Exception {
		this.graph.delay(Duration.ofMillis(300));
		IntuneLicenseChecker checker = checker();
		ExecutorService callers = Executors.newFixedThreadPool(10);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Callable<Boolean>> calls = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				calls.add(() -> {
					start.await();
					return checker.isLicensed(TENANT).block(Duration.ofSeconds(5));
				});
			}
			List<Future<Boolean>> answers = new ArrayList<>();
			calls.forEach((call) -> answers.add(callers.submit(call)));
			start.countDown();

			for (Future<Boolean> answer : answers) {
				assertThat(answer.get(10, TimeUnit.SECONDS)).isTrue();
			}
		}
		finally {
			callers.shutdownNow();
		}
		assertThat(this.graph.lookups()).isEqualTo(1);
	}

	@Test
	void isLicensedWhenExpiredThenStaleAnswerServedAtOnceWhileRefreshed() {
		IntuneLicenseChecker checker = licensedAnswerExpiredWhileGraphNowSaysUnlicensedSlowly();

		StepVerifier.create(checker.isLicensed(TENANT))
			.expectNext(true)
			.expectComplete()
			.verify(Duration.ofMillis(250));

		await().atMost(Duration.ofSeconds(5)).until(() -> Boolean.FALSE.equals(checker.isLicensed(TENANT).block()));
		assertThat(this.graph.lookups()).isEqualTo(2);
	}

	@Test
	void isLicensedWhenExpiredAndAskedAgainDuringTheRefreshThenOneRefresh() {
		IntuneLicenseChecker checker = licensedAnswerExpiredWhileGraphNowSaysUnlicensedSlowly();

		for (int i = 0; i < 5; i++) {
			assertThat(checker.isLicensed(TENANT).block(Duration.ofMillis(250))).isTrue();
		}

		await().atMost(Duration.ofSeconds(5)).until(() -> Boolean.FALSE.equals(checker.isLicensed(TENANT).block()));
		assertThat(this.graph.lookups()).isEqualTo(2);
	}

	@Test
	void isLicensedWhenExpiredAndRefreshFailsThenStaleAnswerStillServedWithinOneMoreTtl() {
		IntuneLicenseChecker checker = checker();
		checker.isLicensed(TENANT).block();
		settle(checker);
		this.graph.answer(500, "");
		this.clock.advance(POSITIVE_TTL.plusMinutes(1));

		assertThat(checker.isLicensed(TENANT).block()).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.graph.lookups() == 2);
		assertThat(checker.isLicensed(TENANT).block()).isTrue();
	}

	@Test
	void isLicensedWhenStaleForLongerThanOneMoreTtlThenAskedAndWaitedFor() {
		IntuneLicenseChecker checker = checker();
		checker.isLicensed(TENANT).block();
		settle(checker);
		this.graph.answer(500, "");
		this.clock.advance(POSITIVE_TTL.multipliedBy(2).plusSeconds(1));

		StepVerifier.create(checker.isLicensed(TENANT)).expectError(WebClientResponseException.class).verify();
	}

	@Test
	void isLicensedWhenGraphFailsThenErrorAndNothingCached() {
		this.graph.answer(500, "{\"error\":{\"code\":\"generalException\",\"message\":\"boom\"}}");
		IntuneLicenseChecker checker = checker();

		StepVerifier.create(checker.isLicensed(TENANT))
			.expectErrorSatisfies(
					(ex) -> assertThat(ex).isInstanceOf(WebClientResponseException.InternalServerError.class))
			.verify();
		settle(checker);

		this.graph.answer(TestSubscribedSkus.licensed());
		StepVerifier.create(checker.isLicensed(TENANT)).expectNext(true).verifyComplete();
		assertThat(this.graph.lookups()).isEqualTo(2);
	}

	@Test
	void isLicensedWhenGraphTooSlowThenError() {
		this.graph.delay(Duration.ofSeconds(2));
		IntuneLicenseChecker checker = TestLicenseCheckers.against(this.graph.baseUri())
			.timeout(Duration.ofMillis(200))
			.build();

		StepVerifier.create(checker.isLicensed(TENANT)).expectError().verify(Duration.ofSeconds(5));
	}

	@Test
	void isLicensedWhenNoAppOnlyTokenThenErrorWithoutAskingGraph() {
		IntuneLicenseChecker checker = TestLicenseCheckers.against(this.graph.baseUri())
			.tokens(TestLicenseCheckers.failingTokens())
			.build();

		StepVerifier.create(checker.isLicensed(TENANT)).expectErrorMessage("token endpoint answered 401").verify();
		assertThat(this.graph.lookups()).isZero();
	}

	/**
	 * A checker whose licensed answer has just expired, while Graph would now answer
	 * unlicensed, after half a second.
	 */
	private IntuneLicenseChecker licensedAnswerExpiredWhileGraphNowSaysUnlicensedSlowly() {
		IntuneLicenseChecker checker = checker();
		assertThat(checker.isLicensed(TENANT).block()).isTrue();
		settle(checker);
		this.graph.answer(TestSubscribedSkus.unlicensed()).delay(Duration.ofMillis(500));
		this.clock.advance(POSITIVE_TTL.plusSeconds(1));
		return checker;
	}

	private IntuneLicenseChecker checker() {
		return TestLicenseCheckers.against(this.graph.baseUri())
			.positiveTtl(POSITIVE_TTL)
			.negativeTtl(NEGATIVE_TTL)
			.clock(this.clock)
			.meters(this.meters)
			.build();
	}

	/**
	 * Waits until no lookup or refresh is in flight, so that a clock moved next moves it
	 * past settled answers only.
	 */
	private static void settle(IntuneLicenseChecker checker) {
		AsyncLoadingCache<?, ?> answers = (AsyncLoadingCache<?, ?>) ReflectionTestUtils.getField(checker, "answers");
		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(5))
			.until(() -> answers.asMap()
				.values()
				.stream()
				.allMatch((answer) -> answer.isDone() && !answer.isCompletedExceptionally())
					&& answers.synchronous().policy().refreshes().isEmpty());
	}

	private double cache(String result) {
		return this.meters.get("graph_gateway.license.cache").tag("result", result).counter().count();
	}

}
