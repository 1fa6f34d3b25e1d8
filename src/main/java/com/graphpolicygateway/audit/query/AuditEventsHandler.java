package com.graphpolicygateway.audit.query;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;

import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.query.AuditAccessLog.Kind;
import com.graphpolicygateway.audit.query.AuditAccessLog.Read;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.system.PublicLinks;

/**
 * The auditors' API: {@code GET /audit/events} (filters, newest first, pages answered the
 * way Graph pages, with {@code @odata.nextLink}), {@code GET /audit/events/{id}} and
 * {@code GET /audit/events/export?format=csv|ndjson} (streamed page by page, so memory
 * does not grow with the range). A tenant auditor sees only the tenant in their token;
 * configured global auditors see all. Database reads run off the event loop.
 */
public final class AuditEventsHandler {

	/** The list's path, which its next-page links name. */
	public static final String PATH = "/audit/events";

	private static final String SKIP_TOKEN = "$skiptoken";

	private static final int EXPORT_PAGE = 500;

	private final JdbcAuditReader reader;

	private final AuditAccess access;

	private final GraphErrorResponder errors;

	private final AuditAccessLog log;

	private final JsonMapper json;

	private final PublicLinks links;

	private final Clock clock;

	public AuditEventsHandler(JdbcAuditReader reader, AuditAccess access, AuditAccessLog log,
			GraphErrorResponder errors, JsonMapper json, PublicLinks links, Clock clock) {
		Assert.notNull(reader, "reader cannot be null");
		Assert.notNull(access, "access cannot be null");
		Assert.notNull(log, "log cannot be null");
		Assert.notNull(links, "links cannot be null");
		Assert.notNull(clock, "clock cannot be null");
		this.reader = reader;
		this.access = access;
		this.log = log;
		this.errors = errors;
		this.json = json;
		this.links = links;
		this.clock = clock;
	}

	public Mono<ServerResponse> list(ServerRequest request) {
		return this.access.auditor(request).flatMap((auditor) -> listed(request, auditor, Kind.EVENTS, PATH));
	}

	/**
	 * A page of the trail's events, or with {@link Kind#ACCESS_LOG} of the access log's
	 * entries, answered the way Graph pages, the read recorded in the access log.
	 */
	Mono<ServerResponse> listed(ServerRequest request, AuditAccess.Auditor auditor, Kind kind, String path) {
		AuditQuery query;
		try {
			query = AuditAccess.scope(auditor, AuditQuery.parse(request.queryParams()));
		}
		catch (AuditQuery.InvalidParameterException ex) {
			this.log.refused(request.exchange(), auditor.caller(),
					Read.given(kind, tenantOf(auditor), request.queryParams()), "invalid_request");
			return badRequest(request, ex);
		}
		Mono<JdbcAuditReader.Page> page = kind.readsAccessLog() ? readAccessLog(query) : read(query);
		return this.log
			.recorded(request.exchange(), auditor.caller(), Read.of(kind, query), page, (read) -> read.events().size())
			.flatMap((read) -> {
				Map<String, Object> body = new LinkedHashMap<>();
				body.put("value", read.events());
				if (read.more()) {
					AuditEventView last = read.events().get(read.events().size() - 1);
					body.put("@odata.nextLink", this.links.link(nextPage(path, request, last)));
				}
				return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
			})
			.onErrorResume(AuditUnavailableException.class, (ex) -> AuditAccessLog.unavailable(this.errors, request));
	}

	public Mono<ServerResponse> get(ServerRequest request) {
		String id = request.pathVariable("id");
		return this.access.auditor(request)
			.flatMap((auditor) -> this.log
				.recorded(request.exchange(), auditor.caller(), new Read(Kind.EVENT, tenantOf(auditor), "id=" + id),
						find(auditor, id), (found) -> found.isPresent() ? 1 : 0)
				.flatMap((found) -> found
					.map((event) -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(event))
					.orElseGet(() -> error(request, HttpStatus.NOT_FOUND, GraphErrorCodes.ITEM_NOT_FOUND,
							"No audit event " + id + " is visible to this caller.")))
				.onErrorResume(AuditUnavailableException.class,
						(ex) -> AuditAccessLog.unavailable(this.errors, request)));
	}

	public Mono<ServerResponse> export(ServerRequest request) {
		return this.access.auditor(request).flatMap((auditor) -> exported(request, auditor, Kind.EXPORT));
	}

	/**
	 * The trail's events, or with {@link Kind#ACCESS_LOG_EXPORT} the access log's
	 * entries, as CSV or NDJSON, the export recorded in the access log.
	 */
	Mono<ServerResponse> exported(ServerRequest request, AuditAccess.Auditor auditor, Kind kind) {
		String format = request.queryParam("format").orElse("ndjson");
		AuditQuery query;
		try {
			if (!format.equals("csv") && !format.equals("ndjson")) {
				throw new AuditQuery.InvalidParameterException("format", "must be csv or ndjson");
			}
			query = AuditAccess.scope(auditor, AuditQuery.parse(request.queryParams()));
		}
		catch (AuditQuery.InvalidParameterException ex) {
			this.log.refused(request.exchange(), auditor.caller(),
					Read.given(kind, tenantOf(auditor), request.queryParams()), "invalid_request");
			return badRequest(request, ex);
		}
		return exported(request, auditor, kind, query, format).onErrorResume(AuditUnavailableException.class,
				(ex) -> AuditAccessLog.unavailable(this.errors, request));
	}

	/**
	 * The events of a query as CSV or NDJSON, streamed page by page, once the export's
	 * entry in the access log is committed with the number of events: those that match
	 * when the export starts (newer ones are left out), and no more than that are sent.
	 * Fails with {@link AuditUnavailableException} when the entry cannot be committed.
	 */
	public Mono<ServerResponse> exported(ServerRequest request, AuditAccess.Auditor auditor, Kind kind,
			AuditQuery query, String format) {
		boolean accessLog = kind.readsAccessLog();
		AuditQuery snapshot = query.withTop(EXPORT_PAGE)
			.after(new AuditQuery.Cursor(this.clock.instant(), AuditQuery.Cursor.LAST_ID));
		Mono<Long> counted = Mono.fromCallable(() -> this.reader.count(snapshot, accessLog))
			.subscribeOn(Schedulers.boundedElastic());
		String filters = query.describeFilters();
		Read read = Read.of(kind, query, (filters.isEmpty() ? "" : filters + "&") + "format=" + format);
		return this.log.recorded(request.exchange(), auditor.caller(), read, counted, (count) -> count)
			.flatMap((count) -> respond(format, kind,
					pages(snapshot, accessLog).concatMapIterable((page) -> page.events())
						.take(count)
						.map((event) -> format.equals("csv") ? AuditCsv.row(event)
								: this.json.writeValueAsString(event) + "\n")));
	}

	private static Mono<ServerResponse> respond(String format, Kind kind, Flux<String> lines) {
		String name = kind.readsAccessLog() ? "audit-access" : "audit-events";
		if (format.equals("csv")) {
			return ServerResponse.ok()
				.contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
				.header("Content-Disposition", "attachment; filename=\"" + name + ".csv\"")
				.body(Flux.concat(Flux.just(AuditCsv.HEADER), lines), String.class);
		}
		return ServerResponse.ok()
			.contentType(MediaType.APPLICATION_NDJSON)
			.header("Content-Disposition", "attachment; filename=\"" + name + ".ndjson\"")
			.body(lines, String.class);
	}

	/** The event with this id, if the auditor may see it. */
	public Mono<Optional<AuditEventView>> find(AuditAccess.Auditor auditor, String id) {
		return Mono.fromCallable(() -> this.reader.find(id).filter((event) -> auditor.sees(event.tenantId())))
			.subscribeOn(Schedulers.boundedElastic());
	}

	/** One page of a query's events. */
	public Mono<JdbcAuditReader.Page> read(AuditQuery query) {
		return Mono.fromCallable(() -> this.reader.page(query)).subscribeOn(Schedulers.boundedElastic());
	}

	/** One page of a query's entries of the access log. */
	public Mono<JdbcAuditReader.Page> readAccessLog(AuditQuery query) {
		return Mono.fromCallable(() -> this.reader.accessLogPage(query)).subscribeOn(Schedulers.boundedElastic());
	}

	/** The tenant a read by this auditor names when its filters do not say. */
	static @Nullable String tenantOf(AuditAccess.Auditor auditor) {
		return auditor.global() ? null : auditor.tenantId();
	}

	/** Pages one after another, each read only when the previous one has been sent. */
	private Flux<JdbcAuditReader.Page> pages(AuditQuery query, boolean accessLog) {
		Function<AuditQuery, Mono<JdbcAuditReader.Page>> reading = accessLog ? this::readAccessLog : this::read;
		return reading.apply(query).expand((page) -> {
			if (!page.more()) {
				return Mono.empty();
			}
			AuditEventView last = page.events().get(page.events().size() - 1);
			return reading.apply(query.after(new AuditQuery.Cursor(last.activityDateTime(), last.id())));
		});
	}

	/**
	 * The next page: this endpoint's own path (not the request's, nor its host) with the
	 * request's parameters, every character of them encoded, and the page's cursor.
	 */
	static String nextPage(String path, ServerRequest request, AuditEventView last) {
		UriComponentsBuilder next = UriComponentsBuilder.fromPath(path);
		request.queryParams().forEach((name, values) -> {
			if (!name.equals(SKIP_TOKEN)) {
				values.forEach((value) -> next.queryParam(UriUtils.encodeQueryParam(name, StandardCharsets.UTF_8),
						UriUtils.encode(value, StandardCharsets.UTF_8)));
			}
		});
		next.queryParam(SKIP_TOKEN, UriUtils.encode(new AuditQuery.Cursor(last.activityDateTime(), last.id()).encode(),
				StandardCharsets.UTF_8));
		return next.build(true).toUriString();
	}

	private Mono<ServerResponse> badRequest(ServerRequest request, AuditQuery.InvalidParameterException ex) {
		return error(request, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, ex.getMessage());
	}

	private Mono<ServerResponse> error(ServerRequest request, HttpStatus status, String code, String message) {
		return error(this.errors, request, status, code, message);
	}

	/** An auditors' endpoint's refusal, in Graph's error shape. */
	static Mono<ServerResponse> error(GraphErrorResponder errors, ServerRequest request, HttpStatus status, String code,
			String message) {
		return error(errors, request, status, code, message, (headers) -> {
		});
	}

	/** An auditors' endpoint's refusal, in Graph's error shape, with more headers. */
	static Mono<ServerResponse> error(GraphErrorResponder errors, ServerRequest request, HttpStatus status, String code,
			String message, Consumer<HttpHeaders> headers) {
		return ServerResponse.status(status)
			.contentType(MediaType.APPLICATION_JSON)
			.header(RequestCorrelation.REQUEST_ID, RequestCorrelation.of(request.exchange()).requestId())
			.headers(headers)
			.bodyValue(errors.document(request.exchange(), code, message));
	}

}
