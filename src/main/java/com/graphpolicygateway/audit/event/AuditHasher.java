package com.graphpolicygateway.audit.event;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.system.Ids;

/**
 * SHA-256 over an event's canonical form and the previous link of its chain. The
 * canonical form is every stored column, length-prefixed in a fixed order, so no two
 * different rows share one. Columns added after the first events were hashed are appended
 * only when set, so that the rows stored before them keep their hashes. With a signing
 * key, what the MACs of a row cover comes from here too: a chained event's hash, or a
 * pending row's canonical form.
 */
public final class AuditHasher {

	/** The previous hash of a chain's first event. */
	public static final String GENESIS = "0".repeat(64);

	/** Marks the operation's values in the canonical form. */
	private static final String OPERATION_TAG = "operation";

	/** Marks the before-image's values in the canonical form. */
	private static final String BEFORE_IMAGE_TAG = "before_image";

	private AuditHasher() {
	}

	static String hash(StoredEvent event) {
		return Ids.sha256Hex(canonical(event.event(), event.writerId(), event.chainId(),
				Long.toString(event.chainSeq()), event.previousHash()));
	}

	/** What the MAC of a chained event covers: its hash, which covers the whole row. */
	public static String macContent(String hash) {
		return "event\n" + hash;
	}

	/**
	 * What the MAC of a pending row covers: the hash of its canonical form with the
	 * writer that inserted it and no chain link.
	 */
	public static String pendingMacContent(AuditEvent pending, String writerId) {
		return "pending\n" + Ids.sha256Hex(canonical(pending, writerId, null, null, null));
	}

	private static String canonical(AuditEvent e, String writerId, @Nullable String chainId, @Nullable String chainSeq,
			@Nullable String previousHash) {
		StringBuilder canonical = new StringBuilder(512);
		append(canonical, writerId);
		append(canonical, chainId);
		append(canonical, chainSeq);
		append(canonical, previousHash);
		append(canonical, e.id().toString());
		append(canonical, AuditRows.timestamp(e.activityDateTime()).toString());
		append(canonical, e.activity());
		append(canonical, e.activityOperationType());
		append(canonical, e.activityResult());
		append(canonical, e.category());
		append(canonical, e.correlationId());
		append(canonical, e.actor().type());
		append(canonical, e.actor().userId());
		append(canonical, e.actor().userPrincipalName());
		append(canonical, e.actor().applicationId());
		append(canonical, e.actor().ipAddress());
		append(canonical, AuditRows.permissions(e.actor()));
		append(canonical, e.tenantId());
		append(canonical, e.targetUserId());
		append(canonical, AuditRows.modifiedProperties(e));
		append(canonical, e.decision());
		append(canonical, e.reason());
		append(canonical, e.policyVersion());
		append(canonical, (e.upstreamStatus() != null) ? e.upstreamStatus().toString() : null);
		append(canonical, e.graphRequestId());
		append(canonical, (e.latencyMillis() != null) ? e.latencyMillis().toString() : null);
		append(canonical, e.traceId());
		if (e.summary() != null) {
			// Only summaries carry these, so that the canonical form of every other event
			// stays what it was before summaries existed.
			append(canonical, Long.toString(e.summary().count()));
			append(canonical, AuditRows.timestamp(e.summary().first()).toString());
			append(canonical, AuditRows.timestamp(e.summary().last()).toString());
		}
		if (e.operation() != null || e.resourceType() != null) {
			// Null only in rows stored before these columns existed, whose canonical form
			// must stay what it was. The tag tells these values apart from a summary's,
			// whose first value is a count.
			append(canonical, OPERATION_TAG);
			append(canonical, e.operation());
			append(canonical, e.resourceType());
		}
		if (e.beforeImage() != null) {
			// Only events whose before-image was read carry these: every other row keeps
			// its canonical form. The old values themselves are in the modified
			// properties, covered above.
			append(canonical, BEFORE_IMAGE_TAG);
			append(canonical, e.beforeImage().status());
			append(canonical, e.beforeImage().reason());
			append(canonical,
					(e.beforeImage().latencyMillis() != null) ? e.beforeImage().latencyMillis().toString() : null);
		}
		return canonical.toString();
	}

	private static void append(StringBuilder canonical, @Nullable String value) {
		if (value == null) {
			canonical.append("-;");
			return;
		}
		canonical.append(value.length()).append(':').append(value).append(';');
	}

}
