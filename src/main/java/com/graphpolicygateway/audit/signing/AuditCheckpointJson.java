package com.graphpolicygateway.audit.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.graphpolicygateway.audit.event.AuditCheckpoint;

/**
 * Checkpoints as JSON records, the shape {@code /audit/checkpoints} answers and the audit
 * sinks send ({@code "recordType":"auditCheckpoint"} and the {@link AuditCheckpoint}
 * fields), and back: a SIEM's export of them is what {@code --verify-audit --checkpoints
 * FILE} reads.
 */
public final class AuditCheckpointJson {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private AuditCheckpointJson() {
	}

	/** The checkpoint as a JSON record. */
	public static Map<String, Object> record(AuditCheckpoint checkpoint) {
		Map<String, Object> record = new LinkedHashMap<>();
		record.put("recordType", AuditCheckpoint.RECORD_TYPE);
		record.put("chainId", checkpoint.chainId());
		record.put("checkpointSeq", checkpoint.checkpointSeq());
		record.put("createdAt", checkpoint.createdAt().toString());
		record.put("chainPosition", checkpoint.chainPosition());
		record.put("headHash", checkpoint.headHash());
		record.put("eventCount", checkpoint.eventCount());
		record.put("knownChains", checkpoint.knownChains());
		record.put("keyId", checkpoint.keyId());
		record.put("algorithm", checkpoint.algorithm());
		record.put("signature", checkpoint.signature());
		return record;
	}

	/**
	 * The checkpoints in a file a SIEM exported: JSON lines (NDJSON), a JSON array, or an
	 * object with a {@code value} array; records of other types (audit events) are
	 * skipped, and a record is taken for a checkpoint by its {@code recordType} or,
	 * without one, by its fields. Syslog lines whose message is such a record are read
	 * too.
	 * @throws IllegalArgumentException when the file holds something else
	 */
	public static List<AuditCheckpoint> read(Path file) {
		String text;
		try {
			text = Files.readString(file, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("The checkpoint file " + file + " cannot be read: " + ex, ex);
		}
		List<AuditCheckpoint> checkpoints = new ArrayList<>();
		String trimmed = text.strip();
		if (trimmed.startsWith("[") || trimmed.startsWith("{\"value\"")) {
			JsonNode root = parse(trimmed, file, 1);
			JsonNode array = root.isArray() ? root : root.path("value");
			for (JsonNode node : array) {
				add(checkpoints, node, file, 1);
			}
			return checkpoints;
		}
		int line = 0;
		for (String raw : text.split("\n")) {
			line++;
			int start = raw.indexOf('{');
			if (start < 0) {
				continue;
			}
			add(checkpoints, parse(raw.substring(start), file, line), file, line);
		}
		return checkpoints;
	}

	private static void add(List<AuditCheckpoint> checkpoints, JsonNode node, Path file, int line) {
		String type = node.path("recordType").asString(null);
		boolean checkpoint = (type != null) ? type.equals(AuditCheckpoint.RECORD_TYPE)
				: node.has("checkpointSeq") && node.has("headHash");
		if (!checkpoint) {
			return;
		}
		try {
			List<String> known = new ArrayList<>();
			node.path("knownChains").forEach((chain) -> known.add(chain.asString()));
			checkpoints.add(new AuditCheckpoint(text(node, "chainId"), node.path("checkpointSeq").asLong(),
					Instant.parse(text(node, "createdAt")), node.path("chainPosition").asLong(), text(node, "headHash"),
					node.path("eventCount").asLong(), known, text(node, "keyId"), text(node, "algorithm"),
					text(node, "signature")));
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("The checkpoint file " + file + " has an incomplete checkpoint at line "
					+ line + ": " + ex.getMessage(), ex);
		}
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isString()) {
			throw new IllegalArgumentException(field + " is missing");
		}
		return value.asString();
	}

	private static JsonNode parse(String json, Path file, int line) {
		try {
			return JSON.readTree(json);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("The checkpoint file " + file + " is not JSON at line " + line, ex);
		}
	}

}
