package com.graphpolicygateway.audit.event;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.graphpolicygateway.policy.Rule;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reasons the audit page offers are the ones the documentation lists: the reason
 * table of {@code docs/audit-trail.md} and the audit reason column of the rules table of
 * {@code docs/tenant-policy.md}.
 */
class AuditReasonsTests {

	private static final Pattern CODE = Pattern.compile("`([a-z]+(?:_[a-z]+)*)`");

	@Test
	void allWhenComparedWithTheDocumentedTablesThenTheSame() throws IOException {
		List<String> auditTrail = Files.readAllLines(Path.of("docs/audit-trail.md"));
		List<String> tenantPolicy = Files.readAllLines(Path.of("docs/tenant-policy.md"));
		Set<String> documented = new LinkedHashSet<>();
		documented.addAll(codes(table(auditTrail, "| reason | when |").map((row) -> firstCell(row))));
		documented.addAll(codes(
				table(tenantPolicy, "| rule | refusal | `error.code` | audit reason |").map((row) -> lastCell(row))));

		assertThat(documented).containsExactlyInAnyOrderElementsOf(AuditReasons.ALL);
	}

	@Test
	void allWhenComparedWithThePolicysRulesThenHoldsEachRulesReason() {
		assertThat(AuditReasons.ALL).containsAll(Stream.of(Rule.values()).map(Rule::reason).toList());
	}

	private static Stream<String> table(List<String> lines, String header) {
		int start = lines.indexOf(header);
		assertThat(start).as("table headed %s", header).isNotNegative();
		return lines.subList(start + 2, lines.size()).stream().takeWhile((line) -> line.startsWith("|"));
	}

	private static String firstCell(String row) {
		return row.split("\\|")[1];
	}

	private static String lastCell(String row) {
		String[] cells = row.split("\\|");
		return cells[cells.length - 1];
	}

	private static List<String> codes(Stream<String> cells) {
		return cells.flatMap((cell) -> {
			Matcher matcher = CODE.matcher(cell);
			Stream.Builder<String> found = Stream.builder();
			while (matcher.find()) {
				found.add(matcher.group(1));
			}
			return found.build();
		}).toList();
	}

}
