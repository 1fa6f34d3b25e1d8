package com.graphpolicygateway.audit.query;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.query.AuditAccessLog.Kind;
import com.graphpolicygateway.audit.query.AuditAccessLog.Read;
import com.graphpolicygateway.audit.signing.AuditCheckpointJson;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.identity.Caller;

/**
 * {@code GET /audit/checkpoints}: the signed checkpoints of every chain (or of
 * {@code chainId}), oldest first, as JSON ({@code {"value":[...]}}) or, with
 * {@code format=ndjson}, one record per line, the file {@code --verify-audit
 * --checkpoints} reads. Checkpoints hold no tenant's data (positions, hashes, counts), so
 * every auditor may read them. Database reads run off the event loop.
 */
public final class AuditCheckpointsHandler {

	private static final Set<String> PARAMETERS = Set.of("chainId", "format");

	private final JdbcTemplate jdbc;

	private final AuditAccessLog log;

	private final GraphErrorResponder errors;

	private final JsonMapper json;

	public AuditCheckpointsHandler(JdbcTemplate jdbc, AuditAccessLog log, GraphErrorResponder errors, JsonMapper json) {
		Assert.notNull(jdbc, "jdbc cannot be null");
		Assert.notNull(log, "log cannot be null");
		Assert.notNull(errors, "errors cannot be null");
		Assert.notNull(json, "json cannot be null");
		this.jdbc = jdbc;
		this.log = log;
		this.errors = errors;
		this.json = json;
	}

	public Mono<ServerResponse> list(ServerRequest request) {
		return request.principal()
			.map(Caller::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((caller) -> list(request, caller.orElse(null)));
	}

	private Mono<ServerResponse> list(ServerRequest request, @Nullable Caller caller) {
		for (Map.Entry<String, List<String>> parameter : request.queryParams().entrySet()) {
			if (!PARAMETERS.contains(parameter.getKey()) || parameter.getValue().size() != 1) {
				return badRequest(request, caller, "Unknown or repeated parameter " + parameter.getKey()
						+ " (allowed once each: chainId, format).");
			}
		}
		String format = request.queryParam("format").orElse("json");
		if (!format.equals("json") && !format.equals("ndjson")) {
			return badRequest(request, caller, "Parameter format must be json or ndjson.");
		}
		String chainId = request.queryParam("chainId").orElse(null);
		if (chainId != null && !chainId.matches("[0-9a-fA-F-]{1,36}")) {
			return badRequest(request, caller, "Parameter chainId must be a chain id (a GUID).");
		}
		String filters = ((chainId != null) ? "chainId=" + chainId + "&" : "") + "format=" + format;
		Mono<List<Map<String, Object>>> records = this.log.recorded(request.exchange(), caller,
				new Read(Kind.CHECKPOINTS, AuditAccessLog.ALL_TENANTS, filters),
				Mono.fromCallable(() -> read(chainId)).subscribeOn(Schedulers.boundedElastic()), List::size);
		if (format.equals("ndjson")) {
			// Recorded before the answer starts: the lines are read in full first.
			return records
				.flatMap((list) -> ServerResponse.ok()
					.contentType(MediaType.APPLICATION_NDJSON)
					.header("Content-Disposition", "attachment; filename=\"audit-checkpoints.ndjson\"")
					.body(Flux.fromIterable(list).map((record) -> this.json.writeValueAsString(record) + "\n"),
							String.class))
				.onErrorResume(AuditUnavailableException.class,
						(ex) -> AuditAccessLog.unavailable(this.errors, request));
		}
		return records.flatMap(
				(list) -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", list)))
			.onErrorResume(AuditUnavailableException.class, (ex) -> AuditAccessLog.unavailable(this.errors, request));
	}

	private List<Map<String, Object>> read(@Nullable String chainId) {
		String order = " ORDER BY created_at, chain_id, checkpoint_seq";
		return (chainId != null)
				? this.jdbc.query(AuditCheckpoint.SELECT + " WHERE chain_id = ?" + order,
						(rs, row) -> AuditCheckpointJson.record(AuditCheckpoint.fromRow(rs)), chainId)
				: this.jdbc.query(AuditCheckpoint.SELECT + order,
						(rs, row) -> AuditCheckpointJson.record(AuditCheckpoint.fromRow(rs)));
	}

	private Mono<ServerResponse> badRequest(ServerRequest request, @Nullable Caller caller, String message) {
		this.log.refused(request.exchange(), caller,
				Read.given(Kind.CHECKPOINTS, AuditAccessLog.ALL_TENANTS, request.queryParams()), "invalid_request");
		return AuditEventsHandler.error(this.errors, request, HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST,
				message);
	}

}
