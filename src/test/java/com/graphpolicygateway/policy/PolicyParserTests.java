package com.graphpolicygateway.policy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.TestOperations;
import com.graphpolicygateway.policy.CompiledPolicy.TenantRules;
import com.graphpolicygateway.policy.PolicyDecision.OperationLimit;
import com.graphpolicygateway.policy.PolicyFile.License;
import com.graphpolicygateway.policy.PolicyFile.Mode;
import com.graphpolicygateway.policy.PolicyParser.InvalidPolicyException;
import com.graphpolicygateway.system.OperationDeclaration;

import static com.graphpolicygateway.policy.TestPolicies.OTHER_TENANT;
import static com.graphpolicygateway.policy.TestPolicies.TENANT;
import static com.graphpolicygateway.policy.TestPolicies.UNKNOWN_TENANT;
import static com.graphpolicygateway.policy.TestPolicies.policy;
import static com.graphpolicygateway.policy.TestPolicies.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Reading the policy file: the shipped example and a file with every key parse; every
 * kind of mistake is refused with a message naming the key and, where the file has one,
 * the line.
 */
class PolicyParserTests {

	static final String FULL = """
			defaults:
			  unknown-tenants: allow
			  mode: report-only
			  license: inactive
			  allowed-applications: [ d3590ed6-52b3-4102-aeff-aad2292ab01c ]
			  protected-users: [ Admin@Contoso.example ]
			  allowed-properties: [ displayName ]
			  freezes:
			    - name: maintenance
			      days: [ SUNDAY ]
			      from: "22:00"
			      to: "02:00"
			      zone: Europe/Berlin
			  rule-modes:
			    license: enforce
			tenants:
			  - id: 72F988BF-86F1-41AF-91AB-2D7CD011DB47
			    name: Contoso
			    enabled: true
			    mode: enforce
			    license: active
			    allowed-applications: [ 0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f ]
			    protected-users: [ 5b1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b, BreakGlass@Contoso.example ]
			    allowed-properties: [ displayName, jobTitle ]
			    freezes:
			      - name: year-end
			        start: 2027-12-24T00:00
			        end: 2028-01-02T00:00
			        zone: Europe/Berlin
			    rule-modes:
			      freeze: report-only
			      caller: Report-Only
			  - id: 4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d
			    enabled: false
			""";

	@Test
	void parseWhenShippedExampleThenContosoWithEveryRule() throws Exception {
		CompiledPolicy policy = PolicyParser.parse(Files.readAllBytes(Path.of("config/tenants.yml")),
				"config/tenants.yml");

		assertThat(policy.tenantCount()).isEqualTo(1);
		assertThat(policy.allowsUnknownTenants()).isFalse();
		TenantRules contoso = policy.tenant(TENANT);
		assertThat(contoso.known()).isTrue();
		assertThat(contoso.enabled()).isTrue();
		assertThat(contoso.license()).isEqualTo(License.ACTIVE);
		assertThat(contoso.allowedApplications()).containsExactly("d3590ed6-52b3-4102-aeff-aad2292ab01c");
		assertThat(contoso.protectedUsers()).containsExactlyInAnyOrder("5b1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
				"breakglass@contoso.example");
		assertThat(contoso.allowedProperties()).containsExactlyInAnyOrder("displayname", "jobtitle", "department",
				"officelocation", "mobilephone");
		assertThat(contoso.freezes()).extracting(PolicyFile.Freeze::name).containsExactly("year-end", "weekend");
		assertThat(contoso.mode(Rule.FREEZE)).isEqualTo(Mode.REPORT_ONLY);
		assertThat(contoso.mode(Rule.CALLER)).isEqualTo(Mode.ENFORCE);
	}

	@Test
	void parseWhenEveryKeyThenTenantOverridesDefaultsAndListsReplace() throws Exception {
		CompiledPolicy policy = parse(FULL);

		assertThat(policy.tenantCount()).isEqualTo(2);
		assertThat(policy.allowsUnknownTenants()).isTrue();
		TenantRules contoso = policy.tenant(TENANT);
		assertThat(contoso.name()).isEqualTo("Contoso");
		assertThat(contoso.license()).isEqualTo(License.ACTIVE);
		assertThat(contoso.allowedApplications()).containsExactly("0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
		assertThat(contoso.protectedUsers()).containsExactlyInAnyOrder("5b1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
				"breakglass@contoso.example");
		assertThat(contoso.allowedProperties()).containsExactlyInAnyOrder("displayname", "jobtitle");
		assertThat(contoso.freezes()).singleElement().satisfies((freeze) -> {
			assertThat(freeze.start()).isEqualTo(LocalDateTime.parse("2027-12-24T00:00"));
			assertThat(freeze.end()).isEqualTo(LocalDateTime.parse("2028-01-02T00:00"));
			assertThat(freeze.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
		});
		assertThat(contoso.mode(Rule.TENANT)).isEqualTo(Mode.ENFORCE);
		assertThat(contoso.mode(Rule.CALLER)).isEqualTo(Mode.REPORT_ONLY);
		assertThat(contoso.mode(Rule.FREEZE)).isEqualTo(Mode.REPORT_ONLY);
		assertThat(contoso.mode(Rule.LICENSE)).isEqualTo(Mode.ENFORCE);
		TenantRules disabled = policy.tenant(OTHER_TENANT);
		assertThat(disabled.enabled()).isFalse();
		assertThat(disabled.license()).isEqualTo(License.INACTIVE);
		assertThat(disabled.protectedUsers()).containsExactly("admin@contoso.example");
		assertThat(disabled.mode(Rule.CALLER)).isEqualTo(Mode.REPORT_ONLY);
		assertThat(disabled.freezes()).singleElement().satisfies((freeze) -> {
			assertThat(freeze.days()).containsExactly(DayOfWeek.SUNDAY);
			assertThat(freeze.from()).isEqualTo(LocalTime.of(22, 0));
			assertThat(freeze.to()).isEqualTo(LocalTime.of(2, 0));
		});
		TenantRules unknown = policy.tenant(UNKNOWN_TENANT);
		assertThat(unknown.known()).isFalse();
		assertThat(unknown.enabled()).isTrue();
		assertThat(unknown.mode(Rule.PROPERTIES)).isEqualTo(Mode.REPORT_ONLY);
	}

	@Test
	void parseWhenNothingSetThenBuiltInDefaultsRefuseUnknownTenantsAndAskGraphForLicenses() throws Exception {
		CompiledPolicy policy = policy().tenant(tenant(TENANT)).compile();

		assertThat(policy.allowsUnknownTenants()).isFalse();
		TenantRules contoso = policy.tenant(TENANT);
		assertThat(contoso.enabled()).isTrue();
		assertThat(contoso.license()).isEqualTo(License.AUTO);
		assertThat(contoso.allowedApplications()).isEmpty();
		assertThat(contoso.protectedUsers()).isEmpty();
		assertThat(contoso.allowedProperties()).isEmpty();
		assertThat(contoso.freezes()).isEmpty();
		assertThat(contoso.modes()).containsOnlyKeys(Rule.values()).allSatisfy((rule, mode) -> {
			assertThat(mode).isEqualTo(Mode.ENFORCE);
		});
	}

	@Test
	void parseWhenProtectedUsersResolutionNotSetThenOnAndATenantMayTurnItOff() throws Exception {
		String yaml = """
				defaults:
				  protected-users: [ breakglass@contoso.example ]
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				  - id: 4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d
				    protected-users-resolution: off
				""";

		CompiledPolicy policy = parse(yaml);

		assertThat(policy.tenant(TENANT).resolvesProtectedUsers()).isTrue();
		assertThat(policy.tenant(OTHER_TENANT).resolvesProtectedUsers()).isFalse();
		assertThat(policy.tenant(OTHER_TENANT).protectedUsers()).containsExactly("breakglass@contoso.example");
	}

	@Test
	void parseWhenDefaultsTurnResolutionOffThenATenantMayTurnItOn() throws Exception {
		String yaml = """
				defaults:
				  protected-users-resolution: "off"
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    protected-users-resolution: "on"
				  - id: 4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d
				""";

		CompiledPolicy policy = parse(yaml);

		assertThat(policy.tenant(TENANT).resolvesProtectedUsers()).isTrue();
		assertThat(policy.tenant(OTHER_TENANT).resolvesProtectedUsers()).isFalse();
		assertThat(policy.tenant(UNKNOWN_TENANT).resolvesProtectedUsers()).isFalse();
	}

	@Test
	void parseWhenProtectedUsersResolutionInvalidThenKeyAndLineNamed() {
		String yaml = """
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    protected-users-resolution: sometimes
				""";

		assertThat(invalid(yaml)).contains("tenants[0].protected-users-resolution").contains("line 3");
	}

	@Test
	void parseWhenProtectedUserIsNeitherObjectIdNorPrincipalNameThenRefusedNamingIt() {
		String yaml = """
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    protected-users: [ breakglass@contoso.example, "Break Glass" ]
				""";

		assertThat(invalid(yaml)).contains("tenants[0]").contains("'Break Glass'").contains("line 2");
		assertThat(invalid("""
				defaults:
				  protected-users: [ 5b1f0e2a3c4d4e5f8a9b0c1d2e3f4a5b ]
				""")).contains("'5b1f0e2a3c4d4e5f8a9b0c1d2e3f4a5b'").contains("neither a user object id");
	}

	@Test
	void parseWhenCaptureBeforeNotSetThenOffAndATenantMayCaptureBestEffortOrRequired() throws Exception {
		String yaml = """
				defaults:
				  unknown-tenants: allow
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    capture-before: best-effort
				  - id: 4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d
				    capture-before: required
				""";

		CompiledPolicy policy = parse(yaml);

		assertThat(policy.tenant(TENANT).captureBefore()).isEqualTo(PolicyDecision.CaptureBefore.BEST_EFFORT);
		assertThat(policy.tenant(OTHER_TENANT).captureBefore()).isEqualTo(PolicyDecision.CaptureBefore.REQUIRED);
		assertThat(policy.tenant(UNKNOWN_TENANT).captureBefore()).isEqualTo(PolicyDecision.CaptureBefore.OFF);
	}

	@Test
	void parseWhenDefaultsCaptureBeforeThenTenantsInheritItOrTurnItOff() throws Exception {
		String yaml = """
				defaults:
				  capture-before: required
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				  - id: 4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d
				    capture-before: "off"
				""";

		CompiledPolicy policy = parse(yaml);

		assertThat(policy.tenant(TENANT).captureBefore()).isEqualTo(PolicyDecision.CaptureBefore.REQUIRED);
		assertThat(policy.tenant(OTHER_TENANT).captureBefore()).isEqualTo(PolicyDecision.CaptureBefore.OFF);
	}

	@Test
	void parseWhenCaptureBeforeInvalidThenKeyAndLineNamed() {
		String yaml = """
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    capture-before: always
				""";

		assertThat(invalid(yaml)).startsWith("test.yml: ")
			.contains("tenants[0].capture-before")
			.contains("line 3")
			.contains("always");
	}

	@Test
	void parseWhenBadEnumValueThenKeyAndLineNamed() {
		String yaml = """
				defaults:
				  license: auto
				  mode: enforced
				""";

		assertThat(invalid(yaml)).startsWith("test.yml: ").contains("'defaults.mode'").contains("line 3");
	}

	@Test
	void parseWhenUnknownRuleInRuleModesThenKeyAndLineNamed() {
		String yaml = """
				defaults:
				  rule-modes:
				    frezee: report-only
				""";

		assertThat(invalid(yaml)).contains("frezee").contains("line 3");
	}

	@Test
	void parseWhenTenantIdNotAGuidThenKeyAndLineNamed() {
		String yaml = """
				tenants:
				  - id: contoso.onmicrosoft.com
				    license: active
				""";

		assertThat(invalid(yaml)).contains("tenants[0]").contains("GUID").contains("line 2");
	}

	@Test
	void parseWhenUnknownKeyThenKeyAndLineNamed() {
		String yaml = """
				defaults:
				  license: auto
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    alowed-properties: [ displayName ]
				""";

		assertThat(invalid(yaml)).contains("unknown key 'tenants[0].alowed-properties").contains("line 5");
	}

	@Test
	void parseWhenUnknownTopLevelKeyThenKeyAndLineNamed() {
		String yaml = """
				defaults:
				  license: auto
				tenant:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				""";

		assertThat(invalid(yaml)).contains("unknown key 'tenant[0].id'").contains("line 4");
	}

	@Test
	void parseWhenUnknownTenantsSetOnATenantThenRefused() {
		String yaml = """
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    unknown-tenants: allow
				""";

		assertThat(invalid(yaml)).contains("unknown-tenants").contains("only meaningful in defaults");
	}

	@Test
	void parseWhenTenantListedTwiceThenRefused() {
		String yaml = """
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				  - id: 72F988BF-86F1-41AF-91AB-2D7CD011DB47
				""";

		assertThat(invalid(yaml)).contains("72F988BF-86F1-41AF-91AB-2D7CD011DB47").contains("listed twice");
	}

	@Test
	void parseWhenFreezeHasOnceAndWeeklyFieldsThenKeyAndLineNamed() {
		String yaml = """
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    freezes:
				      - name: confused
				        start: 2027-12-24T00:00
				        end: 2028-01-02T00:00
				        days: [ SATURDAY ]
				        from: "00:00"
				        to: "23:59"
				""";

		assertThat(invalid(yaml)).contains("tenants[0].freezes[0]").contains("not both").contains("line 4");
	}

	@Test
	void parseWhenFreezeZoneUnknownThenKeyNamed() {
		String yaml = """
				defaults:
				  freezes:
				    - start: 2027-12-24T00:00
				      end: 2028-01-02T00:00
				      zone: Europe/Atlantis
				""";

		assertThat(invalid(yaml)).contains("'defaults.freezes[0].zone'").contains("Europe/Atlantis");
	}

	@Test
	void parseWhenNotYamlThenRefusedAsNotYaml() {
		assertThat(invalid("defaults: [ unclosed\ntenants: {")).startsWith("test.yml: not valid YAML");
		assertThat(invalid("defaults:\n\tmode: enforce\n")).startsWith("test.yml: not valid YAML");
	}

	@Test
	void parseWhenPlainTextThenRefused() {
		assertThat(invalid("This is not a policy.")).startsWith("test.yml: ");
	}

	@Test
	void parseWhenTwoYamlDocumentsThenRefused() {
		String yaml = """
				defaults:
				  license: active
				---
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				""";

		assertThat(invalid(yaml)).isEqualTo("test.yml: holds 2 YAML documents; use one");
	}

	@Test
	void versionWhenSameBytesThenSameVersion() throws Exception {
		byte[] content = FULL.getBytes(StandardCharsets.UTF_8);

		String version = PolicyParser.parse(content, "a.yml").version();

		assertThat(version).matches("[0-9a-f]{16}");
		assertThat(PolicyParser.parse(content.clone(), "b.yml").version()).isEqualTo(version);
		assertThat(PolicyParser.version(content)).isEqualTo(version);
	}

	@Test
	void versionWhenBytesDifferThenVersionDiffers() throws Exception {
		String version = parse(FULL).version();

		assertThat(parse(FULL + "# a comment\n").version()).isNotEqualTo(version);
		assertThat(parse(FULL.replace("name: Contoso", "name: Contoso Ltd")).version()).isNotEqualTo(version);
	}

	@Test
	void parseWhenShippedExampleThenContosoLimitsAndProtectsDeviceOperations() throws Exception {
		CompiledPolicy policy = PolicyParser.parse(Files.readAllBytes(Path.of("config/tenants.yml")),
				"config/tenants.yml");

		TenantRules contoso = policy.tenant(TENANT);
		assertThat(contoso.operations()).containsExactlyInAnyOrder(OperationCatalogue.USER_UPDATE,
				OperationCatalogue.DEVICE_WIPE, OperationCatalogue.DEVICE_RETIRE);
		assertThat(contoso.protectedDevices()).containsExactly("0b7c3e5a-9d2f-4c1e-8a6b-3f4e5d6c7b8a");
		assertThat(contoso.operationLimits()).containsOnlyKeys(OperationCatalogue.DEVICE_WIPE,
				OperationCatalogue.DEVICE_RETIRE);
		assertThat(contoso.operationLimits().get(OperationCatalogue.DEVICE_WIPE))
			.isEqualTo(new OperationLimit(OperationCatalogue.DEVICE_WIPE, 5, Duration.ofHours(1), false));
		assertThat(contoso.freezes()).extracting(PolicyFile.Freeze::operations)
			.containsExactly(null, List.of(OperationCatalogue.DEVICE_WIPE, OperationCatalogue.DEVICE_RETIRE));
	}

	@Test
	void parseWhenOperationKeysThenTenantOverridesDefaultsAndListsAndLimitsReplace() throws Exception {
		String yaml = """
				defaults:
				  operations: [ intune-mam-user-update, intune-managed-device-wipe ]
				  protected-devices: [ 0B7C3E5A-9D2F-4C1E-8A6B-3F4E5D6C7B8A ]
				  operation-limits:
				    intune-managed-device-wipe: { max: 5, per: PT1H }
				    intune-managed-device-retire: { max: 20, per: P1D }
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    operations: [ intune-mam-user-wipe-by-device-tag ]
				    protected-devices: [ 5d6c7b8a-3f4e-4c1e-8a6b-0b7c3e5a9d2f ]
				    operation-limits:
				      intune-mam-user-wipe-by-device-tag:
				        max: 1
				        per: PT10M
				  - id: 4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d
				""";

		CompiledPolicy policy = parse(yaml);

		TenantRules contoso = policy.tenant(TENANT);
		assertThat(contoso.operations()).containsExactly(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG);
		assertThat(contoso.protectedDevices()).containsExactly("5d6c7b8a-3f4e-4c1e-8a6b-0b7c3e5a9d2f");
		assertThat(contoso.operationLimits()).containsExactly(Map.entry(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG,
				new OperationLimit(OperationCatalogue.USER_WIPE_BY_DEVICE_TAG, 1, Duration.ofMinutes(10), false)));
		TenantRules inheriting = policy.tenant(OTHER_TENANT);
		assertThat(inheriting.operations()).containsExactlyInAnyOrder(OperationCatalogue.USER_UPDATE,
				OperationCatalogue.DEVICE_WIPE);
		assertThat(inheriting.allows(OperationCatalogue.DEVICE_WIPE)).isTrue();
		assertThat(inheriting.allows(OperationCatalogue.DEVICE_RETIRE)).isFalse();
		assertThat(inheriting.protectedDevices()).containsExactly("0b7c3e5a-9d2f-4c1e-8a6b-3f4e5d6c7b8a");
		assertThat(inheriting.operationLimits()).containsOnlyKeys(OperationCatalogue.DEVICE_WIPE,
				OperationCatalogue.DEVICE_RETIRE);
		assertThat(inheriting.operationLimits().get(OperationCatalogue.DEVICE_RETIRE))
			.isEqualTo(new OperationLimit(OperationCatalogue.DEVICE_RETIRE, 20, Duration.ofDays(1), false));
	}

	@Test
	void parseWhenOperationKeysLeftOutThenEveryOperationAllowedNoDeviceProtectedAndNoLimit() throws Exception {
		TenantRules contoso = policy().tenant(tenant(TENANT)).compile().tenant(TENANT);

		assertThat(contoso.operations()).isNull();
		assertThat(TestOperations.catalogue().operations())
			.allSatisfy((operation) -> assertThat(contoso.allows(operation.id())).isTrue());
		assertThat(contoso.protectedDevices()).isEmpty();
		assertThat(contoso.operationLimits()).isEmpty();
	}

	@Test
	void parseWhenOperationsListedEmptyThenNoOperationAllowed() throws Exception {
		TenantRules contoso = parse("""
				defaults:
				  operations: [ intune-mam-user-update ]
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    operations: []
				""").tenant(TENANT);

		assertThat(contoso.operations()).isEmpty();
		assertThat(contoso.allows(OperationCatalogue.USER_UPDATE)).isFalse();
	}

	@Test
	void parseWhenRuleModesNameTheOperationRulesThenTheyApplyAndTheLimitSaysReportOnly() throws Exception {
		CompiledPolicy policy = parse("""
				defaults:
				  operation-limits:
				    intune-managed-device-wipe: { max: 5, per: PT1H }
				  rule-modes:
				    operation: report-only
				    operation-limit: report-only
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    rule-modes:
				      operation-limit: enforce
				  - id: 4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d
				    mode: report-only
				    rule-modes:
				      operation: enforce
				""");

		TenantRules contoso = policy.tenant(TENANT);
		assertThat(contoso.mode(Rule.OPERATION)).isEqualTo(Mode.REPORT_ONLY);
		assertThat(contoso.mode(Rule.OPERATION_LIMIT)).isEqualTo(Mode.ENFORCE);
		assertThat(contoso.operationLimits().get(OperationCatalogue.DEVICE_WIPE).reportOnly()).isFalse();
		TenantRules other = policy.tenant(OTHER_TENANT);
		assertThat(other.mode(Rule.OPERATION)).isEqualTo(Mode.ENFORCE);
		assertThat(other.mode(Rule.OPERATION_LIMIT)).isEqualTo(Mode.REPORT_ONLY);
		assertThat(other.operationLimits().get(OperationCatalogue.DEVICE_WIPE).reportOnly()).isTrue();
		assertThat(policy.tenant(UNKNOWN_TENANT).operationLimits().get(OperationCatalogue.DEVICE_WIPE).reportOnly())
			.isTrue();
	}

	@Test
	void parseWhenFreezeNamesOperationsThenItFreezesOnlyThose() throws Exception {
		PolicyFile.Freeze freeze = parse("""
				defaults:
				  freezes:
				    - name: no-wipes
				      days: [ SATURDAY ]
				      from: "00:00"
				      to: "00:00"
				      operations: [ intune-managed-device-wipe ]
				""").tenant(UNKNOWN_TENANT).freezes().get(0);

		assertThat(freeze.operations()).containsExactly(OperationCatalogue.DEVICE_WIPE);
		assertThat(freeze.freezes(OperationCatalogue.DEVICE_WIPE)).isTrue();
		assertThat(freeze.freezes(OperationCatalogue.DEVICE_RETIRE)).isFalse();
	}

	@Test
	void parseWhenOperationUnknownThenRefusedNamingTheIdKeyAndLine() {
		String yaml = """
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    operations:
				      - intune-mam-user-update
				      - intune-managed-device-wpie
				""";

		assertThat(invalid(yaml)).startsWith("test.yml: key 'tenants[0].operations[1]' (line 5")
			.contains("no operation 'intune-managed-device-wpie'")
			.contains(OperationCatalogue.DEVICE_WIPE);
	}

	@Test
	void parseWhenOperationLimitOrFreezeNamesAnUnknownOperationThenRefusedNamingIt() {
		assertThat(invalid("""
				defaults:
				  license: auto
				  operation-limits:
				    intune-device-wipe: { max: 5, per: PT1H }
				""")).contains("'defaults.operation-limits.intune-device-wipe' (line 4")
			.contains("no operation 'intune-device-wipe'");
		assertThat(invalid("""
				defaults:
				  freezes:
				    - start: 2027-12-24T00:00
				      end: 2028-01-02T00:00
				      operations: [ intune-managed-device-retire, wipe ]
				""")).contains("'defaults.freezes[0].operations[1]' (line 5").contains("no operation 'wipe'");
	}

	@Test
	void parseWhenOperationSwitchedOffThenStillAcceptedAndAnOperatorsOwnIsKnown() throws Exception {
		OperationCatalogue catalogue = TestOperations.catalogue(Map.of(OperationCatalogue.DEVICE_RETIRE,
				new OperationDeclaration(false, null, null, null, null, null, null, null), "intune-managed-device-sync",
				new OperationDeclaration(null, "POST", "/deviceManagement/managedDevices/{id}/syncDevice",
						Map.of("id", "guid"), List.of("DeviceManagementManagedDevices.PrivilegedOperations.All"), true,
						new OperationDeclaration.Body("none", null, null, null, null, null),
						new OperationDeclaration.Audit("Sync device", "Device", null, "ManagedDevice", null))));
		String yaml = """
				defaults:
				  operations: [ intune-managed-device-retire, intune-managed-device-sync ]
				  operation-limits:
				    intune-managed-device-sync: { max: 100, per: PT1H }
				""";

		TenantRules defaults = parse(yaml, catalogue).tenant(UNKNOWN_TENANT);

		assertThat(defaults.allows(OperationCatalogue.DEVICE_RETIRE)).isTrue();
		assertThat(defaults.operationLimits()).containsOnlyKeys("intune-managed-device-sync");
		assertThat(invalid(yaml)).contains("no operation 'intune-managed-device-sync'");
	}

	@Test
	void parseWhenOperationLimitInvalidThenKeyAndLineNamed() {
		assertThat(invalid("""
				defaults:
				  operation-limits:
				    intune-managed-device-wipe: { max: 0, per: PT1H }
				""")).contains("'defaults.operation-limits.intune-managed-device-wipe'")
			.contains("line 3")
			.contains("max")
			.contains("at least 1");
		assertThat(invalid("""
				defaults:
				  operation-limits:
				    intune-managed-device-wipe: { per: PT1H }
				""")).contains("defaults.operation-limits.intune-managed-device-wipe").contains("needs max");
		assertThat(invalid("""
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    operation-limits:
				      intune-managed-device-wipe: { max: 5, per: PT0.5S }
				""")).contains("tenants[0].operation-limits.intune-managed-device-wipe")
			.contains("line 4")
			.contains("at least a second");
		assertThat(invalid("""
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    operation-limits:
				      intune-managed-device-wipe: { max: 5 }
				""")).contains("tenants[0].operation-limits.intune-managed-device-wipe").contains("needs per");
		assertThat(invalid("""
				defaults:
				  operation-limits:
				    intune-managed-device-wipe: { max: 5, per: an hour }
				""")).contains("'defaults.operation-limits.intune-managed-device-wipe.per'").contains("line 3");
		assertThat(invalid("""
				defaults:
				  operation-limits:
				    intune-managed-device-wipe: { max: 5, per: PT1H, burst: 2 }
				""")).contains("unknown key 'defaults.operation-limits.intune-managed-device-wipe.burst'");
	}

	@Test
	void parseWhenProtectedDeviceIsNotAGuidThenRefusedNamingIt() {
		assertThat(invalid("""
				tenants:
				  - id: 72f988bf-86f1-41af-91ab-2d7cd011db47
				    protected-devices: [ 0b7c3e5a-9d2f-4c1e-8a6b-3f4e5d6c7b8a, DESKTOP-42 ]
				""")).contains("tenants[0]")
			.contains("'DESKTOP-42'")
			.contains("not a managed device id")
			.contains("line 2");
	}

	private static CompiledPolicy parse(String yaml, OperationCatalogue catalogue) throws InvalidPolicyException {
		return PolicyParser.parse(yaml.getBytes(StandardCharsets.UTF_8), "test.yml", catalogue);
	}

	private static CompiledPolicy parse(String yaml) throws InvalidPolicyException {
		return PolicyParser.parse(yaml.getBytes(StandardCharsets.UTF_8), "test.yml");
	}

	private static String invalid(String yaml) {
		InvalidPolicyException ex = catchThrowableOfType(InvalidPolicyException.class, () -> parse(yaml));
		assertThat(ex).as("refused:%n%s", yaml).isNotNull();
		return ex.getMessage();
	}

}
