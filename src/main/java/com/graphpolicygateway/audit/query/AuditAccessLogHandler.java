package com.graphpolicygateway.audit.query;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.graphpolicygateway.audit.query.AuditAccessLog.Kind;
import com.graphpolicygateway.audit.query.AuditAccessLog.Read;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;

/**
 * The access log's API, for global auditors only: {@code GET /audit/access} (the filters
 * and paging of {@code /audit/events}, its tenant filter matching the tenant a read asked
 * for) and {@code GET /audit/access/export?format=csv|ndjson}. A tenant auditor is
 * refused 403, and that refusal is recorded in the log too; so is every read of it.
 */
public final class AuditAccessLogHandler {

	/** The list's path, which its next-page links name. */
	public static final String PATH = "/audit/access";

	/** The export's path. */
	public static final String EXPORT_PATH = PATH + "/export";

	private final AuditEventsHandler events;

	private final AuditAccess access;

	private final AuditAccessLog log;

	private final GraphErrorResponder errors;

	public AuditAccessLogHandler(AuditEventsHandler events, AuditAccess access, AuditAccessLog log,
			GraphErrorResponder errors) {
		Assert.notNull(events, "events cannot be null");
		Assert.notNull(access, "access cannot be null");
		Assert.notNull(log, "log cannot be null");
		Assert.notNull(errors, "errors cannot be null");
		this.events = events;
		this.access = access;
		this.log = log;
		this.errors = errors;
	}

	public Mono<ServerResponse> list(ServerRequest request) {
		return this.access.auditor(request)
			.flatMap((auditor) -> auditor.global() ? this.events.listed(request, auditor, Kind.ACCESS_LOG, PATH)
					: refused(request, auditor, Kind.ACCESS_LOG));
	}

	public Mono<ServerResponse> export(ServerRequest request) {
		return this.access.auditor(request)
			.flatMap((auditor) -> auditor.global() ? this.events.exported(request, auditor, Kind.ACCESS_LOG_EXPORT)
					: refused(request, auditor, Kind.ACCESS_LOG_EXPORT));
	}

	private Mono<ServerResponse> refused(ServerRequest request, AuditAccess.Auditor auditor, Kind kind) {
		this.log.refused(request.exchange(), auditor.caller(),
				Read.given(kind, auditor.tenantId(), request.queryParams()), "permission_denied");
		return AuditEventsHandler.error(this.errors, request, HttpStatus.FORBIDDEN,
				GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED,
				"Only global auditors (graph-gateway.audit.global-auditors) may read the audit trail's access log.");
	}

}
