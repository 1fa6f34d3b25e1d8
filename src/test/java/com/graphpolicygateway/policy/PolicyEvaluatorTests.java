package com.graphpolicygateway.policy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.http.HttpStatus;

import com.graphpolicygateway.policy.PolicyDecision.Violation;
import com.graphpolicygateway.policy.TestPolicies.Rules;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.upstream.AppOnlyTokens;

import static com.graphpolicygateway.policy.TestPolicies.OTHER_TENANT;
import static com.graphpolicygateway.policy.TestPolicies.TENANT;
import static com.graphpolicygateway.policy.TestPolicies.UNKNOWN_TENANT;
import static com.graphpolicygateway.policy.TestPolicies.policy;
import static com.graphpolicygateway.policy.TestPolicies.tenant;
import static com.graphpolicygateway.policy.TestPolicyRequests.APPLICATION;
import static com.graphpolicygateway.policy.TestPolicyRequests.OTHER_APPLICATION;
import static com.graphpolicygateway.policy.TestPolicyRequests.TARGET_USER;
import static com.graphpolicygateway.policy.TestPolicyRequests.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policy's decisions, rule by rule and mode by mode: what an enforced violation
 * refuses with, what a report-only one lets through, in which order rules are checked,
 * and how the license rule asks Graph.
 */
class PolicyEvaluatorTests {

	static final String PROTECTED_UPN = "BreakGlass@Contoso.example";

	@TempDir
	Path directory;

	SubscribedSkusStub graph;

	/** The Graph that answers user lookups. */
	StubGraph users;

	@BeforeEach
	void startGraph() {
		this.graph = SubscribedSkusStub.start();
		this.users = StubGraph.start();
	}

	@AfterEach
	void stopGraph() {
		this.graph.close();
		this.users.close();
	}

	@ParameterizedTest
	@EnumSource(Rule.class)
	void decideWhenRuleEnforcedAndViolatedThenRefusedWithItsReasonCodeAndStatus(Rule rule) {
		PolicyDecision decision = decide(policy().tenant(violating(rule, licensed(TENANT))), request().build());

		assertThat(decision.allowed()).isFalse();
		assertViolation(decision.refusal(), rule);
		assertThat(decision.wouldRefuse()).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(Rule.class)
	void decideWhenTenantReportOnlyAndRuleViolatedThenAllowedWithTheViolationReported(Rule rule) {
		PolicyDecision decision = decide(policy().tenant(violating(rule, licensed(TENANT).mode("report-only"))),
				request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.refusal()).isNull();
		assertThat(decision.wouldRefuse()).singleElement().satisfies((violation) -> assertViolation(violation, rule));
	}

	@ParameterizedTest
	@EnumSource(Rule.class)
	void decideWhenOnlyTheRuleIsReportOnlyThenAllowedWithTheViolationReported(Rule rule) {
		PolicyDecision decision = decide(
				policy().tenant(violating(rule, licensed(TENANT).ruleMode(rule, "report-only"))), request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).singleElement().satisfies((violation) -> assertViolation(violation, rule));
	}

	@ParameterizedTest
	@EnumSource(Rule.class)
	void decideWhenDefaultsReportOnlyButTenantEnforcesTheRuleThenRefused(Rule rule) {
		PolicyDecision decision = decide(policy().defaults((rules) -> rules.mode("report-only"))
			.tenant(violating(rule, licensed(TENANT).ruleMode(rule, "enforce"))), request().build());

		assertViolation(decision.refusal(), rule);
	}

	@Test
	void decideWhenSeveralRulesViolatedThenFirstEnforcedRefusesAndEarlierReportOnlyOnesAreListed() {
		PolicyDecision decision = decide(policy().tenant(tenant(TENANT).license("inactive")
			.allowedApplications(OTHER_APPLICATION)
			.ruleMode(Rule.CALLER, "report-only")
			.protectedUsers(TARGET_USER)
			.allowedProperties("jobTitle")), request().build());

		assertThat(decision.refusal().reason()).isEqualTo(Rule.TARGET.reason());
		assertThat(decision.wouldRefuse()).extracting(Violation::reason).containsExactly(Rule.CALLER.reason());
	}

	@Test
	void decideWhenEveryRuleReportOnlyAndViolatedThenAllowedWithEveryViolationInRuleOrder() {
		Rules everything = tenant(TENANT).mode("report-only");
		for (Rule rule : Rule.values()) {
			violating(rule, everything);
		}

		PolicyDecision decision = decide(policy().tenant(everything), request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).extracting(Violation::reason)
			.containsExactlyElementsOf(Arrays.stream(Rule.values()).map(Rule::reason).toList());
	}

	@Test
	void decideWhenEnforcedRuleRefusesThenLicenseNotAskedOfGraph() {
		PolicyDecision decision = decide(policy().tenant(tenant(TENANT).license("auto").protectedUsers(TARGET_USER)),
				request().build());

		assertThat(decision.refusal().reason()).isEqualTo("target_protected");
		assertThat(this.graph.lookups()).isZero();
	}

	@Test
	void decideWhenTenantUnknownAndUnknownTenantsRefusedThenTenantNotAllowed() {
		PolicyDecision decision = decide(policy().tenant(licensed(TENANT)), request().tenant(UNKNOWN_TENANT).build());

		assertThat(decision.refusal()).satisfies((refusal) -> {
			assertThat(refusal.errorCode()).isEqualTo("TenantNotAllowed");
			assertThat(refusal.status()).isEqualTo(HttpStatus.FORBIDDEN);
			assertThat(refusal.message()).contains(UNKNOWN_TENANT).contains("not allowed");
		});
	}

	@Test
	void decideWhenTenantUnknownAndUnknownTenantsAllowedThenDefaultsDecide() {
		TestPolicies.Builder policy = policy()
			.defaults((rules) -> rules.unknownTenants("allow").license("active").protectedUsers(PROTECTED_UPN));

		assertThat(decide(policy, request().tenant(UNKNOWN_TENANT).build()).allowed()).isTrue();
		assertThat(decide(policy, request().tenant(UNKNOWN_TENANT).target(PROTECTED_UPN).build()).refusal().reason())
			.isEqualTo("target_protected");
	}

	@Test
	void decideWhenNoTenantInTheTokenThenTenantNotAllowed() {
		PolicyDecision decision = decide(policy().tenant(licensed(TENANT)), request().tenant(null).build());

		assertThat(decision.refusal().reason()).isEqualTo("tenant_not_allowed");
	}

	@Test
	void decideWhenTenantDisabledThenTenantNotAllowedSayingSo() {
		PolicyDecision decision = decide(policy().tenant(licensed(TENANT).enabled(false)), request().build());

		assertThat(decision.refusal()).satisfies((refusal) -> {
			assertViolation(refusal, Rule.TENANT);
			assertThat(refusal.message()).contains("disabled");
		});
	}

	@Test
	void decideWhenBodyHoldsODataTypeThenItIsNotAProperty() {
		PolicyDecision decision = decide(policy().tenant(licensed(TENANT).allowedProperties("displayName")),
				request().properties("@odata.type", "displayName").build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).isEmpty();
	}

	@Test
	void decideWhenPropertyOutsideTheListThenTheFirstSuchPropertyIsNamed() {
		PolicyDecision decision = decide(policy().tenant(licensed(TENANT).allowedProperties("displayName")),
				request().properties("displayName", "employeeId", "mail").build());

		assertThat(decision.refusal().message()).contains("'employeeId'").doesNotContain("mail");
	}

	@Test
	void decideWhenIdsAndNamesDifferOnlyInCaseThenTheyMatch() {
		TestPolicies.Builder policy = policy()
			.tenant(licensed(TENANT.toUpperCase(Locale.ROOT)).allowedApplications(APPLICATION.toUpperCase(Locale.ROOT))
				.protectedUsers(PROTECTED_UPN)
				.allowedProperties("displayName", "JobTitle"));

		assertThat(decide(policy, request().application(APPLICATION).properties("DISPLAYNAME", "jobtitle").build())
			.allowed()).isTrue();
		assertThat(decide(policy,
				request().tenant(TENANT.toUpperCase(Locale.ROOT))
					.application(APPLICATION.toUpperCase(Locale.ROOT))
					.build())
			.allowed()).isTrue();
		assertThat(decide(policy, request().target(PROTECTED_UPN.toLowerCase(Locale.ROOT)).build()).refusal().reason())
			.isEqualTo("target_protected");
		assertThat(decide(policy, request().target(PROTECTED_UPN.toUpperCase(Locale.ROOT)).build()).refusal().reason())
			.isEqualTo("target_protected");
	}

	@Test
	void decideWhenTenantListsItsOwnProtectedUsersThenTheyReplaceTheDefaults() {
		TestPolicies.Builder policy = policy().defaults((rules) -> rules.license("active").protectedUsers(TARGET_USER))
			.tenant(tenant(TENANT).protectedUsers(PROTECTED_UPN))
			.tenant(tenant(OTHER_TENANT));

		assertThat(decide(policy, request().build()).allowed()).isTrue();
		assertThat(decide(policy, request().target(PROTECTED_UPN).build()).allowed()).isFalse();
		assertThat(decide(policy, request().tenant(OTHER_TENANT).build()).refusal().reason())
			.isEqualTo("target_protected");
	}

	@Test
	void decideWhenLicenseActiveThenAllowedWithoutAskingGraph() {
		PolicyDecision decision = decide(policy().tenant(licensed(TENANT)), request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(this.graph.lookups()).isZero();
	}

	@Test
	void decideWhenLicenseAutoAndGraphShowsIntuneThenAllowed() {
		this.graph.answer(TestSubscribedSkus.licensed());

		PolicyDecision decision = decide(policy().tenant(tenant(TENANT).license("auto")), request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).isEmpty();
		assertThat(this.graph.authorizations()).containsExactly("Bearer " + TestLicenseCheckers.APP_TOKEN);
	}

	@Test
	void decideWhenLicenseAutoAndGraphShowsNoIntuneThenTenantNotLicensed() {
		this.graph.answer(TestSubscribedSkus.unlicensed());

		PolicyDecision decision = decide(policy().tenant(tenant(TENANT).license("auto")), request().build());

		assertViolation(decision.refusal(), Rule.LICENSE);
	}

	@Test
	void decideWhenLicenseLookupFailsThenServiceNotAvailable() {
		this.graph.answer(500, "{\"error\":{\"code\":\"generalException\",\"message\":\"boom\"}}");

		PolicyDecision decision = decide(policy().tenant(tenant(TENANT).license("auto")), request().build());

		assertLicenseCheckFailed(decision.refusal());
		assertThat(decision.wouldRefuse()).isEmpty();
	}

	@Test
	void decideWhenAppOnlyTokenCannotBeHadThenServiceNotAvailable() {
		PolicyDecision decision = decide(
				evaluator(policy().tenant(tenant(TENANT).license("auto")), TestLicenseCheckers.failingTokens(), false),
				request().build());

		assertLicenseCheckFailed(decision.refusal());
		assertThat(this.graph.lookups()).isZero();
	}

	@Test
	void decideWhenLicenseLookupFailsAndFailOpenThenAllowedWithTheFailureReported() {
		this.graph.answer(503, "");

		PolicyDecision decision = decide(
				evaluator(policy().tenant(tenant(TENANT).license("auto")), TestLicenseCheckers.appOnlyTokens(), true),
				request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).singleElement().satisfies(PolicyEvaluatorTests::assertLicenseCheckFailed);
	}

	@Test
	void decideWhenLicenseLookupFailsAndLicenseRuleReportOnlyThenAllowedWithTheFailureReported() {
		this.graph.answer(500, "");

		PolicyDecision decision = decide(
				policy().tenant(tenant(TENANT).license("auto").ruleMode(Rule.LICENSE, "report-only")),
				request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).singleElement().satisfies(PolicyEvaluatorTests::assertLicenseCheckFailed);
	}

	@Test
	void decideWhenLicenseLookupFailsAfterReportOnlyViolationThenBothAreKept() {
		this.graph.answer(500, "");

		PolicyDecision decision = decide(policy().tenant(
				tenant(TENANT).license("auto").allowedProperties("jobTitle").ruleMode(Rule.PROPERTIES, "report-only")),
				request().build());

		assertLicenseCheckFailed(decision.refusal());
		assertThat(decision.wouldRefuse()).extracting(Violation::reason).containsExactly("property_not_allowed");
	}

	@Test
	void decideWhenProtectedByPrincipalNameAndCalledByObjectIdThenTargetProtected() {
		this.users.directory().user(TARGET_USER, PROTECTED_UPN);

		PolicyDecision decision = decide(policy().tenant(licensed(TENANT).protectedUsers(PROTECTED_UPN)),
				request().build());

		assertViolation(decision.refusal(), Rule.TARGET);
	}

	@Test
	void decideWhenProtectionResolutionOffThenOnlyTheIdentifiersAsWrittenMatch() {
		this.users.directory().user(TARGET_USER, PROTECTED_UPN);
		TestPolicies.Builder policy = policy()
			.tenant(licensed(TENANT).protectedUsers(PROTECTED_UPN).protectedUsersResolution("off"));

		assertThat(decide(policy, request().build()).allowed()).isTrue();
		assertThat(decide(policy, request().target(PROTECTED_UPN).build()).refusal().reason())
			.isEqualTo("target_protected");
		assertThat(this.users.directory().lookups()).isEmpty();
	}

	@Test
	void decideWhenTargetCannotBeResolvedThenServiceNotAvailableAndLicenseNotAsked() {
		this.users.directory().failWith(Answer.json(503, "{\"error\":{\"code\":\"x\",\"message\":\"y\"}}", Map.of()));

		PolicyDecision decision = decide(policy().tenant(tenant(TENANT).license("auto").protectedUsers(PROTECTED_UPN)),
				request().build());

		assertTargetUnresolved(decision.refusal());
		assertThat(decision.refusal().message()).contains(TARGET_USER);
		assertThat(decision.wouldRefuse()).isEmpty();
		assertThat(this.graph.lookups()).isZero();
	}

	@Test
	void decideWhenTargetCannotBeResolvedAndALaterRuleRefusesThenThatRefusalWins() {
		this.users.directory().failWith(Answer.json(503, "{\"error\":{\"code\":\"x\",\"message\":\"y\"}}", Map.of()));

		PolicyDecision decision = decide(
				policy().tenant(licensed(TENANT).protectedUsers(PROTECTED_UPN).allowedProperties("jobTitle")),
				request().build());

		assertViolation(decision.refusal(), Rule.PROPERTIES);
	}

	@Test
	void decideWhenTargetCannotBeResolvedAndTheTargetRuleReportOnlyThenAllowedWithTheFailureReported() {
		this.users.directory().failWith(Answer.json(503, "{\"error\":{\"code\":\"x\",\"message\":\"y\"}}", Map.of()));

		PolicyDecision decision = decide(policy().tenant(licensed(TENANT).protectedUsers(PROTECTED_UPN)
			.ruleMode(Rule.TARGET, "report-only")
			.allowedProperties("jobTitle")
			.ruleMode(Rule.PROPERTIES, "report-only")), request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).extracting(Violation::reason)
			.containsExactly("target_unresolved", "property_not_allowed");
	}

	@Test
	void decideThenDecisionCarriesTheVersionOfThePolicyFile() {
		TestPolicies.Builder policy = policy().tenant(licensed(TENANT));

		PolicyDecision decision = decide(policy, request().build());

		assertThat(decision.policyVersion()).isEqualTo(PolicyParser.version(policy.bytes())).hasSize(16);
	}

	private static Rules licensed(String tenantId) {
		return tenant(tenantId).license("active");
	}

	/** Makes the default request break {@code rule} under {@code tenant}. */
	private static Rules violating(Rule rule, Rules tenant) {
		return switch (rule) {
			case TENANT -> tenant.enabled(false);
			case CALLER -> tenant.allowedApplications(OTHER_APPLICATION);
			case TARGET -> tenant.protectedUsers(TARGET_USER);
			case PROPERTIES -> tenant.allowedProperties("jobTitle", "department");
			case FREEZE -> tenant.onceFreeze("release-week", "2026-06-08T00:00", "2026-06-15T00:00", "Europe/Berlin");
			case LICENSE -> tenant.license("inactive");
		};
	}

	/** What the refusal message of {@code rule} must name for the default request. */
	private static String namedThing(Rule rule) {
		return switch (rule) {
			case TENANT, LICENSE -> TENANT;
			case CALLER -> APPLICATION;
			case TARGET -> TARGET_USER;
			case PROPERTIES -> "'displayName'";
			case FREEZE -> "'release-week'";
		};
	}

	private static void assertViolation(Violation violation, Rule rule) {
		assertThat(violation).isNotNull();
		assertThat(violation.reason()).isEqualTo(rule.reason());
		assertThat(violation.errorCode()).isEqualTo(rule.errorCode());
		assertThat(violation.status()).isEqualTo(HttpStatus.FORBIDDEN);
		assertThat(violation.message()).contains(namedThing(rule));
	}

	private static void assertLicenseCheckFailed(Violation violation) {
		assertThat(violation).isNotNull();
		assertThat(violation.reason()).isEqualTo("license_check_failed");
		assertThat(violation.errorCode()).isEqualTo("serviceNotAvailable");
		assertThat(violation.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
	}

	private static void assertTargetUnresolved(Violation violation) {
		assertThat(violation).isNotNull();
		assertThat(violation.reason()).isEqualTo("target_unresolved");
		assertThat(violation.errorCode()).isEqualTo("serviceNotAvailable");
		assertThat(violation.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
	}

	private PolicyDecision decide(TestPolicies.Builder policy, PolicyRequest request) {
		return decide(evaluator(policy, TestLicenseCheckers.appOnlyTokens(), false), request);
	}

	private static PolicyDecision decide(PolicyEvaluator evaluator, PolicyRequest request) {
		return evaluator.decide(request).block(Duration.ofSeconds(10));
	}

	private PolicyEvaluator evaluator(TestPolicies.Builder policy, AppOnlyTokens tokens, boolean failOpen) {
		Path file = policy.writeTo(this.directory.resolve("tenants.yml"));
		PolicyStore store = new PolicyStore(file, Duration.ofSeconds(1), Clock.systemUTC(), new SimpleMeterRegistry());
		IntuneLicenseChecker licenses = TestLicenseCheckers.against(this.graph.baseUri()).tokens(tokens).build();
		UserResolver users = TestUserResolvers.against(URI.create(this.users.baseUri())).tokens(tokens).build();
		return new PolicyEvaluator(store, licenses, new TargetProtection(users), failOpen);
	}

}
