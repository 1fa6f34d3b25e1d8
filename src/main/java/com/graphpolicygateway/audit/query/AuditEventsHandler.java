package com.graphpolicygateway.audit.query;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;

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

	private final JsonMapper json;

	private final PublicLinks links;

	public AuditEventsHandler(JdbcAuditReader reader, AuditAccess access, GraphErrorResponder errors, JsonMapper json,
			PublicLinks links) {
		Assert.notNull(reader, "reader cannot be null");
		Assert.notNull(access, "access cannot be null");
		Assert.notNull(links, "links cannot be null");
		this.reader = reader;
		this.access = access;
		this.errors = errors;
		this.json = json;
		this.links = links;
	}

	public Mono<ServerResponse> list(ServerRequest request) {
		return scoped(request).flatMap((query) -> read(query).flatMap((page) -> {
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("value", page.events());
			if (page.more()) {
				AuditEventView last = page.events().get(page.events().size() - 1);
				body.put("@odata.nextLink", this.links.link(nextPage(request, last)));
			}
			return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
		})).onErrorResume(AuditQuery.InvalidParameterException.class, (ex) -> badRequest(request, ex));
	}

	public Mono<ServerResponse> get(ServerRequest request) {
		String id = request.pathVariable("id");
		return this.access.auditor(request)
			.flatMap((auditor) -> find(auditor, id).flatMap((found) -> found
				.map((event) -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(event))
				.orElseGet(() -> error(request, HttpStatus.NOT_FOUND, GraphErrorCodes.ITEM_NOT_FOUND,
						"No audit event " + id + " is visible to this caller."))));
	}

	public Mono<ServerResponse> export(ServerRequest request) {
		String format = request.queryParam("format").orElse("ndjson");
		if (!format.equals("csv") && !format.equals("ndjson")) {
			return badRequest(request, new AuditQuery.InvalidParameterException("format", "must be csv or ndjson"));
		}
		return scoped(request).flatMap((query) -> exported(query, format))
			.onErrorResume(AuditQuery.InvalidParameterException.class, (ex) -> badRequest(request, ex));
	}

	/** The events of a query as CSV or NDJSON, streamed page by page. */
	public Mono<ServerResponse> exported(AuditQuery query, String format) {
		Flux<String> lines = pages(query.withTop(EXPORT_PAGE).after(null)).concatMapIterable((page) -> page.events())
			.map((event) -> format.equals("csv") ? AuditCsv.row(event) : this.json.writeValueAsString(event) + "\n");
		if (format.equals("csv")) {
			return ServerResponse.ok()
				.contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
				.header("Content-Disposition", "attachment; filename=\"audit-events.csv\"")
				.body(Flux.concat(Flux.just(AuditCsv.HEADER), lines), String.class);
		}
		return ServerResponse.ok()
			.contentType(MediaType.APPLICATION_NDJSON)
			.header("Content-Disposition", "attachment; filename=\"audit-events.ndjson\"")
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

	/** Pages one after another, each read only when the previous one has been sent. */
	private Flux<JdbcAuditReader.Page> pages(AuditQuery query) {
		return read(query).expand((page) -> {
			if (!page.more()) {
				return Mono.empty();
			}
			AuditEventView last = page.events().get(page.events().size() - 1);
			return read(query.after(new AuditQuery.Cursor(last.activityDateTime(), last.id())));
		});
	}

	/**
	 * The request's query, limited to the caller's tenant unless the caller is a global
	 * auditor.
	 */
	private Mono<AuditQuery> scoped(ServerRequest request) {
		return this.access.auditor(request)
			.map((auditor) -> AuditAccess.scope(auditor, AuditQuery.parse(request.queryParams())));
	}

	/**
	 * The next page: this endpoint's own path (not the request's, nor its host) with the
	 * request's parameters, every character of them encoded, and the page's cursor.
	 */
	static String nextPage(ServerRequest request, AuditEventView last) {
		UriComponentsBuilder next = UriComponentsBuilder.fromPath(PATH);
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
		return ServerResponse.status(status)
			.contentType(MediaType.APPLICATION_JSON)
			.header(RequestCorrelation.REQUEST_ID, RequestCorrelation.of(request.exchange()).requestId())
			.bodyValue(errors.document(request.exchange(), code, message));
	}

}
