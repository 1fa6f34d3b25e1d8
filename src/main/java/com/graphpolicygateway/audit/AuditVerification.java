package com.graphpolicygateway.audit;

import org.jspecify.annotations.Nullable;

/**
 * The result of walking the audit trail's hash chains.
 *
 * @param intact whether every chain verified
 * @param chains how many chains were walked
 * @param eventsChecked how many events verified before the first broken link
 * @param firstBrokenLink where the first problem is, when not intact
 */
public record AuditVerification(boolean intact, int chains, long eventsChecked, @Nullable BrokenLink firstBrokenLink) {

	/**
	 * The first place the trail does not verify.
	 *
	 * @param chainId the chain, when the problem is inside one
	 * @param chainSeq the position expected there
	 * @param eventId the event found there, if any
	 * @param problem what is wrong
	 */
	public record BrokenLink(@Nullable String chainId, long chainSeq, @Nullable String eventId, String problem) {
	}

}
