package com.graphpolicygateway.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Builds values files for the chart: only the keys a test is about, set by their dotted
 * path, on top of the chart's own values.yaml.
 */
final class ChartValues {

	/** Secret names and keys of a production install; never values. */
	static final String DATABASE_SECRET = "graph-gateway-db";

	static final String IDENTITY_SECRET = "graph-gateway-identity";

	static final String REDIS_SECRET = "graph-gateway-redis";

	static final String REDIS_HOST = "redis.cache.svc.cluster.local";

	private final Map<String, Object> values = new LinkedHashMap<>();

	private ChartValues() {
	}

	/** No overrides: the chart's defaults. */
	static ChartValues defaults() {
		return new ChartValues();
	}

	/**
	 * A production install: three replicas, autoscaling, a ServiceMonitor, Redis shared
	 * rate limits, and every secret taken from an existing Secret.
	 */
	/** The Secret of the production values that holds the audit signing key. */
	static final String AUDIT_SIGNING_SECRET = "graph-gateway-audit-signing";

	static ChartValues production() {
		return new ChartValues().with("replicaCount", 3)
			.with("autoscaling.enabled", true)
			.with("serviceMonitor.enabled", true)
			.with("serviceMonitor.labels", Map.of("release", "kube-prometheus-stack"))
			.with("identity.audiences", List.of("api://graph-policy-gateway", "8d9a2f61-0c55-4d6e-9e0b-1f2a3b4c5d6e"))
			.with("identity.clientId", "8d9a2f61-0c55-4d6e-9e0b-1f2a3b4c5d6e")
			.with("identity.clientSecret.existingSecret", IDENTITY_SECRET)
			.with("upstream.auth", "client-credentials")
			.with("database.url", "jdbc:postgresql://audit-db.data.svc:5432/gateway")
			.with("database.username", "gateway")
			.with("database.password.existingSecret", DATABASE_SECRET)
			.with("rateLimit.store", "redis")
			.with("rateLimit.redis.host", REDIS_HOST)
			.with("rateLimit.redis.password.existingSecret", REDIS_SECRET)
			.with("auditSigning.existingSecret", AUDIT_SIGNING_SECRET);
	}

	/** Sets one value; {@code path} is dotted ({@code upstream.auth}). */
	@SuppressWarnings("unchecked")
	ChartValues with(String path, Object value) {
		String[] keys = path.split("\\.");
		Map<String, Object> map = this.values;
		for (int i = 0; i < keys.length - 1; i++) {
			map = (Map<String, Object>) map.computeIfAbsent(keys[i], (key) -> new LinkedHashMap<String, Object>());
		}
		map.put(keys[keys.length - 1], value);
		return this;
	}

	/** Writes the values as YAML to a new file in {@code directory}. */
	Path writeTo(Path directory) {
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		try {
			Path file = Files.createTempFile(directory, "values-", ".yaml");
			Files.writeString(file, new Yaml(options).dump(this.values), StandardCharsets.UTF_8);
			return file;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
