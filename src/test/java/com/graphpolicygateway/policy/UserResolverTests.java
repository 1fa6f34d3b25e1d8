package com.graphpolicygateway.policy;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Policy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.http.HttpHeaders;
import org.springframework.test.util.ReflectionTestUtils;

import com.graphpolicygateway.policy.UserResolver.LookupFailedException;
import com.graphpolicygateway.policy.UserResolver.ResolvedUser;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.test.StubGraph.Received;

import static com.graphpolicygateway.policy.TestPolicies.OTHER_TENANT;
import static com.graphpolicygateway.policy.TestPolicies.TENANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Resolving users with Graph: what is asked and with which token, how answers are cached
 * (keyed by tenant and identifier without case, found users refreshed ahead and kept for
 * the TTL, "no such user" for its own TTL, failures not at all), and how failures,
 * timeouts and odd answers surface. Time is a test ticker: nothing waits for a TTL.
 */
class UserResolverTests {

	static final String ADELE_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String ADELE = "AdeleV@Contoso.example";

	static final Duration TTL = Duration.ofMinutes(5);

	static final Duration REFRESH_AFTER = Duration.ofMinutes(1);

	static final Duration NOT_FOUND_TTL = Duration.ofSeconds(30);

	StubGraph graph;

	TestTicker ticker = new TestTicker();

	SimpleMeterRegistry meters = new SimpleMeterRegistry();

	@BeforeEach
	void startGraph() {
		this.graph = StubGraph.start();
		this.graph.directory().user(ADELE_ID, ADELE);
	}

	@AfterEach
	void stopGraph() {
		this.graph.close();
	}

	@Test
	void resolveWhenUserExistsThenObjectIdAndPrincipalNameInLowerCaseAskedWithTheAppOnlyToken() {
		StepVerifier.create(resolver().resolve(TENANT, ADELE))
			.expectNext(new ResolvedUser(ADELE_ID, "adelev@contoso.example"))
			.verifyComplete();

		Received lookup = onlyLookup();
		assertThat(lookup.uri().getRawPath()).isEqualTo("/v1.0/users/adelev@contoso.example");
		assertThat(lookup.uri().getQuery()).isEqualTo("$select=id,userPrincipalName");
		assertThat(lookup.headers().getFirst(HttpHeaders.AUTHORIZATION))
			.isEqualTo("Bearer " + TestLicenseCheckers.APP_TOKEN);
		assertThat(lookups("found")).isEqualTo(1);
	}

	@Test
	void resolveWhenObjectIdThenTheSameUser() {
		StepVerifier.create(resolver().resolve(TENANT, ADELE_ID.toUpperCase()))
			.expectNext(new ResolvedUser(ADELE_ID, "adelev@contoso.example"))
			.verifyComplete();
	}

	@Test
	void resolveWhenAskedAgainInAnotherCaseWithinTheRefreshAgeThenAnsweredFromCache() {
		UserResolver resolver = resolver();
		resolver.resolve(TENANT, ADELE).block();
		settle(resolver);
		this.ticker.advance(REFRESH_AFTER.minusSeconds(1));

		StepVerifier.create(resolver.resolve(TENANT.toUpperCase(), ADELE.toUpperCase()))
			.expectNext(new ResolvedUser(ADELE_ID, "adelev@contoso.example"))
			.verifyComplete();

		assertThat(this.graph.directory().lookups()).hasSize(1);
	}

	@Test
	void resolveWhenTenantsDifferThenEachIsAskedFor() {
		UserResolver resolver = resolver();

		resolver.resolve(TENANT, ADELE).block();
		resolver.resolve(OTHER_TENANT, ADELE).block();

		assertThat(this.graph.directory().lookups()).hasSize(2);
	}

	@Test
	void resolveWhenOlderThanTheRefreshAgeThenLastAnswerServedAtOnceWhileLookedUpAgain() {
		UserResolver resolver = resolver();
		resolver.resolve(TENANT, ADELE_ID).block();
		settle(resolver);
		this.graph.directory().user(ADELE_ID, "adele.vance@contoso.example").delay(Duration.ofMillis(300));
		this.ticker.advance(REFRESH_AFTER.plusSeconds(1));

		StepVerifier.create(resolver.resolve(TENANT, ADELE_ID))
			.expectNext(new ResolvedUser(ADELE_ID, "adelev@contoso.example"))
			.expectComplete()
			.verify(Duration.ofMillis(250));

		await().atMost(Duration.ofSeconds(5))
			.until(() -> resolver.resolve(TENANT, ADELE_ID).block().userPrincipalName(),
					"adele.vance@contoso.example"::equals);
		assertThat(this.graph.directory().lookups()).hasSize(2);
	}

	@Test
	void resolveWhenRefreshFailsThenLastAnswerServedUntilItsTtlWithOneAttemptPerRefreshAge() {
		UserResolver resolver = resolver();
		resolver.resolve(TENANT, ADELE).block();
		settle(resolver);
		this.graph.directory().failWith(graphError(503));
		this.ticker.advance(REFRESH_AFTER.plusSeconds(1));

		assertThat(resolver.resolve(TENANT, ADELE).block()).isNotNull();
		await().atMost(Duration.ofSeconds(5)).until(() -> lookups("failed") == 1);
		settle(resolver);
		for (int i = 0; i < 5; i++) {
			assertThat(resolver.resolve(TENANT, ADELE).block()).isNotNull();
		}
		assertThat(this.graph.directory().lookups()).hasSize(2);

		this.ticker.advance(TTL.minus(REFRESH_AFTER));
		StepVerifier.create(resolver.resolve(TENANT, ADELE)).expectError(LookupFailedException.class).verify();
	}

	@Test
	void resolveWhenUserDoesNotExistThenEmptyAndRememberedForTheNotFoundTtl() {
		UserResolver resolver = resolver();
		StepVerifier.create(resolver.resolve(TENANT, "nobody@contoso.example")).verifyComplete();
		settle(resolver);
		this.graph.directory().user("0b0d1e5a-0000-4000-8000-000000000001", "nobody@contoso.example");
		this.ticker.advance(NOT_FOUND_TTL.minusSeconds(1));

		StepVerifier.create(resolver.resolve(TENANT, "nobody@contoso.example")).verifyComplete();
		assertThat(this.graph.directory().lookups()).hasSize(1);

		this.ticker.advance(Duration.ofSeconds(2));
		StepVerifier.create(resolver.resolve(TENANT, "nobody@contoso.example"))
			.expectNextMatches((user) -> user.objectId().equals("0b0d1e5a-0000-4000-8000-000000000001"))
			.verifyComplete();
		assertThat(lookups("not_found")).isEqualTo(1);
	}

	@Test
	void resolveWhenGraphFailsThenErrorAndNothingRemembered() {
		this.graph.directory().failWith(graphError(500));
		UserResolver resolver = resolver();

		StepVerifier.create(resolver.resolve(TENANT, ADELE))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(LookupFailedException.class)
				.hasMessageContaining("Graph answered 500"))
			.verify();

		this.graph.directory().heal();
		StepVerifier.create(resolver.resolve(TENANT, ADELE)).expectNextCount(1).verifyComplete();
		assertThat(this.graph.directory().lookups()).hasSize(2);
	}

	@Test
	void resolveWhenGraphRefusesTheGatewayThenErrorNamingThePermission() {
		this.graph.directory().failWith(graphError(403));

		StepVerifier.create(resolver().resolve(TENANT, ADELE))
			.expectErrorSatisfies((ex) -> assertThat(ex).hasMessageContaining("User.Read.All"))
			.verify();
	}

	@Test
	void resolveWhenA404IsNotGraphsThenErrorNotNoSuchUser() {
		this.graph.directory()
			.failWith(new Answer(404, Map.of("Content-Type", "text/html"), "<h1>Not Found</h1>".getBytes()));

		StepVerifier.create(resolver().resolve(TENANT, ADELE)).expectError(LookupFailedException.class).verify();
	}

	@Test
	void resolveWhenGraphAnswersWithoutAnObjectIdThenError() {
		this.graph.directory()
			.failWith(Answer.json(200, "{\"userPrincipalName\":\"adelev@contoso.example\"}", Map.of()));

		StepVerifier.create(resolver().resolve(TENANT, ADELE))
			.expectErrorSatisfies((ex) -> assertThat(ex).hasMessageContaining("no object id"))
			.verify();
	}

	@Test
	void resolveWhenGraphTooSlowThenErrorAfterTheLookupTimeout() {
		this.graph.directory().delay(Duration.ofSeconds(2));
		UserResolver resolver = TestUserResolvers.against(uri()).timeout(Duration.ofMillis(200)).build();

		StepVerifier.create(resolver.resolve(TENANT, ADELE))
			.expectErrorSatisfies((ex) -> assertThat(ex).hasMessageContaining("no answer in time"))
			.verify(Duration.ofSeconds(1));
	}

	@Test
	void resolveWhenNoAppOnlyTokenThenErrorWithoutAskingGraph() {
		UserResolver resolver = TestUserResolvers.against(uri()).tokens(TestLicenseCheckers.failingTokens()).build();

		StepVerifier.create(resolver.resolve(TENANT, ADELE))
			.expectErrorSatisfies((ex) -> assertThat(ex).hasMessageContaining("token endpoint answered 401"))
			.verify();
		assertThat(this.graph.directory().lookups()).isEmpty();
	}

	@Test
	void resolveWhenConcurrentForOneUserThenOneLookup() throws Exception {
		this.graph.directory().delay(Duration.ofMillis(300));
		UserResolver resolver = resolver();
		ExecutorService callers = Executors.newFixedThreadPool(10);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Callable<ResolvedUser>> calls = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				String identifier = (i % 2 == 0) ? ADELE : ADELE.toLowerCase();
				calls.add(() -> {
					start.await();
					return resolver.resolve(TENANT, identifier).block(Duration.ofSeconds(5));
				});
			}
			List<Future<ResolvedUser>> answers = new ArrayList<>();
			calls.forEach((call) -> answers.add(callers.submit(call)));
			start.countDown();

			for (Future<ResolvedUser> answer : answers) {
				assertThat(answer.get(10, TimeUnit.SECONDS).objectId()).isEqualTo(ADELE_ID);
			}
		}
		finally {
			callers.shutdownNow();
		}
		assertThat(this.graph.directory().lookups()).hasSize(1);
	}

	@Test
	void resolveWhenPrincipalNameStartsWithDollarThenAskedInParentheses() {
		this.graph.directory().user("3c0ffee0-0000-4000-8000-000000000001", "$svc@contoso.example");

		StepVerifier.create(resolver().resolve(TENANT, "$SVC@contoso.example"))
			.expectNextMatches((user) -> user.userPrincipalName().equals("$svc@contoso.example"))
			.verifyComplete();
		assertThat(onlyLookup().uri().getRawPath()).isEqualTo("/v1.0/users('$svc@contoso.example')");
	}

	@Test
	void resolveWhenGuestPrincipalNameThenItsHashesAreEncoded() {
		String guest = "alice_fabrikam.example#EXT#@contoso.onmicrosoft.com";
		this.graph.directory().user("4a11ce00-0000-4000-8000-000000000001", guest);

		StepVerifier.create(resolver().resolve(TENANT, guest))
			.expectNextMatches((user) -> user.objectId().equals("4a11ce00-0000-4000-8000-000000000001"))
			.verifyComplete();
		assertThat(onlyLookup().uri().getRawPath())
			.isEqualTo("/v1.0/users/alice_fabrikam.example%23ext%23@contoso.onmicrosoft.com");
	}

	@Test
	void resolveWhenMoreUsersThanTheCacheHoldsThenSomeAreEvictedNotAll() {
		UserResolver resolver = TestUserResolvers.against(uri()).cacheSize(3).build();
		for (int i = 0; i < 10; i++) {
			String id = "5a5a5a5a-0000-4000-8000-00000000000" + i;
			this.graph.directory().user(id, "user" + i + "@contoso.example");
			resolver.resolve(TENANT, id).block();
		}

		// A lookup weighs nothing until its answer is in: wait for the last one's.
		Cache<Object, Object> cache = cache(resolver);
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			cache.cleanUp();
			return cache.estimatedSize() <= 3;
		});
		assertThat(cache.estimatedSize()).isPositive();
	}

	private UserResolver resolver() {
		return TestUserResolvers.against(uri())
			.ttl(TTL)
			.refreshAfter(REFRESH_AFTER)
			.notFoundTtl(NOT_FOUND_TTL)
			.ticker(this.ticker)
			.meters(this.meters)
			.build();
	}

	/**
	 * Waits until the cache has taken in every answer and refresh: it does so on the
	 * thread that completed the lookup, just after the caller heard the answer, and a
	 * ticker moved in between would date the answer wrong.
	 */
	private static void settle(UserResolver resolver) {
		Policy<Object, Object> policy = cache(resolver).policy();
		await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> {
			if (!policy.refreshes().isEmpty()) {
				return false;
			}
			for (Object key : cache(resolver).asMap().keySet()) {
				boolean dated = policy.expireVariably()
					.orElseThrow()
					.getExpiresAfter(key)
					.map((left) -> left.compareTo(Duration.ofDays(1)) < 0)
					.orElse(true);
				boolean written = policy.refreshAfterWrite()
					.orElseThrow()
					.ageOf(key)
					.map((age) -> age.compareTo(REFRESH_AFTER) < 0)
					.orElse(true);
				if (!dated || !written) {
					return false;
				}
			}
			return true;
		});
	}

	@SuppressWarnings("unchecked")
	private static Cache<Object, Object> cache(UserResolver resolver) {
		return ((AsyncLoadingCache<Object, Object>) ReflectionTestUtils.getField(resolver, "cache")).synchronous();
	}

	private URI uri() {
		return URI.create(this.graph.baseUri());
	}

	private Received onlyLookup() {
		assertThat(this.graph.directory().lookups()).hasSize(1);
		return this.graph.directory().lookups().get(0);
	}

	private double lookups(String result) {
		return this.meters.get("graph_gateway.policy.user_lookups").tag("result", result).counter().count();
	}

	private static Answer graphError(int status) {
		return Answer.json(status, "{\"error\":{\"code\":\"generalException\",\"message\":\"boom\"}}", Map.of());
	}

}
