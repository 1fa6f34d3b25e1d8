package com.graphpolicygateway.audit.query;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.util.MultiValueMap;
import org.springframework.web.util.UriUtils;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditRows;
import com.graphpolicygateway.audit.event.StoredInstant;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.system.Ids;

/**
 * The filters of an audit query, parsed and checked from the request's parameters; every
 * bad value is refused naming its parameter.
 *
 * @param tenant only this tenant's events
 * @param operation events of this operation (its catalogue id); the seed's matches the
 * events recorded before the operation was
 * @param actor events whose actor has this object id, principal name or application id
 * @param target events changing this user
 * @param result events with this result
 * @param reason events with this reason code
 * @param decision events with this decision ({@code allow}, {@code refuse} or
 * {@code would_refuse}: a report-only rule's)
 * @param from events at or after this time
 * @param to events before this time
 * @param correlationId events with this client-request-id
 * @param top page size
 * @param after the keyset cursor: events strictly older than this position
 */
public record AuditQuery(@Nullable String tenant, @Nullable String operation, @Nullable String actor,
		@Nullable String target, @Nullable String result, @Nullable String reason, @Nullable String decision,
		@Nullable Instant from, @Nullable Instant to, @Nullable String correlationId, int top, @Nullable Cursor after) {

	public static final int DEFAULT_TOP = 50;

	/** The condition that leaves out the access log's entries. */
	static final String NOT_ACCESS_LOG = "(operation IS NULL OR operation <> '" + OperationCatalogue.AUDIT_READ + "')";

	static final int MAX_TOP = 500;

	static final Set<String> PARAMETERS = Set.of("tenant", "operation", "actor", "target", "result", "reason",
			"decision", "from", "to", "correlationId", "$top", "$skiptoken", "format");

	/** The decisions an event can carry, as the decision filter takes them. */
	public static final List<String> DECISIONS = List.of("allow", "refuse", "would_refuse");

	/** What an operation's id is ({@code graph-gateway.operations.<id>}). */
	private static final Pattern OPERATION_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

	/**
	 * Parses the parameters; throws {@link InvalidParameterException} naming the bad one.
	 */
	public static AuditQuery parse(MultiValueMap<String, String> parameters) {
		for (String name : parameters.keySet()) {
			if (!PARAMETERS.contains(name)) {
				throw new InvalidParameterException(name, "is not a filter of /audit/events (use one of "
						+ String.join(", ", PARAMETERS.stream().sorted().toList()) + ")");
			}
			if (parameters.get(name).size() > 1) {
				throw new InvalidParameterException(name, "is given more than once");
			}
		}
		Instant from = instant(parameters, "from");
		Instant to = instant(parameters, "to");
		if (from != null && to != null && !from.isBefore(to)) {
			throw new InvalidParameterException("from", "must be before to");
		}
		String tenant = text(parameters, "tenant", 64);
		// Tenant ids are stored as Entra issues them: lower case.
		tenant = (tenant != null) ? tenant.toLowerCase(Locale.ROOT) : null;
		if (tenant != null && !Ids.isGuid(tenant)) {
			throw new InvalidParameterException("tenant", "must be a tenant GUID");
		}
		String result = text(parameters, "result", 20);
		if (result != null && !Set.of("success", "failure", "refused", "unknown", "pending").contains(result)) {
			throw new InvalidParameterException("result", "must be success, failure, refused, unknown or pending");
		}
		String decision = text(parameters, "decision", 20);
		if (decision != null && !DECISIONS.contains(decision)) {
			throw new InvalidParameterException("decision", "must be allow, refuse or would_refuse");
		}
		String operation = text(parameters, "operation", 63);
		if (operation != null && !OPERATION_ID.matcher(operation).matches()) {
			throw new InvalidParameterException("operation",
					"must be an operation's id, such as intune-managed-device-wipe");
		}
		return new AuditQuery(tenant, operation, text(parameters, "actor", 320), text(parameters, "target", 1024),
				result, text(parameters, "reason", 100), decision, from, to, text(parameters, "correlationId", 64),
				top(parameters), Cursor.parse(parameters.getFirst("$skiptoken")));
	}

	/** The same filters limited to one tenant. */
	AuditQuery inTenant(String tenantId) {
		return new AuditQuery(tenantId, this.operation, this.actor, this.target, this.result, this.reason,
				this.decision, this.from, this.to, this.correlationId, this.top, this.after);
	}

	/** The same filters from another position. */
	AuditQuery after(Cursor cursor) {
		return new AuditQuery(this.tenant, this.operation, this.actor, this.target, this.result, this.reason,
				this.decision, this.from, this.to, this.correlationId, this.top, cursor);
	}

	AuditQuery withTop(int top) {
		return new AuditQuery(this.tenant, this.operation, this.actor, this.target, this.result, this.reason,
				this.decision, this.from, this.to, this.correlationId, top, this.after);
	}

	/**
	 * The condition of the audit trail's matching events: never an entry of the access
	 * log, whoever asks (global auditors read those through the access log only). Rows
	 * recorded before the operation was stored have none.
	 */
	String eventsWhere(List<Object> arguments) {
		return " WHERE " + NOT_ACCESS_LOG + and(where(arguments));
	}

	/**
	 * The condition of the access log's matching entries: entries belong to no tenant,
	 * and the tenant filter matches the tenant an auditor asked for.
	 */
	String accessLogWhere(List<Object> arguments) {
		return " WHERE tenant_id IS NULL AND operation = '" + OperationCatalogue.AUDIT_READ + "'"
				+ and(where(arguments, "target_user_id"));
	}

	private static String and(String where) {
		return where.isEmpty() ? "" : " AND " + where.substring(" WHERE ".length());
	}

	/**
	 * The filters' SQL condition and its arguments (no user text is ever concatenated
	 * into SQL); {@link #eventsWhere} and {@link #accessLogWhere} say which rows they
	 * filter.
	 */
	String where(List<Object> arguments) {
		return where(arguments, "tenant_id");
	}

	private String where(List<Object> arguments, String tenantColumn) {
		List<String> conditions = new ArrayList<>();
		condition(conditions, arguments, tenantColumn + " = ?", this.tenant);
		// Events recorded before the operation was stored have none: they were the
		// seed's.
		condition(conditions, arguments, AuditEvent.SEED_OPERATION.equals(this.operation)
				? "(operation = ? OR operation IS NULL)" : "operation = ?", this.operation);
		if (this.actor != null) {
			conditions.add("(actor_user_id = ? OR actor_user_principal_name = ? OR actor_application_id = ?)");
			arguments.add(this.actor);
			arguments.add(this.actor);
			arguments.add(this.actor);
		}
		condition(conditions, arguments, "target_user_id = ?", this.target);
		condition(conditions, arguments, "activity_result = ?", this.result);
		condition(conditions, arguments, "reason = ?", this.reason);
		condition(conditions, arguments, "decision = ?", this.decision);
		condition(conditions, arguments, "activity_date_time >= ?", StoredInstant.of(this.from));
		condition(conditions, arguments, "activity_date_time < ?", StoredInstant.of(this.to));
		condition(conditions, arguments, "correlation_id = ?", this.correlationId);
		if (this.after != null) {
			conditions.add("(activity_date_time < ? OR (activity_date_time = ? AND id < ?))");
			arguments.add(new StoredInstant(this.after.time()));
			arguments.add(new StoredInstant(this.after.time()));
			arguments.add(this.after.id());
		}
		return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
	}

	/**
	 * The filters as a query string, in one order, values encoded: what the access log
	 * records of a read. Only values this query parsed, so never a parameter the API does
	 * not take (nor a token a client put in one).
	 */
	public String describe() {
		String filters = describeFilters();
		String page = "$top=" + this.top + ((this.after != null)
				? "&$skiptoken=" + UriUtils.encode(this.after.encode(), StandardCharsets.UTF_8) : "");
		return filters.isEmpty() ? page : filters + "&" + page;
	}

	/** The filters as {@link #describe()} shows them, without the page. */
	public String describeFilters() {
		List<String> parts = new ArrayList<>();
		describe(parts, "tenant", this.tenant);
		describe(parts, "operation", this.operation);
		describe(parts, "actor", this.actor);
		describe(parts, "target", this.target);
		describe(parts, "result", this.result);
		describe(parts, "reason", this.reason);
		describe(parts, "decision", this.decision);
		describe(parts, "from", this.from);
		describe(parts, "to", this.to);
		describe(parts, "correlationId", this.correlationId);
		return String.join("&", parts);
	}

	private static void describe(List<String> parts, String name, @Nullable Object value) {
		if (value != null) {
			parts.add(name + "=" + UriUtils.encode(value.toString(), StandardCharsets.UTF_8));
		}
	}

	private static void condition(List<String> conditions, List<Object> arguments, String sql, @Nullable Object value) {
		if (value != null) {
			conditions.add(sql);
			arguments.add(value);
		}
	}

	private static @Nullable String text(MultiValueMap<String, String> parameters, String name, int maxLength) {
		String value = parameters.getFirst(name);
		if (value == null) {
			return null;
		}
		if (value.isBlank() || value.length() > maxLength) {
			throw new InvalidParameterException(name, "must be 1 to " + maxLength + " characters");
		}
		return value;
	}

	private static @Nullable Instant instant(MultiValueMap<String, String> parameters, String name) {
		String value = parameters.getFirst(name);
		if (value == null) {
			return null;
		}
		try {
			return Instant.parse(value);
		}
		catch (DateTimeParseException ex) {
			throw new InvalidParameterException(name, "must be an ISO-8601 instant such as 2026-11-27T10:00:00Z");
		}
	}

	private static int top(MultiValueMap<String, String> parameters) {
		String value = parameters.getFirst("$top");
		if (value == null) {
			return DEFAULT_TOP;
		}
		try {
			int top = Integer.parseInt(value);
			if (top >= 1 && top <= MAX_TOP) {
				return top;
			}
		}
		catch (NumberFormatException ex) {
			// answered below
		}
		throw new InvalidParameterException("$top", "must be a number from 1 to " + MAX_TOP);
	}

	/**
	 * A position in the newest-first order: events strictly after it are older.
	 *
	 * @param time the event's time
	 * @param id the event's id (ties on time)
	 */
	public record Cursor(Instant time, String id) {

		/**
		 * An id after every event's (ids are compared as text): a cursor at a time with
		 * it is just after every event of that time.
		 */
		static final String LAST_ID = "ffffffff-ffff-ffff-ffff-ffffffffffff";

		public String encode() {
			return Base64.getUrlEncoder()
				.withoutPadding()
				.encodeToString((this.time + "|" + this.id).getBytes(StandardCharsets.UTF_8));
		}

		public static @Nullable Cursor parse(@Nullable String token) {
			if (token == null) {
				return null;
			}
			try {
				String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
				int bar = decoded.indexOf('|');
				String id = decoded.substring(bar + 1);
				if (bar < 0 || !UUID.fromString(id).toString().equals(id)) {
					throw new IllegalArgumentException("not a cursor this API handed out");
				}
				return new Cursor(Instant.parse(decoded.substring(0, bar)), id);
			}
			catch (RuntimeException ex) {
				throw new InvalidParameterException("$skiptoken", "is not a token this API handed out");
			}
		}

	}

	/** A query parameter the API refuses; the message names it. */
	public static final class InvalidParameterException extends RuntimeException {

		private final String parameter;

		public InvalidParameterException(String parameter, String problem) {
			super("Parameter '" + parameter + "' " + problem + ".", null, false, false);
			this.parameter = parameter;
		}

		public String parameter() {
			return this.parameter;
		}

	}

}
