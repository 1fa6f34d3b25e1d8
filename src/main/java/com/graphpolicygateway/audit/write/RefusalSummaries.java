package com.graphpolicygateway.audit.write;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.system.Ids;

/**
 * Refusals whose own events could not be queued (the audit queue was full), counted by
 * operation, tenant and reason until the audit writer records each count as one summary
 * event: so that an overloaded gateway still states its gaps in the trail, as the Linux
 * audit system's lost counter does, instead of only in a metric. Thread-safe: event loops
 * add, the writer's thread takes.
 */
final class RefusalSummaries {

	private final Map<Key, Tally> tallies = new ConcurrentHashMap<>();

	/** Counts a refusal that will have no event of its own. */
	void add(AuditEvent refusal) {
		Key key = new Key(refusal.operation(), refusal.resourceType(), refusal.activity(),
				refusal.activityOperationType(), refusal.category(), refusal.tenantId(), refusal.reason());
		Instant at = refusal.activityDateTime();
		this.tallies.merge(key, new Tally(1, at, at), Tally::plus);
	}

	boolean isEmpty() {
		return this.tallies.isEmpty();
	}

	/**
	 * The summary events of the refusals counted since the last call, which are then
	 * forgotten: each refusal is in exactly one summary.
	 */
	List<AuditEvent> take() {
		List<AuditEvent> summaries = new ArrayList<>();
		for (Key key : List.copyOf(this.tallies.keySet())) {
			Tally tally = this.tallies.remove(key);
			if (tally != null) {
				summaries.add(summary(key, tally));
			}
		}
		return summaries;
	}

	private static AuditEvent summary(Key key, Tally tally) {
		return new AuditEvent(Ids.timeOrderedGuid(tally.first().toEpochMilli()), tally.first(), key.activity(),
				key.operationType(), "refused", key.category(), null, AuditEvent.Actor.unknown(null), key.tenantId(),
				null, List.of(), "refuse", key.reason(), null, null, null, null, null,
				new AuditEvent.Summary(tally.count(), tally.first(), tally.last()), key.operation(),
				key.resourceType());
	}

	/** What refusals are summarized by. */
	private record Key(@Nullable String operation, @Nullable String resourceType, String activity, String operationType,
			String category, @Nullable String tenantId, String reason) {
	}

	/** How many refusals, and when the first and last of them arrived. */
	private record Tally(long count, Instant first, Instant last) {

		Tally plus(Tally other) {
			return new Tally(this.count + other.count, this.first.isBefore(other.first) ? this.first : other.first,
					this.last.isAfter(other.last) ? this.last : other.last);
		}

	}

}
