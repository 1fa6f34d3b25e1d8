package com.graphpolicygateway.policy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpStatus;

import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.TestOperations;
import com.graphpolicygateway.policy.PolicyDecision.OperationLimit;
import com.graphpolicygateway.policy.PolicyDecision.Violation;
import com.graphpolicygateway.policy.TestPolicies.Rules;
import com.graphpolicygateway.system.OperationDeclaration;
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

	/**
	 * The rule the rate limiter counts after the policy: the evaluator only hands its
	 * limit on.
	 */
	static final String COUNTED = "OPERATION_LIMIT";

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
	@EnumSource(value = Rule.class, names = COUNTED, mode = EnumSource.Mode.EXCLUDE)
	void decideWhenRuleEnforcedAndViolatedThenRefusedWithItsReasonCodeAndStatus(Rule rule) {
		PolicyDecision decision = decide(policy().tenant(violating(rule, licensed(TENANT))), request().build());

		assertThat(decision.allowed()).isFalse();
		assertViolation(decision.refusal(), rule);
		assertThat(decision.wouldRefuse()).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(value = Rule.class, names = COUNTED, mode = EnumSource.Mode.EXCLUDE)
	void decideWhenTenantReportOnlyAndRuleViolatedThenAllowedWithTheViolationReported(Rule rule) {
		PolicyDecision decision = decide(policy().tenant(violating(rule, licensed(TENANT).mode("report-only"))),
				request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.refusal()).isNull();
		assertThat(decision.wouldRefuse()).singleElement().satisfies((violation) -> assertViolation(violation, rule));
	}

	@ParameterizedTest
	@EnumSource(value = Rule.class, names = COUNTED, mode = EnumSource.Mode.EXCLUDE)
	void decideWhenOnlyTheRuleIsReportOnlyThenAllowedWithTheViolationReported(Rule rule) {
		PolicyDecision decision = decide(
				policy().tenant(violating(rule, licensed(TENANT).ruleMode(rule, "report-only"))), request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).singleElement().satisfies((violation) -> assertViolation(violation, rule));
	}

	@ParameterizedTest
	@EnumSource(value = Rule.class, names = COUNTED, mode = EnumSource.Mode.EXCLUDE)
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
		for (Rule rule : decidedRules()) {
			violating(rule, everything);
		}

		PolicyDecision decision = decide(policy().tenant(everything), request().build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).extracting(Violation::reason)
			.containsExactlyElementsOf(decidedRules().stream().map(Rule::reason).toList());
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

	@ParameterizedTest
	@ValueSource(strings = { OperationCatalogue.USER_UPDATE, OperationCatalogue.USER_WIPE_BY_DEVICE_TAG,
			OperationCatalogue.DEVICE_WIPE, OperationCatalogue.DEVICE_RETIRE })
	void decideWhenOperationsLeftOutThenEveryOperationAllowedWithoutItsLimit(String operation) {
		PolicyDecision decision = decide(policy().tenant(licensed(TENANT)), request().operation(operation).build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).isEmpty();
		assertThat(decision.operationLimit()).isNull();
	}

	@Test
	void decideWhenOperationNotListedThenOperationNotAllowedNamingItAndTheListedOnesPass() {
		TestPolicies.Builder policy = policy()
			.tenant(licensed(TENANT).operations(OperationCatalogue.USER_UPDATE, OperationCatalogue.DEVICE_RETIRE));

		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_RETIRE).build()).allowed()).isTrue();
		assertThat(decide(policy, request().build()).allowed()).isTrue();
		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_WIPE).build()).refusal())
			.satisfies((refusal) -> {
				assertThat(refusal.reason()).isEqualTo("operation_not_allowed");
				assertThat(refusal.errorCode()).isEqualTo("OperationNotAllowed");
				assertThat(refusal.status()).isEqualTo(HttpStatus.FORBIDDEN);
				assertThat(refusal.message()).contains(OperationCatalogue.DEVICE_WIPE)
					.contains("POST /deviceManagement/managedDevices/{id}/wipe");
			});
	}

	@Test
	void decideWhenTenantListsItsOwnOperationsThenTheyReplaceTheDefaults() {
		TestPolicies.Builder policy = policy()
			.defaults((rules) -> rules.license("active").operations(OperationCatalogue.USER_UPDATE))
			.tenant(tenant(TENANT).operations(OperationCatalogue.DEVICE_WIPE))
			.tenant(tenant(OTHER_TENANT));

		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_WIPE).build()).allowed()).isTrue();
		assertThat(decide(policy, request().build()).refusal().reason()).isEqualTo("operation_not_allowed");
		assertThat(decide(policy, request().tenant(OTHER_TENANT).build()).allowed()).isTrue();
		assertThat(decide(policy, request().tenant(OTHER_TENANT).operation(OperationCatalogue.DEVICE_WIPE).build())
			.refusal()
			.reason()).isEqualTo("operation_not_allowed");
	}

	@Test
	void decideWhenOperationNotAllowedThenCheckedAfterTheCallerAndBeforeTheTargetIsLookedUp() {
		this.users.directory().user(TARGET_USER, PROTECTED_UPN);
		TestPolicies.Builder policy = policy().tenant(licensed(TENANT).operations(OperationCatalogue.DEVICE_WIPE)
			.allowedApplications(OTHER_APPLICATION)
			.ruleMode(Rule.CALLER, "report-only")
			.protectedUsers(PROTECTED_UPN));

		PolicyDecision decision = decide(policy, request().build());

		assertThat(decision.refusal().reason()).isEqualTo("operation_not_allowed");
		assertThat(decision.wouldRefuse()).extracting(Violation::reason).containsExactly("caller_not_allowed");
		assertThat(this.users.directory().lookups()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { OperationCatalogue.DEVICE_WIPE, OperationCatalogue.DEVICE_RETIRE })
	void decideWhenManagedDeviceProtectedThenTargetDeviceProtectedWhateverTheCaseOfItsId(String operation) {
		TestPolicies.Builder policy = policy()
			.tenant(licensed(TENANT).protectedDevices(TestPolicyRequests.TARGET_DEVICE.toUpperCase(Locale.ROOT)));

		for (String target : List.of(TestPolicyRequests.TARGET_DEVICE,
				TestPolicyRequests.TARGET_DEVICE.toUpperCase(Locale.ROOT))) {
			PolicyDecision decision = decide(policy, request().operation(operation).target(target).build());

			assertThat(decision.refusal()).satisfies((refusal) -> {
				assertThat(refusal.reason()).isEqualTo("target_protected");
				assertThat(refusal.errorCode()).isEqualTo("TargetDeviceProtected");
				assertThat(refusal.status()).isEqualTo(HttpStatus.FORBIDDEN);
				assertThat(refusal.message()).contains(target).contains(operation);
			});
		}
		assertThat(decide(policy, request().operation(operation).target("4d5e6f70-8192-4a3b-9c4d-5e6f70819203").build())
			.allowed()).isTrue();
	}

	@Test
	void decideWhenManagedDeviceProtectedAndTargetRuleReportOnlyThenAllowedWithItReported() {
		PolicyDecision decision = decide(
				policy().tenant(licensed(TENANT).protectedDevices(TestPolicyRequests.TARGET_DEVICE)
					.ruleMode(Rule.TARGET, "report-only")),
				request().operation(OperationCatalogue.DEVICE_WIPE).build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).singleElement().satisfies((violation) -> {
			assertThat(violation.reason()).isEqualTo("target_protected");
			assertThat(violation.errorCode()).isEqualTo("TargetDeviceProtected");
		});
	}

	@Test
	void decideWhenTenantListsItsOwnProtectedDevicesThenTheyReplaceTheDefaults() {
		String otherDevice = "4d5e6f70-8192-4a3b-9c4d-5e6f70819203";
		TestPolicies.Builder policy = policy()
			.defaults((rules) -> rules.license("active").protectedDevices(TestPolicyRequests.TARGET_DEVICE))
			.tenant(tenant(TENANT).protectedDevices(otherDevice))
			.tenant(tenant(OTHER_TENANT));

		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_WIPE).build()).allowed()).isTrue();
		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_WIPE).target(otherDevice).build())
			.refusal()
			.errorCode()).isEqualTo("TargetDeviceProtected");
		assertThat(decide(policy, request().tenant(OTHER_TENANT).operation(OperationCatalogue.DEVICE_WIPE).build())
			.refusal()
			.errorCode()).isEqualTo("TargetDeviceProtected");
	}

	@Test
	void decideWhenProtectedUsersListedThenOperationsOnDevicesNeitherCheckedAgainstThemNorLookedUp() {
		PolicyDecision decision = decide(
				policy().tenant(licensed(TENANT).protectedUsers(PROTECTED_UPN, TestPolicyRequests.TARGET_DEVICE)),
				request().operation(OperationCatalogue.DEVICE_WIPE).build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.wouldRefuse()).isEmpty();
		assertThat(this.users.directory().lookups()).isEmpty();
	}

	@Test
	void decideWhenProtectedDevicesListedThenOperationsOnUsersNotCheckedAgainstThem() {
		PolicyDecision decision = decide(policy().tenant(licensed(TENANT).protectedDevices(TARGET_USER)),
				request().build());

		assertThat(decision.allowed()).isTrue();
	}

	@Test
	void decideWhenUserProtectedThenTheWipeOfTheirAppsByDeviceTagIsRefusedAsTargetUserProtected() {
		this.users.directory().user(TARGET_USER, PROTECTED_UPN);

		PolicyDecision decision = decide(policy().tenant(licensed(TENANT).protectedUsers(PROTECTED_UPN)),
				request().operation(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG).build());

		assertViolation(decision.refusal(), Rule.TARGET);
	}

	@Test
	void decideWhenAllowedPropertiesListedThenOnlyTheUserUpdateIsCheckedAgainstThem() {
		TestPolicies.Builder policy = policy().tenant(licensed(TENANT).allowedProperties("displayName"));

		assertThat(decide(policy, request().operation(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG).build()).allowed())
			.isTrue();
		assertThat(decide(policy,
				request().operation(OperationCatalogue.DEVICE_WIPE)
					.properties("keepUserData", "keepEnrollmentData")
					.build())
			.allowed()).isTrue();
		assertThat(decide(policy, request().properties("jobTitle").build()).refusal().reason())
			.isEqualTo("property_not_allowed");
	}

	@Test
	void decideWhenFreezeNamesOperationsThenOnlyTheirCallsAreFrozen() {
		TestPolicies.Builder policy = policy().tenant(licensed(TENANT).onceFreeze("no-wipes", "2026-06-08T00:00",
				"2026-06-15T00:00", "Europe/Berlin", List.of(OperationCatalogue.DEVICE_WIPE)));

		assertThat(decide(policy, request().build()).allowed()).isTrue();
		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_RETIRE).build()).allowed()).isTrue();
		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_WIPE).build()).refusal())
			.satisfies((refusal) -> {
				assertThat(refusal.errorCode()).isEqualTo("ChangeFreezeInEffect");
				assertThat(refusal.message()).contains("'no-wipes'");
			});
	}

	@ParameterizedTest
	@ValueSource(strings = { OperationCatalogue.USER_UPDATE, OperationCatalogue.DEVICE_WIPE })
	void decideWhenFreezeNamesNoOperationsThenEveryOperationIsFrozen(String operation) {
		PolicyDecision decision = decide(policy().tenant(
				licensed(TENANT).onceFreeze("release-week", "2026-06-08T00:00", "2026-06-15T00:00", "Europe/Berlin")),
				request().operation(operation).build());

		assertThat(decision.refusal().errorCode()).isEqualTo("ChangeFreezeInEffect");
	}

	@Test
	void decideWhenOperationNeedsNoIntuneThenLicenseNeitherCheckedNorAsked() {
		Operation wipe = TestOperations
			.catalogue(Map.of(OperationCatalogue.DEVICE_WIPE,
					new OperationDeclaration(null, null, null, null, null, false, null, null)))
			.find(OperationCatalogue.DEVICE_WIPE)
			.orElseThrow();

		assertThat(decide(policy().tenant(tenant(TENANT).license("inactive")), request().operation(wipe).build())
			.allowed()).isTrue();
		assertThat(decide(policy().tenant(tenant(TENANT).license("auto")), request().operation(wipe).build()).allowed())
			.isTrue();
		assertThat(this.graph.lookups()).isZero();
		assertThat(decide(policy().tenant(tenant(TENANT).license("inactive")),
				request().operation(OperationCatalogue.DEVICE_WIPE).build())
			.refusal()
			.reason()).isEqualTo("tenant_unlicensed");
	}

	@Test
	void decideWhenTenantLimitsTheOperationThenTheDecisionCarriesTheLimit() {
		TestPolicies.Builder policy = policy()
			.tenant(licensed(TENANT).operationLimit(OperationCatalogue.DEVICE_WIPE, 5, "PT1H"));

		PolicyDecision decision = decide(policy, request().operation(OperationCatalogue.DEVICE_WIPE).build());

		assertThat(decision.allowed()).isTrue();
		assertThat(decision.operationLimit())
			.isEqualTo(new OperationLimit(OperationCatalogue.DEVICE_WIPE, 5, Duration.ofHours(1), false));
		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_RETIRE).build()).operationLimit())
			.isNull();
		assertThat(decide(policy, request().build()).operationLimit()).isNull();
	}

	@Test
	void decideWhenOperationLimitRuleReportOnlyThenTheLimitSaysSo() {
		PolicyDecision byRule = decide(
				policy().tenant(licensed(TENANT).operationLimit(OperationCatalogue.DEVICE_WIPE, 5, "PT1H")
					.ruleMode(Rule.OPERATION_LIMIT, "report-only")),
				request().operation(OperationCatalogue.DEVICE_WIPE).build());
		PolicyDecision byTenant = decide(
				policy().tenant(
						licensed(TENANT).mode("report-only").operationLimit(OperationCatalogue.DEVICE_WIPE, 5, "PT1H")),
				request().operation(OperationCatalogue.DEVICE_WIPE).build());

		assertThat(byRule.operationLimit().reportOnly()).isTrue();
		assertThat(byTenant.operationLimit().reportOnly()).isTrue();
	}

	@Test
	void decideWhenTenantSetsItsOwnOperationLimitsThenTheyReplaceTheDefaultsWhole() {
		TestPolicies.Builder policy = policy()
			.defaults((rules) -> rules.license("active")
				.operationLimit(OperationCatalogue.DEVICE_WIPE, 5, "PT1H")
				.operationLimit(OperationCatalogue.DEVICE_RETIRE, 10, "P1D"))
			.tenant(tenant(TENANT).operationLimit(OperationCatalogue.DEVICE_RETIRE, 1, "PT1M"))
			.tenant(tenant(OTHER_TENANT));

		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_WIPE).build()).operationLimit())
			.isNull();
		assertThat(decide(policy, request().operation(OperationCatalogue.DEVICE_RETIRE).build()).operationLimit())
			.isEqualTo(new OperationLimit(OperationCatalogue.DEVICE_RETIRE, 1, Duration.ofMinutes(1), false));
		assertThat(decide(policy, request().tenant(OTHER_TENANT).operation(OperationCatalogue.DEVICE_WIPE).build())
			.operationLimit())
			.isEqualTo(new OperationLimit(OperationCatalogue.DEVICE_WIPE, 5, Duration.ofHours(1), false));
	}

	@Test
	void decideWhenThePolicyNamesAnOperatorsOperationThenTheStoreKnowsItFromTheCatalogue() {
		OperationCatalogue catalogue = TestOperations.catalogue(Map.of("intune-managed-device-sync",
				new OperationDeclaration(null, "POST", "/deviceManagement/managedDevices/{id}/syncDevice",
						Map.of("id", "guid"), List.of("DeviceManagementManagedDevices.PrivilegedOperations.All"), true,
						new OperationDeclaration.Body("none", null, null, null, null, null),
						new OperationDeclaration.Audit("Sync device", "Device", null, "ManagedDevice", null))));
		PolicyEvaluator evaluator = evaluator(
				policy().tenant(licensed(TENANT).operations("intune-managed-device-sync")), catalogue,
				TestLicenseCheckers.appOnlyTokens(), false);
		Operation sync = catalogue.find("intune-managed-device-sync").orElseThrow();

		assertThat(decide(evaluator, request().operation(sync).build()).allowed()).isTrue();
		assertThat(decide(evaluator, request().operation(OperationCatalogue.DEVICE_WIPE).build()).refusal().reason())
			.isEqualTo("operation_not_allowed");
	}

	private static Rules licensed(String tenantId) {
		return tenant(tenantId).license("active");
	}

	/** Makes the default request break {@code rule} under {@code tenant}. */
	private static Rules violating(Rule rule, Rules tenant) {
		return switch (rule) {
			case TENANT -> tenant.enabled(false);
			case CALLER -> tenant.allowedApplications(OTHER_APPLICATION);
			case OPERATION -> tenant.operations(OperationCatalogue.DEVICE_WIPE);
			case TARGET -> tenant.protectedUsers(TARGET_USER);
			case PROPERTIES -> tenant.allowedProperties("jobTitle", "department");
			case FREEZE -> tenant.onceFreeze("release-week", "2026-06-08T00:00", "2026-06-15T00:00", "Europe/Berlin");
			case LICENSE -> tenant.license("inactive");
			case OPERATION_LIMIT -> throw new IllegalArgumentException("counted by the rate limiter, not decided here");
		};
	}

	/** The rules the evaluator decides, in order. */
	private static List<Rule> decidedRules() {
		return Arrays.stream(Rule.values()).filter((rule) -> rule != Rule.OPERATION_LIMIT).toList();
	}

	/** What the refusal message of {@code rule} must name for the default request. */
	private static String namedThing(Rule rule) {
		return switch (rule) {
			case TENANT, LICENSE -> TENANT;
			case CALLER -> APPLICATION;
			case OPERATION -> OperationCatalogue.USER_UPDATE;
			case TARGET -> TARGET_USER;
			case PROPERTIES -> "'displayName'";
			case FREEZE -> "'release-week'";
			case OPERATION_LIMIT -> throw new IllegalArgumentException("counted by the rate limiter, not decided here");
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
		return evaluator(policy, TestOperations.catalogue(), tokens, failOpen);
	}

	private PolicyEvaluator evaluator(TestPolicies.Builder policy, OperationCatalogue catalogue, AppOnlyTokens tokens,
			boolean failOpen) {
		Path file = policy.writeTo(this.directory.resolve("tenants.yml"));
		PolicyStore store = new PolicyStore(file, Duration.ofSeconds(1), Clock.systemUTC(), new SimpleMeterRegistry(),
				catalogue);
		IntuneLicenseChecker licenses = TestLicenseCheckers.against(this.graph.baseUri()).tokens(tokens).build();
		UserResolver users = TestUserResolvers.against(URI.create(this.users.baseUri())).tokens(tokens).build();
		return new PolicyEvaluator(store, licenses, new TargetProtection(users), failOpen);
	}

}
