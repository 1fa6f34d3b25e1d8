package com.graphpolicygateway.audit.query;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import com.graphpolicygateway.audit.event.StoredInstant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for {@link AuditQuery}: parsing of each filter, refusal of each bad value naming
 * its parameter, the keyset cursor, and the SQL condition.
 */
class AuditQueryTests {

	private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

	private static final String CURSOR_ID = "5d6c7b8a-9f0e-4d1c-8b2a-3f4e5d6c7b8a";

	private static final Instant FROM = Instant.parse("2026-11-27T10:00:00.123456Z");

	private static final Instant TO = Instant.parse("2026-11-28T10:00:00Z");

	@Test
	void parseWhenNoParametersThenNoFiltersAndDefaultPage() {
		AuditQuery query = AuditQuery.parse(parameters());

		assertThat(query).isEqualTo(new AuditQuery(null, null, null, null, null, null, null, null, null, null,
				AuditQuery.DEFAULT_TOP, null));
		List<Object> arguments = new ArrayList<>();
		assertThat(query.where(arguments)).isEmpty();
		assertThat(arguments).isEmpty();
	}

	@Test
	void parseWhenEveryFilterGivenThenEachKept() {
		AuditQuery.Cursor cursor = new AuditQuery.Cursor(FROM.plusSeconds(60), CURSOR_ID);

		AuditQuery query = AuditQuery.parse(parameters("tenant", TENANT, "operation", "intune-managed-device-wipe",
				"actor", "megan.bowen@contoso.com", "target", "adele.vance@contoso.com", "result", "refused", "reason",
				"permission_denied", "decision", "refuse", "from", FROM.toString(), "to", TO.toString(),
				"correlationId", "c8b1a7d2-3e4f-4a5b-9c6d-7e8f9a0b1c2d", "$top", "25", "$skiptoken", cursor.encode()));

		assertThat(query).isEqualTo(new AuditQuery(TENANT, "intune-managed-device-wipe", "megan.bowen@contoso.com",
				"adele.vance@contoso.com", "refused", "permission_denied", "refuse", FROM, TO,
				"c8b1a7d2-3e4f-4a5b-9c6d-7e8f9a0b1c2d", 25, cursor));
	}

	@ParameterizedTest
	@ValueSource(strings = { "success", "failure", "refused", "unknown", "pending" })
	void parseWhenResultIsOneOfTheSetThenKept(String result) {
		assertThat(AuditQuery.parse(parameters("result", result)).result()).isEqualTo(result);
	}

	@ParameterizedTest
	@ValueSource(strings = { "allow", "refuse", "would_refuse" })
	void parseWhenDecisionIsOneOfTheSetThenKeptAndFiltered(String decision) {
		AuditQuery query = AuditQuery.parse(parameters("decision", decision));
		List<Object> arguments = new ArrayList<>();

		assertThat(query.decision()).isEqualTo(decision);
		assertThat(query.where(arguments)).isEqualTo(" WHERE decision = ?");
		assertThat(arguments).containsExactly(decision);
	}

	@ParameterizedTest
	@ValueSource(strings = { "1", "50", "500" })
	void parseWhenTopWithinOneTo500ThenKept(String top) {
		assertThat(AuditQuery.parse(parameters("$top", top)).top()).isEqualTo(Integer.parseInt(top));
	}

	@Test
	void parseWhenOnlyFromOrOnlyToThenOpenRange() {
		assertThat(AuditQuery.parse(parameters("from", FROM.toString()))).satisfies((query) -> {
			assertThat(query.from()).isEqualTo(FROM);
			assertThat(query.to()).isNull();
		});
		assertThat(AuditQuery.parse(parameters("to", TO.toString()))).satisfies((query) -> {
			assertThat(query.from()).isNull();
			assertThat(query.to()).isEqualTo(TO);
		});
	}

	@Test
	void parseWhenFormatGivenThenAccepted() {
		// The export shares the filters; its format is checked by the handler.
		assertThat(AuditQuery.parse(parameters("format", "csv"))).isNotNull();
	}

	static Stream<Arguments> badParameters() {
		return Stream.of(arguments(parameters("colour", "red"), "colour"),
				arguments(parameters("Tenant", TENANT), "Tenant"),
				arguments(parameters("$filter", "x eq 1"), "$filter"),
				arguments(parameters("actor", "a", "actor", "b"), "actor"),
				arguments(parameters("$top", "5", "$top", "5"), "$top"),
				arguments(parameters("from", "yesterday"), "from"), arguments(parameters("from", "2026-11-27"), "from"),
				arguments(parameters("to", "2026-11-27T10:00:00"), "to"),
				arguments(parameters("from", TO.toString(), "to", FROM.toString()), "from"),
				arguments(parameters("from", FROM.toString(), "to", FROM.toString()), "from"),
				arguments(parameters("tenant", "contoso"), "tenant"),
				arguments(parameters("tenant", "72f988bf86f141af91ab2d7cd011db47"), "tenant"),
				arguments(parameters("tenant", "1-1-1-1-1"), "tenant"), arguments(parameters("result", "ok"), "result"),
				arguments(parameters("result", "SUCCESS"), "result"),
				arguments(parameters("decision", "deny"), "decision"),
				arguments(parameters("decision", "REFUSE"), "decision"), arguments(parameters("$top", "0"), "$top"),
				arguments(parameters("$top", "501"), "$top"), arguments(parameters("$top", "-1"), "$top"),
				arguments(parameters("$top", "abc"), "$top"), arguments(parameters("$top", ""), "$top"),
				arguments(parameters("actor", " "), "actor"), arguments(parameters("actor", "a".repeat(321)), "actor"),
				arguments(parameters("target", "t".repeat(1025)), "target"),
				arguments(parameters("reason", "r".repeat(101)), "reason"),
				arguments(parameters("correlationId", "c".repeat(65)), "correlationId"),
				arguments(parameters("correlationId", ""), "correlationId"),
				arguments(parameters("operation", ""), "operation"),
				arguments(parameters("operation", "Intune-Managed-Device-Wipe"), "operation"),
				arguments(parameters("operation", "intune managed device wipe"), "operation"),
				arguments(parameters("operation", "-wipe"), "operation"),
				arguments(parameters("operation", "o".repeat(64)), "operation"),
				arguments(parameters("operation", "wipe", "operation", "retire"), "operation"));
	}

	@ParameterizedTest
	@MethodSource("badParameters")
	void parseWhenParameterIsBadThenRefusedNamingIt(MultiValueMap<String, String> parameters, String name) {
		assertThatExceptionOfType(AuditQuery.InvalidParameterException.class)
			.isThrownBy(() -> AuditQuery.parse(parameters))
			.satisfies((ex) -> assertThat(ex.parameter()).isEqualTo(name))
			.withMessageContaining("'" + name + "'");
	}

	@Test
	void parseWhenParameterUnknownThenMessageListsTheFilters() {
		assertThatExceptionOfType(AuditQuery.InvalidParameterException.class)
			.isThrownBy(() -> AuditQuery.parse(parameters("user", "adele")))
			.withMessageContaining("'user'")
			.withMessageContaining("tenant")
			.withMessageContaining("$skiptoken");
	}

	@Test
	void cursorWhenEncodedThenParsesBackToTheSamePosition() {
		AuditQuery.Cursor cursor = new AuditQuery.Cursor(FROM, CURSOR_ID);

		String token = cursor.encode();

		assertThat(token).matches("[A-Za-z0-9_-]+");
		assertThat(AuditQuery.Cursor.parse(token)).isEqualTo(cursor);
		assertThat(AuditQuery.parse(parameters("$skiptoken", token)).after()).isEqualTo(cursor);
	}

	static Stream<String> tamperedTokens() {
		String token = new AuditQuery.Cursor(FROM, CURSOR_ID).encode();
		return Stream.of("", "not a token", token + "x", token.substring(10), token.replace(token.charAt(0), '!'),
				encode(FROM + "|not-a-uuid"), encode("yesterday|" + CURSOR_ID), encode(FROM + CURSOR_ID),
				encode(FROM.toString()), encode("|" + CURSOR_ID), encode("' OR 1=1 --|" + CURSOR_ID));
	}

	@ParameterizedTest
	@MethodSource("tamperedTokens")
	void parseWhenSkipTokenTamperedThenRefusedNamingIt(String token) {
		assertThatExceptionOfType(AuditQuery.InvalidParameterException.class)
			.isThrownBy(() -> AuditQuery.parse(parameters("$skiptoken", token)))
			.satisfies((ex) -> assertThat(ex.parameter()).isEqualTo("$skiptoken"))
			.withMessageContaining("'$skiptoken'");
	}

	@ParameterizedTest
	@ValueSource(
			strings = { "5d6c7b8a-9f0e-4d1c-8b2a-3f4e5d6c7b", "1-1-1-1-1", "5D6C7B8A-9F0E-4D1C-8B2A-3F4E5D6C7B8A" })
	void parseWhenSkipTokenIdIsNotAnIdThisApiHandsOutThenRefusedNamingIt(String id) {
		// A token cut short still decodes: its id loses its last hex digits.
		String token = encode(FROM + "|" + id);

		assertThatExceptionOfType(AuditQuery.InvalidParameterException.class)
			.isThrownBy(() -> AuditQuery.parse(parameters("$skiptoken", token)))
			.satisfies((ex) -> assertThat(ex.parameter()).isEqualTo("$skiptoken"));
	}

	@Test
	void whereWhenEveryFilterGivenThenUserTextOnlyInBoundArguments() {
		String hostile = "x' OR '1'='1' --";
		AuditQuery.Cursor cursor = new AuditQuery.Cursor(FROM.plusSeconds(60), CURSOR_ID);
		AuditQuery query = AuditQuery.parse(parameters("tenant", TENANT, "operation", "intune-managed-device-wipe",
				"actor", hostile + "actor", "target", hostile + "target", "result", "failure", "reason",
				hostile + "reason", "from", FROM.toString(), "to", TO.toString(), "correlationId", hostile + "cid",
				"$skiptoken", cursor.encode()));
		List<Object> arguments = new ArrayList<>();

		String where = query.where(arguments);

		assertThat(where).startsWith(" WHERE ")
			.doesNotContain("'")
			.doesNotContain("--")
			.doesNotContain(TENANT)
			.doesNotContain("wipe")
			.doesNotContain("actor_user_id = x")
			.doesNotContain("failure")
			.doesNotContain("2026");
		assertThat(where.chars().filter((c) -> c == '?').count()).isEqualTo(arguments.size());
		assertThat(arguments).containsExactly(TENANT, "intune-managed-device-wipe", hostile + "actor",
				hostile + "actor", hostile + "actor", hostile + "target", "failure", hostile + "reason",
				new StoredInstant(FROM), new StoredInstant(TO), hostile + "cid", new StoredInstant(cursor.time()),
				new StoredInstant(cursor.time()), CURSOR_ID);
	}

	@Test
	void eventsWhereWhenNoFilterThenEveryEventButTheAccessLogsEntries() {
		List<Object> arguments = new ArrayList<>();

		String where = AuditQuery.parse(parameters()).eventsWhere(arguments);

		assertThat(where).isEqualTo(" WHERE (operation IS NULL OR operation <> 'audit-read')");
		assertThat(arguments).isEmpty();
	}

	@Test
	void eventsWhereWhenFilteredThenTheFiltersAndNeverTheAccessLogsEntries() {
		List<Object> arguments = new ArrayList<>();

		String where = AuditQuery.parse(parameters("tenant", TENANT, "result", "refused")).eventsWhere(arguments);

		assertThat(where).isEqualTo(
				" WHERE (operation IS NULL OR operation <> 'audit-read') AND tenant_id = ? AND activity_result = ?");
		assertThat(arguments).containsExactly(TENANT, "refused");
	}

	@Test
	void accessLogWhereWhenTenantGivenThenTheEntriesThatReadThatTenant() {
		List<Object> arguments = new ArrayList<>();

		String where = AuditQuery.parse(parameters("tenant", TENANT, "actor", "auditor@contoso.com"))
			.accessLogWhere(arguments);

		assertThat(where)
			.startsWith(" WHERE tenant_id IS NULL AND operation = 'audit-read' AND target_user_id = ? AND ")
			.contains("actor_user_id = ?");
		assertThat(arguments).containsExactly(TENANT, "auditor@contoso.com", "auditor@contoso.com",
				"auditor@contoso.com");
	}

	@Test
	void describeWhenFiltersGivenInAnyOrderThenOneOrderValuesEncodedAndThePage() {
		AuditQuery.Cursor cursor = new AuditQuery.Cursor(FROM, CURSOR_ID);

		AuditQuery query = AuditQuery.parse(parameters("$skiptoken", cursor.encode(), "result", "refused", "actor",
				"megan bowen+x@contoso.com", "tenant", TENANT, "$top", "10"));

		assertThat(query.describe()).isEqualTo("tenant=" + TENANT
				+ "&actor=megan%20bowen%2Bx%40contoso.com&result=refused&$top=10&$skiptoken=" + cursor.encode());
		assertThat(query.describeFilters())
			.isEqualTo("tenant=" + TENANT + "&actor=megan%20bowen%2Bx%40contoso.com&result=refused");
	}

	@Test
	void whereWhenActorGivenThenMatchesObjectIdPrincipalNameOrApplicationId() {
		List<Object> arguments = new ArrayList<>();

		String where = AuditQuery.parse(parameters("actor", "megan.bowen@contoso.com")).where(arguments);

		assertThat(where).contains("actor_user_id = ?")
			.contains("actor_user_principal_name = ?")
			.contains("actor_application_id = ?");
		assertThat(arguments).containsExactly("megan.bowen@contoso.com", "megan.bowen@contoso.com",
				"megan.bowen@contoso.com");
	}

	@Test
	void whereWhenOperationGivenThenOnlyThatOperation() {
		List<Object> arguments = new ArrayList<>();

		String where = AuditQuery.parse(parameters("operation", "intune-managed-device-wipe")).where(arguments);

		assertThat(where).isEqualTo(" WHERE operation = ?");
		assertThat(arguments).containsExactly("intune-managed-device-wipe");
	}

	/** Events recorded before the trail stored the operation were all the seed's. */
	@Test
	void whereWhenSeedOperationGivenThenAlsoEventsWithoutOne() {
		List<Object> arguments = new ArrayList<>();

		String where = AuditQuery.parse(parameters("operation", "intune-mam-user-update")).where(arguments);

		assertThat(where).isEqualTo(" WHERE (operation = ? OR operation IS NULL)");
		assertThat(arguments).containsExactly("intune-mam-user-update");
	}

	@Test
	void whereWhenRangeGivenThenFromInclusiveAndToExclusive() {
		List<Object> arguments = new ArrayList<>();

		String where = AuditQuery.parse(parameters("from", FROM.toString(), "to", TO.toString())).where(arguments);

		assertThat(where).isEqualTo(" WHERE activity_date_time >= ? AND activity_date_time < ?");
		assertThat(arguments).containsExactly(new StoredInstant(FROM), new StoredInstant(TO));
	}

	@Test
	void whereWhenCursorGivenThenStrictlyOlderByTimeThenId() {
		AuditQuery.Cursor cursor = new AuditQuery.Cursor(FROM, CURSOR_ID);
		List<Object> arguments = new ArrayList<>();

		String where = AuditQuery.parse(parameters()).after(cursor).where(arguments);

		assertThat(where).isEqualTo(" WHERE (activity_date_time < ? OR (activity_date_time = ? AND id < ?))");
		assertThat(arguments).containsExactly(new StoredInstant(FROM), new StoredInstant(FROM), CURSOR_ID);
	}

	@Test
	void inTenantWhenCalledThenOnlyTenantReplaced() {
		AuditQuery query = AuditQuery.parse(parameters("actor", "megan.bowen@contoso.com", "$top", "7"));

		AuditQuery scoped = query.inTenant(TENANT);

		assertThat(scoped).isEqualTo(new AuditQuery(TENANT, null, "megan.bowen@contoso.com", null, null, null, null,
				null, null, null, 7, null));
	}

	private static MultiValueMap<String, String> parameters(String... namesAndValues) {
		MultiValueMap<String, String> parameters = new LinkedMultiValueMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			parameters.add(namesAndValues[i], namesAndValues[i + 1]);
		}
		return parameters;
	}

	private static String encode(String decoded) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(decoded.getBytes(StandardCharsets.UTF_8));
	}

}
