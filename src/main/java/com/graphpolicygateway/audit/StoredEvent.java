package com.graphpolicygateway.audit;

/**
 * An event with its place in a hash chain.
 *
 * @param event the event
 * @param chainId the chain (one per gateway process)
 * @param chainSeq the position in the chain, from 1
 * @param previousHash the hash of the previous event in the chain
 * @param hash this event's hash
 */
record StoredEvent(AuditEvent event, String chainId, long chainSeq, String previousHash, String hash) {

	/**
	 * Links the event after {@code previousHash} at {@code chainSeq} and computes its
	 * hash.
	 */
	static StoredEvent link(AuditEvent event, String chainId, long chainSeq, String previousHash) {
		StoredEvent unhashed = new StoredEvent(event, chainId, chainSeq, previousHash, "");
		return new StoredEvent(event, chainId, chainSeq, previousHash, AuditHasher.hash(unhashed));
	}

}
