package com.graphpolicygateway.audit.verify;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The result of verifying the audit trail: its hash chains and, with the signing key,
 * every event's and pending row's MAC and the signed checkpoints.
 *
 * @param intact whether nothing was found wrong
 * @param chains how many chains were walked
 * @param eventsChecked how many chained events verified
 * @param firstBrokenLink the first problem found, when not intact
 * @param eventsAuthenticated whether every event's MAC was checked (the verifier held the
 * signing key); without it only the hash chains (and, with a public key, the checkpoints)
 * were
 * @param pendingChecked how many pending events were authenticated
 * @param checkpointsChecked how many checkpoints (the database's and those given from a
 * SIEM) verified
 * @param unkeyedChains chains written before the signing key was configured, known to a
 * checkpoint: their hash links verify, but they are not authenticated
 * @param problems every problem found, in the order found (at most {@link #MAX_PROBLEMS})
 */
public record AuditVerification(boolean intact, int chains, long eventsChecked, @Nullable BrokenLink firstBrokenLink,
		boolean eventsAuthenticated, long pendingChecked, long checkpointsChecked, int unkeyedChains,
		List<BrokenLink> problems) {

	/** Most problems a report lists. */
	public static final int MAX_PROBLEMS = 100;

	public AuditVerification {
		problems = List.copyOf(problems);
	}

	/** A report of unkeyed hash chains only. */
	public AuditVerification(boolean intact, int chains, long eventsChecked, @Nullable BrokenLink firstBrokenLink) {
		this(intact, chains, eventsChecked, firstBrokenLink, false, 0, 0, 0,
				(firstBrokenLink != null) ? List.of(firstBrokenLink) : List.of());
	}

	/**
	 * A place the trail does not verify.
	 *
	 * @param chainId the chain, when the problem is inside one
	 * @param chainSeq the position expected there (for a checkpoint, the position it
	 * states)
	 * @param eventId the event found there, if any
	 * @param problem what is wrong
	 */
	public record BrokenLink(@Nullable String chainId, long chainSeq, @Nullable String eventId, String problem) {
	}

}
