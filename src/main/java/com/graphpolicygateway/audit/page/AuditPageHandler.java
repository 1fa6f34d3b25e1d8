package com.graphpolicygateway.audit.page;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditReasons;
import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.query.AuditAccess;
import com.graphpolicygateway.audit.query.AuditAccessLog;
import com.graphpolicygateway.audit.query.AuditAccessLog.Kind;
import com.graphpolicygateway.audit.query.AuditAccessLog.Read;
import com.graphpolicygateway.audit.query.AuditEventView;
import com.graphpolicygateway.audit.query.AuditEventsHandler;
import com.graphpolicygateway.audit.query.AuditQuery;
import com.graphpolicygateway.audit.query.JdbcAuditReader;
import com.graphpolicygateway.audit.verify.AuditChainStatus;
import com.graphpolicygateway.audit.verify.AuditVerification;
import com.graphpolicygateway.graph.AuditPagePaths;
import com.graphpolicygateway.identity.Caller;

/**
 * The audit page: a filtered, paged table of events, one event in detail, and the CSV of
 * the current filter, rendered on the server (no script) with the same access rules and
 * queries as the API. Every page shows who is signed in and the chain verification state.
 */
final class AuditPageHandler {

	/** Results an auditor can filter on, in the order the form lists them. */
	static final List<String> RESULTS = List.of("success", "refused", "failure", "unknown", "pending");

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
		.withZone(ZoneOffset.UTC);

	private final AuditEventsHandler events;

	private final AuditAccess access;

	private final AuditAccessLog log;

	private final AuditChainStatus chain;

	private final String auditorPermission;

	private final List<String> operations;

	/**
	 * A page whose operation filter offers {@code operations}: the ids of the catalogue's
	 * operations.
	 */
	AuditPageHandler(AuditEventsHandler events, AuditAccess access, AuditAccessLog log, AuditChainStatus chain,
			String auditorPermission, List<String> operations) {
		Assert.notNull(events, "events cannot be null");
		Assert.notNull(access, "access cannot be null");
		Assert.notNull(log, "log cannot be null");
		Assert.notNull(chain, "chain cannot be null");
		Assert.notNull(operations, "operations cannot be null");
		this.events = events;
		this.access = access;
		this.log = log;
		this.chain = chain;
		this.auditorPermission = auditorPermission;
		this.operations = List.copyOf(operations);
	}

	/** {@code GET /audit}: the table. */
	Mono<ServerResponse> list(ServerRequest request) {
		AuditPageFilter filter = AuditPageFilter.of(request.queryParams());
		String skipToken = request.queryParam(AuditPageFilter.SKIP_TOKEN).orElse(null);
		return page(request).flatMap((model) -> {
			model.put("filter", filter);
			model.put("results", RESULTS);
			model.put("decisions", AuditQuery.DECISIONS);
			model.put("operations", operations(filter));
			model.put("reasons", offered(AuditReasons.ALL, filter.get("reason")));
			model.put("csvLink", filter.link(AuditPagePaths.EXPORT, null));
			model.put("firstPageLink", (skipToken != null) ? filter.link(AuditPagePaths.PAGE, null) : null);
			return table(request, model, filter, skipToken, Kind.PAGE, AuditPagePaths.PAGE, "audit/events",
					this.events::read, Row::of);
		});
	}

	/**
	 * {@code GET /audit/page/access}: the access log's table, for global auditors; a
	 * tenant auditor is refused, and the refusal recorded.
	 */
	Mono<ServerResponse> accessLog(ServerRequest request) {
		AuditPageFilter filter = AuditPageFilter.of(request.queryParams());
		String skipToken = request.queryParam(AuditPageFilter.SKIP_TOKEN).orElse(null);
		return page(request).flatMap((model) -> {
			AuditAccess.Auditor auditor = (AuditAccess.Auditor) model.get("auditor");
			if (!auditor.global()) {
				this.log.refused(request.exchange(), auditor.caller(),
						Read.given(Kind.PAGE_ACCESS_LOG, auditor.tenantId(), request.queryParams()),
						"permission_denied");
				model.put("title", "No access to the access log");
				model.put("message", "Only global auditors may read who read the audit trail.");
				return ServerResponse.status(HttpStatus.FORBIDDEN).render("audit/message", model);
			}
			model.put("filter", filter);
			model.put("results", List.of("success", "refused", "failure", "unknown", "pending"));
			model.put("firstPageLink", (skipToken != null) ? filter.link(AuditPagePaths.ACCESS, null) : null);
			return table(request, model, filter, skipToken, Kind.PAGE_ACCESS_LOG, AuditPagePaths.ACCESS, "audit/access",
					this.events::readAccessLog, AccessRow::of);
		});
	}

	/**
	 * A table of the filter's page, rendered once its read is recorded in the access log.
	 */
	private Mono<ServerResponse> table(ServerRequest request, Map<String, Object> model, AuditPageFilter filter,
			@Nullable String skipToken, Kind kind, String path, String view,
			Function<AuditQuery, Mono<JdbcAuditReader.Page>> reading, Function<AuditEventView, ?> row) {
		AuditAccess.Auditor auditor = (AuditAccess.Auditor) model.get("auditor");
		AuditQuery query;
		try {
			query = AuditAccess.scope(auditor, AuditQuery.parse(filter.apiParameters(skipToken)));
		}
		catch (AuditQuery.InvalidParameterException ex) {
			this.log.refused(request.exchange(), auditor.caller(),
					Read.given(kind, auditor.global() ? null : auditor.tenantId(), request.queryParams()),
					"invalid_request");
			model.put("invalid", new Invalid(ex.parameter(), ex.getMessage()));
			model.put("rows", List.of());
			return ServerResponse.status(HttpStatus.BAD_REQUEST).render(view, model);
		}
		return this.log
			.recorded(request.exchange(), auditor.caller(), Read.of(kind, query), reading.apply(query),
					(page) -> page.events().size())
			.flatMap((page) -> {
				model.put("rows", page.events().stream().map(row).toList());
				if (page.more()) {
					AuditEventView last = page.events().get(page.events().size() - 1);
					model.put("nextPageLink",
							filter.link(path, new AuditQuery.Cursor(last.activityDateTime(), last.id()).encode()));
				}
				return ServerResponse.ok().render(view, model);
			})
			.onErrorResume(AuditUnavailableException.class, (ex) -> unavailable(model));
	}

	/** {@code GET /audit/page/events/{id}}: one event in full. */
	Mono<ServerResponse> event(ServerRequest request) {
		String id = request.pathVariable("id");
		return page(request).flatMap((model) -> {
			AuditAccess.Auditor auditor = (AuditAccess.Auditor) model.get("auditor");
			Read read = new Read(Kind.PAGE_EVENT,
					auditor.global() ? AuditAccessLog.ALL_TENANTS : String.valueOf(auditor.tenantId()), "id=" + id);
			return this.log
				.recorded(request.exchange(), auditor.caller(), read, this.events.find(auditor, id),
						(found) -> found.isPresent() ? 1 : 0)
				.flatMap((found) -> found.map((event) -> {
					model.put("event", event);
					model.put("row", Row.of(event));
					return ServerResponse.ok().render("audit/event", model);
				}).orElseGet(() -> {
					model.put("title", "No such event");
					model.put("message", "No audit event " + id + " is visible to you.");
					return ServerResponse.status(HttpStatus.NOT_FOUND).render("audit/message", model);
				}))
				.onErrorResume(AuditUnavailableException.class, (ex) -> unavailable(model));
		});
	}

	/** {@code GET /audit/page/export.csv}: the current filter's events as CSV. */
	Mono<ServerResponse> export(ServerRequest request) {
		AuditPageFilter filter = AuditPageFilter.of(request.queryParams());
		return this.access.auditor(request).flatMap((auditor) -> {
			AuditQuery query;
			try {
				query = AuditAccess.scope(auditor, AuditQuery.parse(filter.apiParameters(null)));
			}
			catch (AuditQuery.InvalidParameterException ex) {
				this.log.refused(
						request.exchange(), auditor.caller(), Read.given(Kind.PAGE_EXPORT,
								auditor.global() ? null : auditor.tenantId(), request.queryParams()),
						"invalid_request");
				return ServerResponse.status(HttpStatus.BAD_REQUEST).bodyValue(ex.getMessage() + "\n");
			}
			return this.events.exported(request, auditor, Kind.PAGE_EXPORT, query, "csv")
				.onErrorResume(AuditUnavailableException.class,
						(ex) -> ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
							.header("Retry-After", "5")
							.bodyValue("The access to the audit trail cannot be recorded now; try again shortly.\n"));
		});
	}

	/** The read could not be recorded in the access log, so it is not shown. */
	private static Mono<ServerResponse> unavailable(Map<String, Object> model) {
		model.put("title", "Audit trail unavailable");
		model.put("message", "Your read of the audit trail cannot be recorded in its access log now, so it is "
				+ "not shown. Try again in a moment.");
		return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header("Retry-After", "5")
			.render("audit/message", model);
	}

	/** Where a signed-in user without the auditor permission lands. */
	Mono<ServerResponse> forbidden(ServerRequest request) {
		return signedIn(request).flatMap((model) -> {
			model.put("title", "No access to the audit trail");
			model.put("message", "Your account does not hold the " + this.auditorPermission
					+ " application role (or belongs to no tenant). Ask an administrator to assign it to you in "
					+ "the gateway's enterprise application, then sign in again.");
			return ServerResponse.status(HttpStatus.FORBIDDEN).render("audit/message", model);
		});
	}

	/** Shown after signing out. */
	Mono<ServerResponse> signedOut(ServerRequest request) {
		return message(request, HttpStatus.OK, "Signed out", "You have signed out of the audit page.");
	}

	/** Shown when the provider's answer was refused. */
	Mono<ServerResponse> signInFailed(ServerRequest request) {
		return message(request, HttpStatus.UNAUTHORIZED, "Sign-in failed",
				"The sign-in could not be completed: the identity provider refused it, or its answer could not "
						+ "be trusted (wrong tenant, issuer or audience). The gateway's log has the reason.");
	}

	private Mono<ServerResponse> message(ServerRequest request, HttpStatus status, String title, String message) {
		Map<String, Object> model = new HashMap<>();
		model.put("title", title);
		model.put("message", message);
		return csrf(request, model).then(ServerResponse.status(status).render("audit/message", model));
	}

	/**
	 * The model every page shares: who is signed in, the chain banner, the CSRF token.
	 */
	private Mono<Map<String, Object>> page(ServerRequest request) {
		return this.access.auditor(request).flatMap((auditor) -> this.chain.current().flatMap((checked) -> {
			Map<String, Object> model = new HashMap<>();
			model.put("auditor", auditor);
			model.put("user", User.of(auditor.caller(), auditor.global()));
			model.put("chain", ChainBanner.of(checked, auditor.global()));
			return csrf(request, model).thenReturn(model);
		}))
			// Signed in with the role but naming no tenant: nothing to show.
			.switchIfEmpty(Mono.error(() -> new AccessDeniedException("The signed-in user names no tenant")));
	}

	private Mono<Map<String, Object>> signedIn(ServerRequest request) {
		return request.principal().flatMap((principal) -> {
			Map<String, Object> model = new HashMap<>();
			Caller.of(principal).ifPresent((caller) -> model.put("user", User.of(caller, false)));
			return csrf(request, model).thenReturn(model);
		});
	}

	private static Mono<Void> csrf(ServerRequest request, Map<String, Object> model) {
		Mono<CsrfToken> token = request.exchange().getAttribute(CsrfToken.class.getName());
		return (token != null) ? token.doOnNext((csrf) -> model.put("_csrf", csrf)).then() : Mono.empty();
	}

	/**
	 * The operations the filter offers: the catalogue's, and the one a link named when
	 * the catalogue no longer has it (switched off since its events were recorded).
	 */
	private List<String> operations(AuditPageFilter filter) {
		return offered(this.operations, filter.get("operation"));
	}

	/** The choices, and the value a link named when it is not one of them. */
	private static List<String> offered(List<String> choices, String entered) {
		if (entered.isEmpty() || choices.contains(entered)) {
			return choices;
		}
		List<String> offered = new ArrayList<>(choices);
		offered.add(entered);
		return offered;
	}

	private static String time(Instant instant) {
		return TIME.format(instant);
	}

	/**
	 * A filter value the query refused.
	 *
	 * @param parameter the field
	 * @param message why
	 */
	public record Invalid(String parameter, String message) {
	}

	/**
	 * Who is signed in, as the header shows it.
	 *
	 * @param name principal name or object id
	 * @param tenantId their tenant
	 * @param global whether they see every tenant
	 */
	public record User(String name, @Nullable String tenantId, boolean global) {

		static User of(Caller caller, boolean global) {
			String name = (caller.userPrincipalName() != null) ? caller.userPrincipalName()
					: (caller.userId() != null) ? caller.userId() : "unknown user";
			return new User(name, caller.tenantId(), global);
		}

	}

	/**
	 * The banner: whether the trail verified, when, and (for global auditors) where it
	 * broke.
	 *
	 * @param state {@code intact}, {@code broken} or {@code unknown}
	 * @param text what the banner says
	 */
	public record ChainBanner(String state, String text) {

		static ChainBanner of(Optional<AuditChainStatus.Checked> checked, boolean global) {
			if (checked.isEmpty()) {
				return new ChainBanner("unknown",
						"The audit trail's hash chains are being verified; reload in a moment for the result.");
			}
			AuditVerification verification = checked.get().verification();
			String when = " (checked " + time(checked.get().at()) + ")";
			if (verification.intact()) {
				// Only global auditors learn how large the whole trail is.
				String size = global ? ": " + verification.eventsChecked() + " events in " + verification.chains()
						+ ((verification.chains() == 1) ? " hash chain" : " hash chains") + " verified" : "";
				return new ChainBanner("intact", "Audit trail intact" + size + when + ".");
			}
			AuditVerification.BrokenLink broken = verification.firstBrokenLink();
			String where = (global && broken != null) ? " First broken link: chain " + broken.chainId() + ", position "
					+ broken.chainSeq() + " (" + broken.problem() + ")." : "";
			return new ChainBanner("broken", "Audit trail does not verify: events were changed, removed or added "
					+ "outside the gateway" + when + "." + where + " Tell your gateway operator.");
		}

	}

	/**
	 * One entry of the access log as a table row.
	 *
	 * @param time when, in UTC
	 * @param isoTime when, ISO-8601
	 * @param activity what kind of read
	 * @param actor who, and from which address
	 * @param tenant the tenant asked for, or {@code all}
	 * @param filters the read's filters
	 * @param count how many events it returned
	 * @param result the entry's result
	 * @param reason the reason code
	 */
	public record AccessRow(String time, String isoTime, String activity, String actor, String tenant, String filters,
			String count, String result, String reason) {

		static AccessRow of(AuditEventView entry) {
			AuditEvent.Actor actor = entry.actor();
			String who = (actor.userPrincipalName() != null) ? actor.userPrincipalName()
					: (actor.userId() != null) ? actor.userId()
							: (actor.applicationId() != null) ? "app " + actor.applicationId() : "unknown caller";
			if (actor.ipAddress() != null) {
				who += " at " + actor.ipAddress();
			}
			AuditEventView.Resource resource = entry.resources().isEmpty() ? null : entry.resources().get(0);
			return new AccessRow(AuditPageHandler.time(entry.activityDateTime()), entry.activityDateTime().toString(),
					entry.activity(), who, (resource != null) ? resource.resourceId() : "",
					property(resource, AuditAccessLog.FILTERS), property(resource, AuditAccessLog.COUNT),
					entry.activityResult(), entry.reason());
		}

		private static String property(AuditEventView.@Nullable Resource resource, String name) {
			if (resource == null) {
				return "";
			}
			return resource.modifiedProperties()
				.stream()
				.filter((property) -> property.displayName().equals(name) && property.newValue() != null)
				.map(AuditEvent.ModifiedProperty::newValue)
				.findFirst()
				.orElse("");
		}

	}

	/**
	 * One event as a table row.
	 *
	 * @param id event id
	 * @param time when, in UTC
	 * @param isoTime when, ISO-8601
	 * @param operation the operation's id in the catalogue
	 * @param actor who
	 * @param tenantId the caller's tenant
	 * @param target the call's target (a user, a managed device)
	 * @param properties the body's properties' names
	 * @param result the event's result
	 * @param reason the reason code
	 * @param graphStatus Graph's status, or empty
	 */
	public record Row(String id, String time, String isoTime, String operation, String actor, String tenantId,
			String target, String properties, String result, String reason, String graphStatus) {

		static Row of(AuditEventView event) {
			AuditEvent.Actor actor = event.actor();
			String who = (actor.userPrincipalName() != null) ? actor.userPrincipalName()
					: (actor.userId() != null) ? actor.userId() : (actor.applicationId() != null)
							? "app " + actor.applicationId()
							: "unknown caller" + ((actor.ipAddress() != null) ? " at " + actor.ipAddress() : "");
			if (event.summary() != null) {
				who = event.summary().count() + " refusals not recorded one by one";
			}
			AuditEventView.Resource resource = event.resources().isEmpty() ? null : event.resources().get(0);
			String properties = (resource != null) ? String.join(", ",
					resource.modifiedProperties().stream().map(AuditEvent.ModifiedProperty::displayName).toList()) : "";
			return new Row(event.id(), AuditPageHandler.time(event.activityDateTime()),
					event.activityDateTime().toString(), event.operation(), who,
					(event.tenantId() != null) ? event.tenantId() : "", (resource != null) ? resource.resourceId() : "",
					properties, event.activityResult(), event.reason(),
					(event.upstreamStatus() != null) ? event.upstreamStatus().toString() : "");
		}

	}

}
