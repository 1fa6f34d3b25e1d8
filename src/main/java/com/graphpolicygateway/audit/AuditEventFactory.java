package com.graphpolicygateway.audit;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;

import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.policy.PolicyDecision;
import com.graphpolicygateway.routing.BodyProperty;
import com.graphpolicygateway.routing.PatchBody;
import com.graphpolicygateway.routing.RequestCorrelation;

/**
 * Makes the audit event of a request from what the earlier stages left on the exchange:
 * the caller (never the token), the correlation ids, the target and the body's
 * properties, with configured properties redacted and long values cut.
 */
final class AuditEventFactory {

	static final String REDACTED = "[redacted]";

	static final String TRUNCATED = "…[truncated]";

	/** Decision of a call a report-only rule would have refused. */
	static final String WOULD_REFUSE = "would_refuse";

	private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");

	private final Set<String> redacted = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

	private final int maxValueLength;

	private final Clock clock;

	AuditEventFactory(List<String> redact, int maxValueLength, Clock clock) {
		Assert.notNull(clock, "clock cannot be null");
		this.redacted.addAll(redact);
		this.maxValueLength = maxValueLength;
		this.clock = clock;
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
		PatchBody body = PatchBody.from(exchange);
		String ip = clientAddress(exchange);
		AuditEvent.Actor actor = (caller != null) ? new AuditEvent.Actor(caller.type(), caller.userId(),
				caller.userPrincipalName(), caller.applicationId(), ip, caller.permissions())
				: AuditEvent.Actor.unknown(ip);
		List<AuditEvent.ModifiedProperty> modified = (body != null)
				? body.properties().stream().map(this::modified).toList() : List.of();
		return new AuditEvent(UUID.randomUUID(), arrived, AuditEvent.ACTIVITY, "Patch", result, "User",
				RequestCorrelation.of(exchange).clientRequestId(), actor, (caller != null) ? caller.tenantId() : null,
				(body != null) ? body.targetUserId() : null, modified, decision, reason, policyVersion(exchange), null,
				null, null, traceId(exchange));
	}

	private AuditEvent.ModifiedProperty modified(BodyProperty property) {
		String value = property.value();
		if (this.redacted.contains(property.name())) {
			value = REDACTED;
		}
		else if (value != null && value.length() > this.maxValueLength) {
			value = value.substring(0, this.maxValueLength) + TRUNCATED;
		}
		return new AuditEvent.ModifiedProperty(property.name(), null, value);
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

	private static @Nullable String traceId(ServerWebExchange exchange) {
		String traceparent = exchange.getRequest().getHeaders().getFirst("traceparent");
		if (traceparent == null) {
			return null;
		}
		var matcher = TRACEPARENT.matcher(traceparent.trim());
		return matcher.matches() ? matcher.group(1) : null;
	}

}
