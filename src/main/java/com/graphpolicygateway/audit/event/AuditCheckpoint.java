package com.graphpolicygateway.audit.event;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * A signed statement of where one gateway's hash chain stood: its position and head hash,
 * how many events it holds, and which chains the audit database held at that time.
 * Checkpoints are numbered per chain from 1, stored in the audit database, served at
 * {@code /audit/checkpoints} and sent to every audit sink, so that a copy lives outside
 * the database. The signature covers {@link #signedContent()}.
 *
 * @param chainId the chain
 * @param checkpointSeq this checkpoint's number within the chain, from 1
 * @param createdAt when it was signed
 * @param chainPosition the chain's last position (chain_seq) at that time
 * @param headHash the hash of the event at that position (the chain's genesis value when
 * it held none)
 * @param eventCount how many events the chain had appended at that time
 * @param knownChains every chain the audit database held at that time, sorted, as its id,
 * followed by {@code @} and the id of its key when it is keyed
 * @param keyId the signing key's id
 * @param algorithm {@code SHA256withECDSA} (EC P-256) or {@code Ed25519}
 * @param signature the signature of {@link #signedContent()}, base64url without padding
 * (for ECDSA, of the DER encoding)
 */
public record AuditCheckpoint(String chainId, long checkpointSeq, Instant createdAt, long chainPosition,
		String headHash, long eventCount, List<String> knownChains, String keyId, String algorithm, String signature) {

	/** The value of {@code recordType} that marks a checkpoint among exported records. */
	public static final String RECORD_TYPE = "auditCheckpoint";

	/**
	 * What separates a keyed chain's id from its key's id among the
	 * {@link #knownChains()}.
	 */
	public static final String KEYED = "@";

	public static final String SELECT = "SELECT chain_id, checkpoint_seq, created_at, chain_position, head_hash, "
			+ "event_count, known_chains, key_id, algorithm, signature FROM audit_checkpoint";

	public AuditCheckpoint {
		Assert.hasText(chainId, "chainId cannot be empty");
		Assert.notNull(createdAt, "createdAt cannot be null");
		Assert.hasText(headHash, "headHash cannot be empty");
		knownChains = List.copyOf(knownChains);
		Assert.hasText(keyId, "keyId cannot be empty");
		Assert.hasText(algorithm, "algorithm cannot be empty");
		Assert.notNull(signature, "signature cannot be null");
	}

	/** How a checkpoint names a chain among the chains it knows. */
	public static String knownChain(String chainId, @Nullable String keyId) {
		return (keyId != null) ? chainId + KEYED + keyId : chainId;
	}

	/**
	 * The bytes the signature covers: every field but the signature, one per line, in
	 * this order, with the time in microseconds.
	 */
	public byte[] signedContent() {
		String content = "graph-policy-gateway audit checkpoint v1\n" + this.chainId + "\n" + this.checkpointSeq + "\n"
				+ AuditRows.timestamp(this.createdAt).toInstant() + "\n" + this.chainPosition + "\n" + this.headHash
				+ "\n" + this.eventCount + "\n" + String.join(",", this.knownChains) + "\n" + this.keyId + "\n"
				+ this.algorithm + "\n";
		return content.getBytes(StandardCharsets.UTF_8);
	}

	/** This checkpoint with its signature. */
	public AuditCheckpoint signed(String signature) {
		return new AuditCheckpoint(this.chainId, this.checkpointSeq, this.createdAt, this.chainPosition, this.headHash,
				this.eventCount, this.knownChains, this.keyId, this.algorithm, signature);
	}

	/** Reads a row of {@link #SELECT}. */
	public static AuditCheckpoint fromRow(ResultSet rs) throws SQLException {
		String known = rs.getString("known_chains");
		return new AuditCheckpoint(rs.getString("chain_id"), rs.getLong("checkpoint_seq"),
				StoredInstant.read(rs, "created_at"), rs.getLong("chain_position"), rs.getString("head_hash"),
				rs.getLong("event_count"), known.isEmpty() ? List.of() : Arrays.asList(known.split(",")),
				rs.getString("key_id"), rs.getString("algorithm"), rs.getString("signature"));
	}

}
