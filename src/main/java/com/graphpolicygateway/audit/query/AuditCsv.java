package com.graphpolicygateway.audit.query;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * Audit events as CSV, the one writer of the API's export and the page's download: RFC
 * 4180 with every cell quoted, and spreadsheet formulas neutralised the way OWASP's
 * CSV-injection guidance says, wherever a spreadsheet may see a cell start. A summary
 * event fills the three {@code summary} columns: how many refusals it stands for, and
 * between when. The last column, {@code operation}, came later than the others and
 * follows them, so that every other column keeps its place; {@code beforeImage} (how the
 * read of a change's old values went) came after it. A modified property whose old value
 * was read shows {@code name=old → new}.
 * <p>
 * A cell starts at the start of the value and after each character a spreadsheet may be
 * told to split on ({@code , ; | TAB CR LF}, CR LF counting as one). Where such a start
 * is followed (after any apostrophes, then any blanks) by a character that begins a
 * formula ({@code = + - @ TAB CR NUL} and their full-width and small forms, the minus
 * sign), an apostrophe is inserted at the start: spreadsheets take the rest as text. The
 * value stays recoverable: remove one apostrophe at each such start that is followed by
 * apostrophes or blanks and then a formula character.
 */
public final class AuditCsv {

	static final List<String> COLUMNS = List.of("id", "activityDateTime", "activityResult", "decision", "reason",
			"tenantId", "actorType", "actorUserId", "actorUserPrincipalName", "actorApplicationId", "actorIpAddress",
			"targetUserId", "modifiedProperties", "upstreamStatus", "graphRequestId", "correlationId", "policyVersion",
			"latencyMs", "summaryCount", "summaryFirst", "summaryLast", "operation", "beforeImage");

	public static final String HEADER = line(COLUMNS);

	/**
	 * Characters that make a spreadsheet cell a formula (OWASP), with their look-alikes.
	 */
	private static final String FORMULA = "=+-@\t\r\0\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\u2212";

	/** Characters a spreadsheet may be told to split cells (or rows) on. */
	private static final String SEPARATORS = ",;|\t\r\n";

	private AuditCsv() {
	}

	static String row(AuditEventView e) {
		String target = e.resources().isEmpty() ? null : e.resources().get(0).resourceId();
		String properties = e.resources().isEmpty() ? null
				: e.resources()
					.get(0)
					.modifiedProperties()
					.stream()
					.map((p) -> p.displayName() + "=" + ((p.oldValue() != null) ? p.oldValue() + " → " : "")
							+ ((p.newValue() != null) ? p.newValue() : ""))
					.collect(Collectors.joining("; "));
		List<@Nullable Object> values = Arrays.asList(e.id(), e.activityDateTime(), e.activityResult(), e.decision(),
				e.reason(), e.tenantId(), e.actor().type(), e.actor().userId(), e.actor().userPrincipalName(),
				e.actor().applicationId(), e.actor().ipAddress(), target, properties, e.upstreamStatus(),
				e.graphRequestId(), e.correlationId(), e.policyVersion(), e.latencyMs(),
				(e.summary() != null) ? e.summary().count() : null, (e.summary() != null) ? e.summary().first() : null,
				(e.summary() != null) ? e.summary().last() : null, e.operation(), beforeImage(e));
		return line(values);
	}

	/** {@code captured}, or {@code unavailable: <reason>}; empty when not read. */
	private static @Nullable String beforeImage(AuditEventView e) {
		if (e.beforeImage() == null) {
			return null;
		}
		return e.beforeImage().captured() ? e.beforeImage().status()
				: e.beforeImage().status() + ": " + e.beforeImage().reason();
	}

	/** One quoted cell: neutralised, its quotes doubled. */
	static String cell(@Nullable Object value) {
		String text = (value != null) ? neutralise(value.toString()) : "";
		return "\"" + text.replace("\"", "\"\"") + "\"";
	}

	/** The value with an apostrophe at every cell start that a formula follows. */
	static String neutralise(String text) {
		StringBuilder out = null;
		int copied = 0;
		for (int start = 0; start <= text.length(); start = nextStart(text, start)) {
			if (startsFormula(text, start)) {
				if (out == null) {
					out = new StringBuilder(text.length() + 8);
				}
				out.append(text, copied, start).append('\'');
				copied = start;
			}
			if (start == text.length()) {
				break;
			}
		}
		return (out != null) ? out.append(text, copied, text.length()).toString() : text;
	}

	private static String line(List<? extends @Nullable Object> values) {
		return values.stream().map(AuditCsv::cell).collect(Collectors.joining(",")) + "\r\n";
	}

	/**
	 * The next position right after a separator, or the text's length when none is left.
	 */
	private static int nextStart(String text, int from) {
		for (int i = from; i < text.length(); i++) {
			char c = text.charAt(i);
			if (SEPARATORS.indexOf(c) >= 0) {
				// CR LF is one line break: the cell starts after both.
				return (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') ? i + 2 : i + 1;
			}
		}
		return text.length();
	}

	/**
	 * Whether apostrophes, then blanks, then a formula character follow {@code start}.
	 */
	private static boolean startsFormula(String text, int start) {
		int i = start;
		while (i < text.length() && text.charAt(i) == '\'') {
			i++;
		}
		while (i < text.length() && isBlank(text.charAt(i))) {
			i++;
		}
		return i < text.length() && FORMULA.indexOf(text.charAt(i)) >= 0;
	}

	/**
	 * Blanks a spreadsheet may trim before reading a formula: spaces of every width and
	 * invisible format characters (zero-width space, byte order mark, direction marks).
	 */
	private static boolean isBlank(char c) {
		return FORMULA.indexOf(c) < 0 && SEPARATORS.indexOf(c) < 0
				&& (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.getType(c) == Character.FORMAT);
	}

}
