package com.graphpolicygateway.audit.sinks;

import java.time.Instant;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.audit.signing.AuditCheckpointJson;
import com.graphpolicygateway.audit.query.AuditEventView;

/**
 * One record for the sinks: an audit event as the query API shows it, or a signed
 * checkpoint, as JSON with a {@code recordType} field that tells them apart.
 *
 * @param json the record's JSON object
 * @param event the event, for an event record
 * @param checkpoint the checkpoint, for a checkpoint record
 */
record SinkRecord(String json, @Nullable AuditEventView event, @Nullable AuditCheckpoint checkpoint) {

	/** The {@code recordType} of an event. */
	static final String EVENT_TYPE = "auditEvent";

	static SinkRecord of(AuditEventView event, JsonMapper json) {
		return new SinkRecord(withType(EVENT_TYPE, json.valueToTree(event), json), event, null);
	}

	/** The checkpoint in the one shape that the API serves and the verifier reads. */
	static SinkRecord of(AuditCheckpoint checkpoint, JsonMapper json) {
		return new SinkRecord(json.writeValueAsString(AuditCheckpointJson.record(checkpoint)), null, checkpoint);
	}

	private static String withType(String type, ObjectNode fields, JsonMapper json) {
		ObjectNode record = json.createObjectNode();
		record.put("recordType", type);
		record.setAll(fields);
		return json.writeValueAsString(record);
	}

	/** {@code auditEvent} or {@code auditCheckpoint}. */
	String type() {
		return (this.event != null) ? EVENT_TYPE : AuditCheckpoint.RECORD_TYPE;
	}

	/** When the event reached the gateway, or when the checkpoint was signed. */
	Instant time() {
		AuditEventView event = this.event;
		if (event != null) {
			return event.activityDateTime();
		}
		return requireCheckpoint().createdAt();
	}

	/** The event's tenant; null for a checkpoint or an event without one. */
	@Nullable String tenantId() {
		AuditEventView event = this.event;
		return (event != null) ? event.tenantId() : null;
	}

	/** The chain the record belongs to. */
	String chainId() {
		AuditEventView event = this.event;
		if (event != null) {
			String chainId = event.chainId();
			return (chainId != null) ? chainId : "";
		}
		return requireCheckpoint().chainId();
	}

	private AuditCheckpoint requireCheckpoint() {
		AuditCheckpoint checkpoint = this.checkpoint;
		if (checkpoint == null) {
			throw new IllegalStateException("A record holds an event or a checkpoint");
		}
		return checkpoint;
	}

}
