package com.graphpolicygateway.audit.query;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.util.Assert;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriUtils;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.write.AuditEventFactory;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.system.ConnectionEventLoops;
import com.graphpolicygateway.system.Ids;

/**
 * Records every read of the audit trail (a query, an export, a verification, a page view,
 * a read of this log) as an event of the trail itself, written by the audit writer: the
 * access log has the trail's durability, hash chains, MACs, checkpoints and sinks. An
 * entry is of the reserved operation {@link OperationCatalogue#AUDIT_READ}, belongs to no
 * tenant (so no tenant's query ever matches it), names the auditor as an event names its
 * actor, and its resource is the tenant asked for ({@code all} or its id), with the
 * filters and how many events the read returned as its properties.
 * <p>
 * A read that is answered is recorded before the answer leaves: its entry is committed
 * like a call's pending event, and a read whose entry cannot be committed in time is
 * refused (fail closed). A refused read is recorded whole, as the gateway records its
 * other refusals.
 */
public final class AuditAccessLog {

	/** The category of the access log's entries. */
	public static final String CATEGORY = "AuditLog";

	/** The resource type of the access log's entries: the trail that was read. */
	public static final String RESOURCE_TYPE = "AuditTrail";

	/** The reason of a read that was answered. */
	public static final String REASON = "audit_read";

	/** The tenant a read of every tenant names. */
	public static final String ALL_TENANTS = "all";

	/** The property that holds a read's filters. */
	public static final String FILTERS = "filters";

	/** The property that holds how many events a read returned. */
	public static final String COUNT = "count";

	private static final int MAX_FILTERS_LENGTH = 4000;

	private static final String RECORDED = AuditAccessLog.class.getName() + ".recorded";

	private final AuditWriter writer;

	private final Clock clock;

	private final Duration writeTimeout;

	public AuditAccessLog(AuditWriter writer, Clock clock, Duration writeTimeout) {
		Assert.notNull(writer, "writer cannot be null");
		Assert.notNull(clock, "clock cannot be null");
		Assert.notNull(writeTimeout, "writeTimeout cannot be null");
		this.writer = writer;
		this.clock = clock;
		this.writeTimeout = writeTimeout;
	}

	/**
	 * The result of a read, once its entry, with the count of what it returned, is
	 * committed; fails with {@link AuditUnavailableException} when that entry cannot be
	 * committed in time (the read is then recorded as refused), or when the read itself
	 * fails (the database is down: it is recorded as failed, once the database is back).
	 */
	public <T> Mono<T> recorded(ServerWebExchange exchange, @Nullable Caller caller, Read read, Mono<T> result,
			ToLongFunction<T> count) {
		return Mono.defer(() -> {
			exchange.getAttributes().put(RECORDED, Boolean.TRUE);
			Instant arrived = this.clock.instant();
			return result.onErrorMap((ex) -> !(ex instanceof AuditUnavailableException), (ex) -> {
				long latency = Math.max(0, this.clock.millis() - arrived.toEpochMilli());
				this.writer.refused(entry(exchange, caller, read, 0, arrived, "failure", "allow", "audit_unavailable")
					.completed("failure", "allow", "audit_unavailable", null, null, latency));
				return new AuditUnavailableException("The audit trail could not be read: " + ex.getMessage());
			}).flatMap((value) -> record(exchange, caller, read, count.applyAsLong(value), arrived).thenReturn(value));
		});
	}

	/**
	 * Whether the read of this exchange has its entry already (recorded, or being
	 * recorded).
	 */
	public static boolean isRecordedOn(ServerWebExchange exchange) {
		return exchange.getAttribute(RECORDED) != null;
	}

	/** Records a read that was refused, for {@code reason}. */
	public void refused(ServerWebExchange exchange, @Nullable Caller caller, Read read, String reason) {
		exchange.getAttributes().put(RECORDED, Boolean.TRUE);
		Instant now = this.clock.instant();
		AuditEvent entry = entry(exchange, caller, read, 0, now, "refused", "refuse", reason);
		this.writer.refused(entry.completed("refused", "refuse", reason, null, null, 0L));
	}

	/**
	 * A read not answered because the trail could not be read or its entry in the access
	 * log not committed: 503, as a call whose audit event could not be.
	 */
	public static Mono<ServerResponse> unavailable(GraphErrorResponder errors, ServerRequest request) {
		return AuditEventsHandler.error(errors, request, HttpStatus.SERVICE_UNAVAILABLE,
				GraphErrorCodes.SERVICE_NOT_AVAILABLE,
				"The gateway cannot read the audit trail, or record this read in its access log, now; "
						+ "the read was not answered.",
				(headers) -> headers.set(HttpHeaders.RETRY_AFTER, "5"));
	}

	private Mono<Void> record(ServerWebExchange exchange, @Nullable Caller caller, Read read, long count,
			Instant arrived) {
		AuditEvent entry = entry(exchange, caller, read, count, arrived, AuditEvent.PENDING, "allow", REASON);
		AtomicBoolean closed = new AtomicBoolean();
		Scheduler connectionLoop = ConnectionEventLoops.schedulerOf(exchange);
		return Mono.fromFuture(() -> this.writer.open(entry))
			.timeout(this.writeTimeout, connectionLoop)
			.publishOn(connectionLoop)
			.doOnSuccess((committed) -> close(entry, closed, "success", "allow", REASON))
			.doOnCancel(() -> close(entry, closed, "failure", "allow", "client_disconnected"))
			.onErrorMap((ex) -> {
				close(entry, closed, "refused", "refuse", "audit_unavailable");
				return new AuditUnavailableException("The access to the audit trail could not be recorded");
			});
	}

	/**
	 * Writes the entry's outcome once: its pending row is closed when it reached the
	 * database, otherwise the entry is inserted whole.
	 */
	private void close(AuditEvent entry, AtomicBoolean closed, String result, String decision, String reason) {
		if (closed.compareAndSet(false, true)) {
			long latency = Math.max(0, this.clock.millis() - entry.activityDateTime().toEpochMilli());
			this.writer.complete(entry.completed(result, decision, reason, null, null, latency));
		}
	}

	private AuditEvent entry(ServerWebExchange exchange, @Nullable Caller caller, Read read, long count,
			Instant arrived, String result, String decision, String reason) {
		List<AuditEvent.ModifiedProperty> properties = List.of(
				new AuditEvent.ModifiedProperty(FILTERS, null, read.filters()),
				new AuditEvent.ModifiedProperty(COUNT, null, Long.toString(count)));
		return new AuditEvent(Ids.timeOrderedGuid(arrived.toEpochMilli()), arrived, read.kind().activity(), "Read",
				result, CATEGORY, RequestCorrelation.of(exchange).clientRequestId(),
				AuditEventFactory.actor(exchange, caller), null, read.tenant(), properties, decision, reason, null,
				null, null, null, AuditEventFactory.traceId(exchange), null, OperationCatalogue.AUDIT_READ,
				RESOURCE_TYPE);
	}

	/** What kind of read an entry records, and the activity it names. */
	public enum Kind {

		/** {@code GET /audit/events}. */
		EVENTS("Read audit events"),

		/** {@code GET /audit/events/{id}}. */
		EVENT("Read audit event"),

		/** {@code GET /audit/events/export}. */
		EXPORT("Export audit events"),

		/** {@code GET /audit/verify}. */
		VERIFY("Verify audit trail"),

		/** {@code GET /audit/checkpoints}. */
		CHECKPOINTS("Read audit checkpoints"),

		/** {@code GET /audit/access}. */
		ACCESS_LOG("Read audit access log"),

		/** {@code GET /audit/access/export}. */
		ACCESS_LOG_EXPORT("Export audit access log"),

		/** The audit page's table. */
		PAGE("View audit page"),

		/** The audit page's view of one event. */
		PAGE_EVENT("View audit event"),

		/** The audit page's CSV. */
		PAGE_EXPORT("Export audit events from the page"),

		/** The audit page's access log tab. */
		PAGE_ACCESS_LOG("View audit access log");

		private final String activity;

		Kind(String activity) {
			this.activity = activity;
		}

		public String activity() {
			return this.activity;
		}

		/** Whether it reads the access log rather than the trail's events. */
		public boolean readsAccessLog() {
			return this == ACCESS_LOG || this == ACCESS_LOG_EXPORT || this == PAGE_ACCESS_LOG;
		}

	}

	/**
	 * One read of the trail, as its entry names it.
	 *
	 * @param kind what kind of read
	 * @param tenant the tenant asked for, or {@link #ALL_TENANTS}
	 * @param filters the filters, as a query string
	 */
	public record Read(Kind kind, String tenant, String filters) {

		public Read {
			filters = (filters.length() > MAX_FILTERS_LENGTH) ? filters.substring(0, MAX_FILTERS_LENGTH) : filters;
		}

		/** A read of a query (scoped to the auditor's tenant, when not global). */
		public static Read of(Kind kind, AuditQuery query) {
			return of(kind, query, query.describe());
		}

		/** A read of a query, its filters described as given. */
		static Read of(Kind kind, AuditQuery query, String filters) {
			return new Read(kind, (query.tenant() != null) ? query.tenant() : ALL_TENANTS, filters);
		}

		/**
		 * A read whose parameters could not all be taken: its filters as given, the
		 * values of those that are not filters left out (a client may put anything
		 * there).
		 */
		public static Read given(Kind kind, @Nullable String tenant, MultiValueMap<String, String> parameters) {
			List<String> parts = new ArrayList<>();
			parameters.forEach((name, values) -> {
				String encoded = UriUtils.encode(name, StandardCharsets.UTF_8);
				if (!AuditQuery.PARAMETERS.contains(name)) {
					parts.add(encoded);
					return;
				}
				values.forEach((value) -> parts.add(encoded + "=" + UriUtils.encode(value, StandardCharsets.UTF_8)));
			});
			return new Read(kind, (tenant != null) ? tenant : ALL_TENANTS, String.join("&", parts));
		}

	}

}
