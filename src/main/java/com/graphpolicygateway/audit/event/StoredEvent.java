package com.graphpolicygateway.audit.event;

/**
 * An event with its place in a hash chain.
 *
 * @param event the event
 * @param writerId the gateway process that received the request
 * @param chainId the chain (one per gateway process) the event was appended to
 * @param chainSeq the position in the chain, from 1
 * @param previousHash the hash of the previous event in the chain
 * @param hash this event's hash
 */
public record StoredEvent(AuditEvent event, String writerId, String chainId, long chainSeq, String previousHash,
		String hash) {

	/** Links an event received by the chain's own writer. */
	public static StoredEvent link(AuditEvent event, String chainId, long chainSeq, String previousHash) {
		return link(event, chainId, chainId, chainSeq, previousHash);
	}

	/**
	 * Links the event after {@code previousHash} at {@code chainSeq} and computes its
	 * hash.
	 */
	public static StoredEvent link(AuditEvent event, String writerId, String chainId, long chainSeq,
			String previousHash) {
		StoredEvent unhashed = new StoredEvent(event, writerId, chainId, chainSeq, previousHash, "");
		return new StoredEvent(event, writerId, chainId, chainSeq, previousHash, AuditHasher.hash(unhashed));
	}

}
