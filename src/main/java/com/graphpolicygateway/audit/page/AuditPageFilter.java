package com.graphpolicygateway.audit.page;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.util.UriComponentsBuilder;

import com.graphpolicygateway.audit.query.AuditQuery;

/**
 * The audit page's filter form as the user filled it in: blank fields dropped, the
 * {@code datetime-local} times read as UTC, and turned into the query API's parameters
 * (whose checks then apply unchanged).
 *
 * @param entered the non-blank fields, as entered, in form order
 */
public record AuditPageFilter(Map<String, String> entered) {

	/** The form's fields, named like the API's parameters. */
	static final List<String> FIELDS = List.of("tenant", "operation", "actor", "target", "result", "reason", "decision",
			"from", "to", "correlationId");

	static final String SKIP_TOKEN = "$skiptoken";

	public AuditPageFilter {
		entered = Map.copyOf(entered);
	}

	static AuditPageFilter of(MultiValueMap<String, String> parameters) {
		Map<String, String> entered = new LinkedHashMap<>();
		for (String field : FIELDS) {
			String value = parameters.getFirst(field);
			if (value != null && !value.isBlank()) {
				entered.put(field, value.strip());
			}
		}
		return new AuditPageFilter(entered);
	}

	/** The value entered in a field, or the empty string. */
	public String get(String field) {
		return this.entered.getOrDefault(field, "");
	}

	/**
	 * The query API's parameters for this filter and page; a time that is not a date and
	 * time is refused naming its field.
	 */
	MultiValueMap<String, String> apiParameters(@Nullable String skipToken) {
		MultiValueMap<String, String> parameters = new LinkedMultiValueMap<>();
		this.entered.forEach((field, value) -> parameters.add(field,
				(field.equals("from") || field.equals("to")) ? instant(field, value) : value));
		if (skipToken != null && !skipToken.isBlank()) {
			parameters.add(SKIP_TOKEN, skipToken);
		}
		return parameters;
	}

	/** A link to {@code path} with this filter (and a page, when given). */
	String link(String path, @Nullable String skipToken) {
		// Values go in as URI variables, so that every reserved character, '+' included,
		// is encoded.
		UriComponentsBuilder link = UriComponentsBuilder.fromPath(path);
		Map<String, String> values = new LinkedHashMap<>();
		for (String field : FIELDS) {
			if (this.entered.containsKey(field)) {
				link.queryParam(field, "{" + field + "}");
				values.put(field, this.entered.get(field));
			}
		}
		if (skipToken != null) {
			link.queryParam(SKIP_TOKEN, "{skipToken}");
			values.put("skipToken", skipToken);
		}
		return link.encode().buildAndExpand(values).toUriString();
	}

	/** A {@code datetime-local} value (UTC) or an ISO-8601 instant. */
	private static String instant(String field, String value) {
		try {
			return Instant.parse(value).toString();
		}
		catch (DateTimeParseException notAnInstant) {
			try {
				return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC).toString();
			}
			catch (DateTimeParseException ex) {
				throw new AuditQuery.InvalidParameterException(field,
						"must be a date and time (UTC), such as 2026-11-27T10:00");
			}
		}
	}

}
