package com.graphpolicygateway.audit.query;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for {@link AuditCsv}: RFC 4180 quoting, spreadsheet formula neutralising, and
 * rows that line up with the header.
 */
public class AuditCsvTests {

	@Test
	void cellWhenPlainTextThenQuotedAndUnchanged() {
		assertThat(AuditCsv.cell("adele.vance@contoso.com")).isEqualTo("\"adele.vance@contoso.com\"");
		assertThat(AuditCsv.cell(204)).isEqualTo("\"204\"");
	}

	@Test
	void cellWhenNullThenEmptyQuotedCell() {
		assertThat(AuditCsv.cell(null)).isEqualTo("\"\"");
	}

	@Test
	void cellWhenEmptyThenEmptyQuotedCell() {
		assertThat(AuditCsv.cell("")).isEqualTo("\"\"");
	}

	@Test
	void cellWhenCommaThenQuoted() {
		assertThat(AuditCsv.cell("Vance, Adele")).isEqualTo("\"Vance, Adele\"");
	}

	@Test
	void cellWhenQuoteThenQuotedAndDoubled() {
		assertThat(AuditCsv.cell("the \"boss\"")).isEqualTo("\"the \"\"boss\"\"\"");
	}

	@ParameterizedTest
	@ValueSource(strings = { "line one\nline two", "line one\r\nline two", "cr\ronly" })
	void cellWhenLineBreakThenQuoted(String value) {
		assertThat(AuditCsv.cell(value)).isEqualTo("\"" + value + "\"");
	}

	@ParameterizedTest
	@ValueSource(strings = { "=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd" })
	void cellWhenValueLooksLikeAFormulaThenPrefixedWithApostrophe(String value) {
		String cell = AuditCsv.cell(value);

		assertThat(parse(cell + "\r\n")).containsExactly(List.of("'" + value));
	}

	@Test
	void cellWhenFormulaWithCommaThenPrefixedInsideTheQuotes() {
		assertThat(AuditCsv.cell("=1,2")).isEqualTo("\"'=1,2\"");
	}

	@Test
	void cellWhenFormulaCharacterNotFirstThenUnchanged() {
		assertThat(AuditCsv.cell("a=b+c-d@e")).isEqualTo("\"a=b+c-d@e\"");
	}

	/**
	 * Values whose formula a spreadsheet would run once it splits the cell on one of the
	 * separators it may be set to (European locales: ';'), trims blanks, or reads a
	 * full-width sign as the ASCII one: each neutralised where the formula starts.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("hostileValues")
	void cellWhenAFormulaStartsAfterASeparatorOrBlanksThenNeutralisedThere(String name, String value,
			String neutralised) {
		String cell = AuditCsv.cell(value);

		assertThat(parse(cell + "\r\n")).containsExactly(List.of(neutralised));
		assertNoFormulaCanStart(neutralised);
		assertThat(recover(neutralised)).isEqualTo(value);
	}

	static Stream<Arguments> hostileValues() {
		return Stream.of(arguments("semicolon", "x;=2+5", "x;'=2+5"), arguments("tab", "x\t=2+5", "x\t'=2+5"),
				arguments("comma", "x,=1", "x,'=1"), arguments("pipe", "x|=cmd", "x|'=cmd"),
				arguments("leading space", " =1", "' =1"), arguments("space after separator", "x; =1", "x;' =1"),
				arguments("no-break space", "x;\u00A0+1", "x;'\u00A0+1"),
				arguments("ideographic space", "\u3000=1", "'\u3000=1"),
				arguments("zero-width space", "\u200B=1", "'\u200B=1"),
				arguments("line feed", "x\n@SUM(1)", "x\n'@SUM(1)"), arguments("crlf", "x\r\n@SUM(1)", "x\r\n'@SUM(1)"),
				arguments("carriage return", "x\r-1", "x\r'-1"),
				arguments("every separator", "=1;+2,-3|@4\t=5", "'=1;'+2,'-3|'@4\t'=5"),
				arguments("two separators", "x;;=1", "x;;'=1"),
				arguments("full-width equals", "\uFF1D1+1", "'\uFF1D1+1"),
				arguments("full-width plus", "x;\uFF0B1", "x;'\uFF0B1"),
				arguments("full-width minus", "x;\uFF0D1", "x;'\uFF0D1"),
				arguments("full-width at", "x;\uFF20SUM(1)", "x;'\uFF20SUM(1)"),
				arguments("minus sign", "\u22121+1", "'\u22121+1"), arguments("small equals", "\uFE661", "'\uFE661"),
				arguments("null character", "\u0000=1", "'\u0000=1"),
				arguments("quote then separator", "x\";=1+2", "x\";'=1+2"),
				arguments("OWASP's first example", "=1+2\";=1+2", "'=1+2\";'=1+2"),
				arguments("OWASP's second example", "=1+2'\" ;,=1+2", "'=1+2'\" ;,'=1+2"),
				arguments("apostrophe before a formula", "'=1", "''=1"),
				arguments("apostrophe after a separator", "x;'=1", "x;''=1"),
				arguments("apostrophe and blank", "x;' =1", "x;'' =1"),
				arguments("apostrophe without formula", "x;'y", "x;'y"), arguments("no formula", "x; y", "x; y"),
				arguments("separator last", "x;", "x;"), arguments("formula inside", "x=1;y+2", "x=1;y+2"));
	}

	@Test
	void headerWhenParsedThenOneLineEndingInCrLf() {
		assertThat(AuditCsv.HEADER).endsWith("\r\n");
		assertThat(parse(AuditCsv.HEADER)).singleElement()
			.satisfies((header) -> assertThat(header).startsWith("id", "activityDateTime").doesNotHaveDuplicates());
	}

	@Test
	void rowWhenEventHasEveryFieldThenAsManyColumnsAsTheHeader() {
		AuditEvent event = TestAuditEvents.succeeded(TestAuditEvents.pending().build());

		List<List<String>> rows = parse(AuditCsv.HEADER + AuditCsv.row(view(event)));

		assertThat(rows).hasSize(2);
		assertThat(rows.get(1)).hasSameSizeAs(rows.get(0));
		assertThat(column(rows, "id")).isEqualTo(event.id().toString());
		assertThat(column(rows, "activityDateTime")).isEqualTo(TestAuditEvents.ARRIVED.toString());
		assertThat(column(rows, "activityResult")).isEqualTo("success");
		assertThat(column(rows, "tenantId")).isEqualTo(TestAuditEvents.TENANT);
		assertThat(column(rows, "actorUserPrincipalName")).isEqualTo(TestAuditEvents.USER_PRINCIPAL_NAME);
		assertThat(column(rows, "targetUserId")).isEqualTo(TestAuditEvents.TARGET);
		assertThat(column(rows, "modifiedProperties")).isEqualTo("displayName=Adele Vance; jobTitle=Retail Manager");
		assertThat(column(rows, "upstreamStatus")).isEqualTo("204");
		assertThat(column(rows, "latencyMs")).isEqualTo("42");
	}

	@Test
	void rowWhenBeforeImageCapturedThenOldToNewAndCapturedInTheLastColumn() {
		AuditEvent event = TestAuditEvents.succeeded(TestAuditEvents.pending().build());
		AuditEvent captured = event.withBeforeImage(
				List.of(new AuditEvent.ModifiedProperty("displayName", "Adele V.", "Adele Vance"),
						new AuditEvent.ModifiedProperty("jobTitle", null, "Retail Manager")),
				new AuditEvent.BeforeImage(AuditEvent.BeforeImage.CAPTURED, null, 7L));

		List<List<String>> rows = parse(AuditCsv.HEADER + AuditCsv.row(view(captured)));

		assertThat(rows.get(1)).hasSameSizeAs(rows.get(0));
		assertThat(rows.get(0)).last().isEqualTo("beforeImage");
		assertThat(column(rows, "modifiedProperties"))
			.isEqualTo("displayName=Adele V. → Adele Vance; jobTitle=Retail Manager");
		assertThat(column(rows, "beforeImage")).isEqualTo("captured");
		assertThat(column(rows, "operation")).isEqualTo(event.operation());
	}

	@Test
	void rowWhenBeforeImageUnavailableThenItsReasonAndNoOldValue() {
		AuditEvent event = TestAuditEvents.succeeded(TestAuditEvents.pending().build());
		AuditEvent unavailable = event.withBeforeImage(event.modifiedProperties(),
				new AuditEvent.BeforeImage(AuditEvent.BeforeImage.UNAVAILABLE, "timeout", 2000L));

		List<List<String>> rows = parse(AuditCsv.HEADER + AuditCsv.row(view(unavailable)));

		assertThat(column(rows, "modifiedProperties")).isEqualTo("displayName=Adele Vance; jobTitle=Retail Manager");
		assertThat(column(rows, "beforeImage")).isEqualTo("unavailable: timeout");
	}

	@Test
	void rowWhenSummaryThenItsCountAndTimesInTheLastColumns() {
		AuditEvent summary = new AuditEvent(UUID.randomUUID(), TestAuditEvents.ARRIVED, AuditEvent.ACTIVITY, "Patch",
				"refused", "User", null, AuditEvent.Actor.unknown(null), TestAuditEvents.TENANT, null, List.of(),
				"refuse", "audit_unavailable", null, null, null, null, null,
				new AuditEvent.Summary(1234, TestAuditEvents.ARRIVED, TestAuditEvents.ARRIVED.plusSeconds(1)));

		List<List<String>> rows = parse(AuditCsv.HEADER + AuditCsv.row(view(summary)));

		assertThat(rows.get(1)).hasSameSizeAs(rows.get(0));
		assertThat(column(rows, "summaryCount")).isEqualTo("1234");
		assertThat(column(rows, "summaryFirst")).isEqualTo(TestAuditEvents.ARRIVED.toString());
		assertThat(column(rows, "summaryLast")).isEqualTo(TestAuditEvents.ARRIVED.plusSeconds(1).toString());
		assertThat(column(rows, "reason")).isEqualTo("audit_unavailable");
	}

	@Test
	void rowWhenOptionalFieldsAreNullThenEmptyCellsAndSameColumnCount() {
		AuditEvent event = TestAuditEvents.pending()
			.tenantId(null)
			.correlationId(null)
			.policyVersion(null)
			.targetUserId(null)
			.actor(AuditEvent.Actor.unknown(null))
			.build()
			.completed("refused", "refuse", "token_invalid", null, null, null);

		String row = AuditCsv.row(view(event));
		List<List<String>> rows = parse(AuditCsv.HEADER + row);

		assertThat(row).endsWith("\r\n").doesNotContain("null");
		assertThat(rows.get(1)).hasSameSizeAs(rows.get(0));
		for (String empty : List.of("tenantId", "actorUserId", "actorUserPrincipalName", "actorApplicationId",
				"actorIpAddress", "targetUserId", "modifiedProperties", "upstreamStatus", "graphRequestId",
				"correlationId", "policyVersion", "latencyMs")) {
			assertThat(column(rows, empty)).as(empty).isEmpty();
		}
		assertThat(column(rows, "actorType")).isEqualTo("Unknown");
	}

	@Test
	void rowWhenValuesHoldCommasQuotesNewlinesAndFormulasThenOneRecordWithTheValuesBack() {
		AuditEvent event = TestAuditEvents.pending()
			.correlationId("=cmd|' /C calc'!A0")
			.targetUserId("-evil,\"user\"\r\nnext")
			.actor(new AuditEvent.Actor("Delegated", "@oid", "+upn@contoso.com", "app,id", "203.0.113.7",
					List.of("User.Read")))
			.properties(new AuditEvent.ModifiedProperty("displayName", null, "Vance, \"Adele\"\nline two"),
					new AuditEvent.ModifiedProperty("jobTitle", null, null))
			.build()
			.completed("refused", "refuse", "invalid_request", null, null, 5L);

		List<List<String>> rows = parse(AuditCsv.HEADER + AuditCsv.row(view(event)));

		assertThat(rows).hasSize(2);
		assertThat(rows.get(1)).hasSameSizeAs(rows.get(0));
		assertThat(column(rows, "correlationId")).isEqualTo("'=cmd|' /C calc'!A0");
		assertThat(column(rows, "targetUserId")).isEqualTo("'-evil,\"user\"\r\nnext");
		assertThat(column(rows, "actorUserId")).isEqualTo("'@oid");
		assertThat(column(rows, "actorUserPrincipalName")).isEqualTo("'+upn@contoso.com");
		assertThat(column(rows, "actorApplicationId")).isEqualTo("app,id");
		assertThat(column(rows, "modifiedProperties")).isEqualTo("displayName=Vance, \"Adele\"\nline two; jobTitle=");
	}

	/**
	 * Fails when a spreadsheet could see a formula in {@code neutralised}: at its start
	 * or after any separator, after blanks, unless an apostrophe comes first.
	 */
	public static void assertNoFormulaCanStart(String neutralised) {
		for (String part : neutralised.split("[,;|\t\r\n]", -1)) {
			String trimmed = part.replaceAll("^[\\s\\p{Z}\\p{Cf}]+", "");
			assertThat(trimmed.isEmpty()
					|| "=+-@\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\u2212\u0000".indexOf(trimmed.charAt(0)) < 0
					|| part.startsWith("'"))
				.as("a cell a spreadsheet may split off: [%s] in [%s]", part, neutralised)
				.isTrue();
		}
	}

	/**
	 * The value back from a neutralised cell, by the rule docs/audit-trail.md gives
	 * ("CSV").
	 */
	public static String recover(String neutralised) {
		return neutralised.replaceAll(
				"(^|\r\n|[,;|\t\r\n])'(?='*[\\s\\p{Z}\\p{Cf}&&[^,;|\t\r\n]]*[=+\\-@\t\r\u0000\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\u2212])",
				"$1");
	}

	private static AuditEventView view(AuditEvent event) {
		return AuditEventView.of(event, null, null, null);
	}

	private static String column(List<List<String>> rows, String name) {
		return rows.get(1).get(rows.get(0).indexOf(name));
	}

	/**
	 * Parses RFC 4180 CSV (CRLF records, quoted fields with doubled quotes); fails on
	 * anything else, such as a bare quote inside an unquoted field or a missing final
	 * CRLF.
	 */
	public static List<List<String>> parse(String csv) {
		List<List<String>> records = new ArrayList<>();
		List<String> record = new ArrayList<>();
		StringBuilder field = new StringBuilder();
		int i = 0;
		while (i < csv.length()) {
			if (csv.charAt(i) == '"') {
				i++;
				while (true) {
					assertThat(i).as("closing quote").isLessThan(csv.length());
					char c = csv.charAt(i++);
					if (c == '"') {
						if (i < csv.length() && csv.charAt(i) == '"') {
							field.append('"');
							i++;
							continue;
						}
						break;
					}
					field.append(c);
				}
			}
			else {
				while (i < csv.length() && csv.charAt(i) != ',' && csv.charAt(i) != '\r') {
					assertThat(csv.charAt(i)).as("character of an unquoted field at " + i).isNotIn('"', '\n');
					field.append(csv.charAt(i++));
				}
			}
			assertThat(i).as("record ends with CRLF").isLessThan(csv.length());
			record.add(field.toString());
			field.setLength(0);
			if (csv.charAt(i) == ',') {
				i++;
				continue;
			}
			assertThat(csv.startsWith("\r\n", i)).as("CRLF at " + i).isTrue();
			i += 2;
			records.add(record);
			record = new ArrayList<>();
		}
		return records;
	}

}
