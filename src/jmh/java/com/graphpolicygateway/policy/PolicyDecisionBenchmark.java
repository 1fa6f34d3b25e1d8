package com.graphpolicygateway.policy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Deciding calls against a realistic tenant policy, loaded by the {@link PolicyStore}
 * from a file: 40 tenants, each with allowed applications, protected users, allowed
 * properties, a one-off, a weekend and a nightly freeze; every fifth tenant observes
 * freezes report-only; half the tenants have {@code license: auto}, answered once by a
 * stub Graph and then cached, so no HTTP happens in the measured loop (checked at the end
 * of each trial). Protected users are matched as written ({@code protected-users-resolution:
 * off}): the targets are random object ids, and resolving each with Graph would measure
 * the stub's HTTP, not the rules.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
public class PolicyDecisionBenchmark {

	private static final int TENANTS = 40;

	private static final int REQUESTS = 256;

	private static final String ZONE = "Europe/Berlin";

	private static final List<String> APPLICATIONS = List.of("d3590ed6-52b3-4102-aeff-aad2292ab01c",
			"0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "8d9a2f61-0c55-4d6e-9e0b-1f2a3b4c5d6e");

	private static final String OTHER_APPLICATION = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c";

	/** Wednesday 2026-06-10, 12:00 in Berlin. */
	private static final Instant WEDNESDAY_NOON = Instant.parse("2026-06-10T10:00:00Z");

	/** Saturday 2026-06-13, 12:00 in Berlin: the weekend freeze. */
	private static final Instant SATURDAY_NOON = Instant.parse("2026-06-13T10:00:00Z");

	private Path file;

	private SubscribedSkusStub graph;

	private int licenseLookups;

	private PolicyEvaluator evaluator;

	private PolicyRequest allowed;

	private PolicyRequest[] requests;

	private int next;

	@Setup(Level.Trial)
	public void loadPolicyAndCacheLicenses() throws Exception {
		TestPolicies.Builder policy = TestPolicies.policy()
			.defaults((rules) -> rules.unknownTenants("refuse").mode("enforce").license("auto"));
		for (int t = 0; t < TENANTS; t++) {
			policy.tenant(tenantRules(t));
		}
		this.file = policy.writeTo(Files.createTempFile("jmh-tenants", ".yml"));
		PolicyStore store = new PolicyStore(this.file, Duration.ofHours(1), Clock.systemUTC(),
				new SimpleMeterRegistry());
		this.graph = SubscribedSkusStub.start();
		IntuneLicenseChecker licenses = TestLicenseCheckers.against(this.graph.baseUri())
			.positiveTtl(Duration.ofDays(1))
			.build();
		for (int t = 1; t < TENANTS; t += 2) {
			if (!Boolean.TRUE.equals(licenses.isLicensed(tenant(t)).block())) {
				throw new IllegalStateException("The stub Graph did not license tenant " + tenant(t));
			}
		}
		this.licenseLookups = this.graph.lookups();
		TargetProtection targets = new TargetProtection(TestUserResolvers.against(this.graph.baseUri()).build());
		this.evaluator = new PolicyEvaluator(store, licenses, targets, false);
		this.allowed = new PolicyRequest(tenant(1), APPLICATIONS.get(1), UUID.randomUUID().toString(),
				List.of("displayName", "jobTitle", "department"), WEDNESDAY_NOON);
		this.requests = new PolicyRequest[REQUESTS];
		for (int i = 0; i < REQUESTS; i++) {
			this.requests[i] = request(i);
		}
		check();
	}

	private static TestPolicies.Rules tenantRules(int t) {
		List<String> protectedUsers = new ArrayList<>();
		for (int u = 0; u < 10; u++) {
			protectedUsers.add(protectedUser(t, u));
		}
		for (int u = 0; u < 5; u++) {
			protectedUsers.add("breakglass" + u + "@tenant" + t + ".example");
		}
		TestPolicies.Rules rules = TestPolicies.tenant(tenant(t))
			.name("Tenant " + t)
			.license(((t % 2) == 0) ? "active" : "auto")
			.allowedApplications(APPLICATIONS.toArray(String[]::new))
			.protectedUsers(protectedUsers.toArray(String[]::new))
			.protectedUsersResolution("off")
			.allowedProperties("displayName", "jobTitle", "department", "officeLocation", "mobilePhone",
					"businessPhones", "usageLocation")
			.onceFreeze("year-end", "2027-12-24T00:00", "2028-01-02T00:00", ZONE)
			.weeklyFreeze("weekend", List.of("SATURDAY", "SUNDAY"), "00:00", "00:00", ZONE)
			.weeklyFreeze("nightly", List.of("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"), "22:00", "06:00",
					ZONE);
		return ((t % 5) == 0) ? rules.ruleMode(Rule.FREEZE, "report-only") : rules;
	}

	private static String tenant(int t) {
		return UUID.nameUUIDFromBytes(("policy-tenant-" + t).getBytes()).toString();
	}

	private static String protectedUser(int t, int u) {
		return UUID.nameUUIDFromBytes(("protected-" + t + "-" + u).getBytes()).toString();
	}

	/**
	 * Mostly allowed calls; one in eight targets a protected user, changes a property
	 * outside the list or comes on a Saturday; some come from an unknown tenant or an
	 * application not listed.
	 */
	private static PolicyRequest request(int i) {
		int t = i % TENANTS;
		String tenant = ((i % 16) == 15) ? UUID.randomUUID().toString() : tenant(t);
		String application = ((i % 32) == 9) ? OTHER_APPLICATION : APPLICATIONS.get(i % APPLICATIONS.size());
		String target = ((i % 8) == 5) ? protectedUser(t, i % 10) : UUID.randomUUID().toString();
		List<String> properties = switch (i % 8) {
			case 6 -> List.of("displayName", "city");
			case 1, 3 -> List.of("displayName", "jobTitle", "department", "officeLocation");
			default -> List.of("displayName");
		};
		Instant at = ((i % 8) == 7) ? SATURDAY_NOON : WEDNESDAY_NOON;
		return new PolicyRequest(tenant, application, target, properties, at);
	}

	/** The pool holds allowed and refused calls, and no license check fails. */
	private void check() {
		int refused = 0;
		for (PolicyRequest request : this.requests) {
			PolicyDecision decision = this.evaluator.decide(request).block();
			if (!decision.allowed()) {
				refused++;
				if ("license_check_failed".equals(decision.refusal().reason())) {
					throw new IllegalStateException("A license check failed: " + decision);
				}
			}
		}
		if (refused == 0 || refused == REQUESTS || !this.evaluator.decide(this.allowed).block().allowed()) {
			throw new IllegalStateException("The request pool does not mix allowed and refused calls");
		}
	}

	@TearDown(Level.Trial)
	public void checkNoLicenseLookupAndStop() throws Exception {
		int lookups = this.graph.lookups();
		this.graph.close();
		Files.deleteIfExists(this.file);
		if (lookups != this.licenseLookups) {
			throw new IllegalStateException("Graph was asked for licenses during the measurement");
		}
	}

	/**
	 * An allowed call of a {@code license: auto} tenant: every rule checked, the license
	 * from the cache.
	 */
	@Benchmark
	public PolicyDecision decideAllowed() {
		return this.evaluator.decide(this.allowed).block();
	}

	/**
	 * A pool of 256 calls over 40 tenants, allowed and refused by each rule in turn.
	 */
	@Benchmark
	public PolicyDecision decideMixed() {
		return this.evaluator.decide(this.requests[this.next++ & (REQUESTS - 1)]).block();
	}

}
