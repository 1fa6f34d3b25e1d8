package com.graphpolicygateway.audit.write;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.graph.BodyProperty;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationAudit;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.OperationMatch;
import com.graphpolicygateway.graph.OperationRequest;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.graph.StageTracing;
import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.policy.PolicyDecision;
import com.graphpolicygateway.ratelimit.OperationLimitReport;
import com.graphpolicygateway.system.Ids;

/**
 * Makes the audit event of a request from what the earlier stages left on the exchange:
 * the caller (never the token), the correlation ids, the target and the body's
 * properties, with configured properties redacted and long values cut.
 */
public final class AuditEventFactory {

	public static final String REDACTED = "[redacted]";

	static final String TRUNCATED = "…[truncated]";

	private static final int MAX_NAME_LENGTH = 200;

	/** Decision of a call a report-only rule would have refused. */
	static final String WOULD_REFUSE = "would_refuse";

	private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");

	private final Set<String> redacted = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

	private final int maxValueLength;

	private final Clock clock;

	private final OperationCatalogue catalogue;

	public AuditEventFactory(List<String> redact, int maxValueLength, Clock clock, OperationCatalogue catalogue) {
		Assert.notNull(clock, "clock cannot be null");
		Assert.notNull(catalogue, "catalogue cannot be null");
		this.redacted.addAll(redact);
		this.maxValueLength = maxValueLength;
		this.clock = clock;
		this.catalogue = catalogue;
	}

	Instant now() {
		return this.clock.instant();
	}

	/** A pending event of an allowed request by an authenticated caller. */
	AuditEvent pending(ServerWebExchange exchange, @Nullable Caller caller, Instant arrived) {
		PolicyDecision decision = PolicyDecision.from(exchange);
		if (decision != null && !decision.wouldRefuse().isEmpty()) {
			// Report-only: the call goes through, audited as what the policy would have
			// done.
			return event(exchange, caller, arrived, AuditEvent.PENDING, WOULD_REFUSE,
					decision.wouldRefuse().get(0).reason());
		}
		OperationLimitReport limit = OperationLimitReport.from(exchange);
		if (limit != null) {
			// A report-only operation limit, counted after the policy by the rate
			// limiter.
			return event(exchange, caller, arrived, AuditEvent.PENDING, WOULD_REFUSE, limit.reason());
		}
		return event(exchange, caller, arrived, AuditEvent.PENDING, "allow", "allowed");
	}

	/** A complete event of a request refused before it was forwarded. */
	AuditEvent refused(ServerWebExchange exchange, @Nullable Caller caller, Instant arrived, String reason) {
		Long latency = Math.max(0, this.clock.millis() - arrived.toEpochMilli());
		return event(exchange, caller, arrived, "refused", "refuse", reason).completed("refused", "refuse", reason,
				null, null, latency);
	}

	private AuditEvent event(ServerWebExchange exchange, @Nullable Caller caller, Instant arrived, String result,
			String decision, String reason) {
		OperationRequest body = OperationRequest.from(exchange);
		Operation operation = operationOf(exchange, body);
		AuditEvent.Actor actor = actor(exchange, caller);
		List<AuditEvent.ModifiedProperty> modified = (body != null)
				? body.properties().stream().map((property) -> modified(operation, property)).toList() : List.of();
		OperationAudit named = operation.audit();
		return new AuditEvent(Ids.timeOrderedGuid(arrived.toEpochMilli()), arrived, named.activity(),
				named.operationType(), result, named.category(), RequestCorrelation.of(exchange).clientRequestId(),
				actor, (caller != null) ? fit(caller.tenantId(), 64) : null, (body != null) ? body.target() : null,
				modified, decision, reason, policyVersion(exchange), null, null, null, traceId(exchange), null,
				operation.id(), named.resourceType());
	}

	/**
	 * The actor of a request by {@code caller} (the token's, never the token), or an
	 * unknown one, with the address the connection came from: as every event names it.
	 */
	public static AuditEvent.Actor actor(ServerWebExchange exchange, @Nullable Caller caller) {
		String ip = clientAddress(exchange);
		return (caller != null)
				? new AuditEvent.Actor(caller.type(), fit(caller.userId(), 64), fit(caller.userPrincipalName(), 320),
						fit(caller.applicationId(), 64), ip, permissions(caller.permissions()))
				: AuditEvent.Actor.unknown(ip);
	}

	/**
	 * The operation called: the guard's, the one the path names, or, for a request aimed
	 * under an operation's path that names none exactly, the first operation it is aimed
	 * under.
	 */
	private Operation operationOf(ServerWebExchange exchange, @Nullable OperationRequest body) {
		if (body != null) {
			return body.operation();
		}
		OperationMatch match = OperationMatch.from(exchange);
		if (match != null) {
			return match.operation();
		}
		return this.catalogue
			.aimedAt(exchange.getRequest().getMethod(), exchange.getRequest().getPath().pathWithinApplication())
			.stream()
			.findFirst()
			.orElseGet(() -> this.catalogue.operations().get(0));
	}

	private AuditEvent.ModifiedProperty modified(Operation operation, BodyProperty property) {
		String value = redacts(operation, property.name()) ? REDACTED : fitted(property.value());
		return new AuditEvent.ModifiedProperty(cut(property.name(), MAX_NAME_LENGTH), null, value);
	}

	/**
	 * Whether the values of {@code property} are stored as {@link #REDACTED} in the
	 * operation's events ({@code graph-gateway.audit.redact} or the operation's own):
	 * such a property is never read for a before-image either.
	 */
	boolean redacts(Operation operation, String property) {
		return this.redacted.contains(property) || operation.audit().redacts(property);
	}

	/**
	 * The completed event with its before-image: each modified property read from Graph
	 * gets its old value, as its new value is stored (long values cut); the others keep
	 * none.
	 */
	AuditEvent withBeforeImage(AuditEvent event, BeforeImageRead read) {
		List<AuditEvent.ModifiedProperty> properties = event.modifiedProperties()
			.stream()
			.map((property) -> read.oldValues().containsKey(property.displayName())
					? new AuditEvent.ModifiedProperty(property.displayName(),
							fitted(read.oldValues().get(property.displayName())), property.newValue())
					: property)
			.toList();
		return event.withBeforeImage(properties, read.status());
	}

	/** A value as the trail stores it: cut when too long, well-formed. */
	private @Nullable String fitted(@Nullable String value) {
		if (value != null && value.length() > this.maxValueLength) {
			value = cut(value, this.maxValueLength) + TRUNCATED;
		}
		return wellFormed(value);
	}

	/** The permissions, as many as fit the column (space-separated, 4000 characters). */
	private static List<String> permissions(List<String> permissions) {
		List<String> kept = new java.util.ArrayList<>();
		int length = 0;
		for (String permission : permissions) {
			String fitted = fit(permission, 200);
			length += fitted.length() + 1;
			if (length > 4000) {
				break;
			}
			kept.add(fitted);
		}
		return kept;
	}

	/** At most {@code max} characters, never splitting a surrogate pair. */
	static String cut(String value, int max) {
		if (value.length() <= max) {
			return value;
		}
		int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
		return value.substring(0, end);
	}

	/** A text every database stores as sent: lone surrogates become U+FFFD. */
	static @Nullable String wellFormed(@Nullable String value) {
		if (value == null) {
			return null;
		}
		StringBuilder text = null;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean paired = Character.isHighSurrogate(c) && i + 1 < value.length()
					&& Character.isLowSurrogate(value.charAt(i + 1));
			if (paired) {
				if (text != null) {
					text.append(c).append(value.charAt(i + 1));
				}
				i++;
				continue;
			}
			if (Character.isSurrogate(c)) {
				if (text == null) {
					text = new StringBuilder(value.length()).append(value, 0, i);
				}
				text.append('\uFFFD');
			}
			else if (text != null) {
				text.append(c);
			}
		}
		return (text != null) ? text.toString() : value;
	}

	/**
	 * Claims from a trusted token can still be longer than the columns that hold them.
	 */
	private static @Nullable String fit(@Nullable String value, int max) {
		return (value != null) ? wellFormed(cut(value, max)) : null;
	}

	private static @Nullable String policyVersion(ServerWebExchange exchange) {
		PolicyDecision decision = PolicyDecision.from(exchange);
		return (decision != null) ? decision.policyVersion() : null;
	}

	/** The address the connection came from; forwarding headers are not trusted. */
	private static @Nullable String clientAddress(ServerWebExchange exchange) {
		InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
		if (remote == null) {
			return null;
		}
		return (remote.getAddress() != null) ? remote.getAddress().getHostAddress() : remote.getHostString();
	}

	/**
	 * The trace the request belongs to: while tracing is on, the gateway's (the caller's
	 * own when its {@code traceparent} was continued, else a new one); else the one the
	 * caller's {@code traceparent} names.
	 */
	public static @Nullable String traceId(ServerWebExchange exchange) {
		String traced = StageTracing.traceId(exchange);
		if (traced != null) {
			return traced;
		}
		String traceparent = exchange.getRequest().getHeaders().getFirst("traceparent");
		if (traceparent == null) {
			return null;
		}
		var matcher = TRACEPARENT.matcher(traceparent.trim());
		return matcher.matches() ? matcher.group(1) : null;
	}

}
