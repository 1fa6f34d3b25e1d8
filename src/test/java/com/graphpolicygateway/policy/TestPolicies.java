package com.graphpolicygateway.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Builds tenant policy files: every key optional, written as YAML the way an operator
 * would, so that tests state only the rules they are about.
 */
final class TestPolicies {

	/** The tenant the tests call from unless they name another. */
	static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

	/** A second listed tenant. */
	static final String OTHER_TENANT = "4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d";

	/** A tenant no policy lists. */
	static final String UNKNOWN_TENANT = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

	private TestPolicies() {
	}

	/** An empty policy: built-in defaults, no tenants. */
	static Builder policy() {
		return new Builder();
	}

	/** A tenant entry for {@link Builder#tenant(Rules)}. */
	static Rules tenant(String id) {
		return new Rules().put("id", id);
	}

	/** A policy file under construction. */
	static final class Builder {

		private final Rules defaults = new Rules();

		private final List<Rules> tenants = new ArrayList<>();

		private Builder() {
		}

		Builder defaults(UnaryOperator<Rules> rules) {
			rules.apply(this.defaults);
			return this;
		}

		Builder tenant(Rules tenant) {
			this.tenants.add(tenant);
			return this;
		}

		String yaml() {
			Map<String, Object> file = new LinkedHashMap<>();
			if (!this.defaults.values.isEmpty()) {
				file.put("defaults", this.defaults.values);
			}
			if (!this.tenants.isEmpty()) {
				file.put("tenants", this.tenants.stream().map((tenant) -> tenant.values).toList());
			}
			if (file.isEmpty()) {
				return "defaults: {}\n";
			}
			DumperOptions options = new DumperOptions();
			options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
			return new Yaml(options).dump(file);
		}

		byte[] bytes() {
			return yaml().getBytes(StandardCharsets.UTF_8);
		}

		CompiledPolicy compile() {
			try {
				return PolicyParser.parse(bytes(), "test.yml");
			}
			catch (PolicyParser.InvalidPolicyException ex) {
				throw new IllegalStateException(ex.getMessage() + "\n" + yaml(), ex);
			}
		}

		/** Writes the file (replacing it) and returns its path. */
		Path writeTo(Path file) {
			try {
				Files.write(file, bytes());
				return file;
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	}

	/** The rules of the defaults or of one tenant entry. */
	static final class Rules {

		private final Map<String, Object> values = new LinkedHashMap<>();

		private final Map<String, Object> ruleModes = new LinkedHashMap<>();

		private final List<Object> freezes = new ArrayList<>();

		private final Map<String, Object> operationLimits = new LinkedHashMap<>();

		private Rules() {
		}

		Rules name(String name) {
			return put("name", name);
		}

		Rules enabled(boolean enabled) {
			return put("enabled", enabled);
		}

		Rules unknownTenants(String unknownTenants) {
			return put("unknown-tenants", unknownTenants);
		}

		Rules mode(String mode) {
			return put("mode", mode);
		}

		Rules license(String license) {
			return put("license", license);
		}

		Rules allowedApplications(String... ids) {
			return put("allowed-applications", List.of(ids));
		}

		Rules protectedUsers(String... users) {
			return put("protected-users", List.of(users));
		}

		/** {@code on} (the default) or {@code off}. */
		Rules protectedUsersResolution(String resolution) {
			return put("protected-users-resolution", resolution);
		}

		Rules allowedProperties(String... properties) {
			return put("allowed-properties", List.of(properties));
		}

		/** The operations the tenant may call, by id. */
		Rules operations(String... ids) {
			return put("operations", List.of(ids));
		}

		Rules protectedDevices(String... ids) {
			return put("protected-devices", List.of(ids));
		}

		/**
		 * A blast-radius limit of one operation; per is an ISO-8601 duration such as
		 * PT1H.
		 */
		Rules operationLimit(String id, int max, String per) {
			Map<String, Object> limit = new LinkedHashMap<>();
			limit.put("max", max);
			limit.put("per", per);
			this.operationLimits.put(id, limit);
			return put("operation-limits", this.operationLimits);
		}

		/** Sets the mode of one rule ({@code tenant}, {@code caller}, ...). */
		Rules ruleMode(Rule rule, String mode) {
			this.ruleModes.put(rule.name().toLowerCase(Locale.ROOT), mode);
			return put("rule-modes", this.ruleModes);
		}

		/**
		 * A one-off freeze; start and end are local date-times such as 2026-06-08T00:00.
		 */
		Rules onceFreeze(String name, String start, String end, String zone) {
			Map<String, Object> freeze = new LinkedHashMap<>();
			freeze.put("name", name);
			freeze.put("start", start);
			freeze.put("end", end);
			freeze.put("zone", zone);
			return freeze(freeze);
		}

		/** A one-off freeze of some operations only. */
		Rules onceFreeze(String name, String start, String end, String zone, List<String> operations) {
			Map<String, Object> freeze = new LinkedHashMap<>();
			freeze.put("name", name);
			freeze.put("start", start);
			freeze.put("end", end);
			freeze.put("zone", zone);
			freeze.put("operations", operations);
			return freeze(freeze);
		}

		/** A weekly freeze; from and to are times of day such as 22:00. */
		Rules weeklyFreeze(String name, List<String> days, String from, String to, String zone) {
			Map<String, Object> freeze = new LinkedHashMap<>();
			freeze.put("name", name);
			freeze.put("days", days);
			freeze.put("from", from);
			freeze.put("to", to);
			freeze.put("zone", zone);
			return freeze(freeze);
		}

		private Rules freeze(Map<String, Object> freeze) {
			this.freezes.add(freeze);
			return put("freezes", this.freezes);
		}

		Rules put(String key, Object value) {
			this.values.put(key, value);
			return this;
		}

	}

}
