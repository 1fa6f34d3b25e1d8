package com.graphpolicygateway.policy;

import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.policy.PolicyFile.Freeze;
import com.graphpolicygateway.policy.PolicyFile.License;
import com.graphpolicygateway.policy.PolicyFile.Mode;
import com.graphpolicygateway.policy.PolicyFile.Resolution;
import com.graphpolicygateway.policy.PolicyFile.Rules;
import com.graphpolicygateway.policy.PolicyFile.UnknownTenants;

/**
 * A policy ready to decide: defaults merged into every tenant, lists turned into
 * case-insensitive sets, keyed by tenant id. Immutable; replaced whole on reload.
 */
final class CompiledPolicy {

	private final String version;

	private final UnknownTenants unknownTenants;

	private final TenantRules defaults;

	private final Map<String, TenantRules> tenants;

	private CompiledPolicy(String version, UnknownTenants unknownTenants, TenantRules defaults,
			Map<String, TenantRules> tenants) {
		this.version = version;
		this.unknownTenants = unknownTenants;
		this.defaults = defaults;
		this.tenants = Map.copyOf(tenants);
	}

	static CompiledPolicy compile(PolicyFile file, String version) throws PolicyParser.InvalidPolicyException {
		Rules defaults = merge(Rules.BUILT_IN, file.defaults());
		UnknownTenants unknown = (file.defaults().unknownTenants() != null) ? file.defaults().unknownTenants()
				: UnknownTenants.REFUSE;
		Map<String, TenantRules> tenants = new HashMap<>();
		for (PolicyFile.Tenant tenant : file.tenants()) {
			String id = tenant.id().toLowerCase(Locale.ROOT);
			if (tenants.containsKey(id)) {
				throw new PolicyParser.InvalidPolicyException("tenant " + tenant.id() + " is listed twice");
			}
			tenants.put(id, TenantRules.of(tenant.id(), tenant.name(), true, tenant.enabled(),
					merge(defaults, tenant.rules())));
		}
		return new CompiledPolicy(version, unknown,
				TenantRules.of(null, null, false, unknown == UnknownTenants.ALLOW, defaults), tenants);
	}

	String version() {
		return this.version;
	}

	int tenantCount() {
		return this.tenants.size();
	}

	/** The rules of a tenant; for an unlisted tenant, the defaults marked as unknown. */
	TenantRules tenant(@Nullable String tenantId) {
		TenantRules rules = (tenantId != null) ? this.tenants.get(tenantId.toLowerCase(Locale.ROOT)) : null;
		return (rules != null) ? rules : this.defaults;
	}

	boolean allowsUnknownTenants() {
		return this.unknownTenants == UnknownTenants.ALLOW;
	}

	private static Rules merge(Rules base, Rules override) {
		Map<Rule, Mode> modes = new EnumMap<>(Rule.class);
		if (base.ruleModes() != null) {
			modes.putAll(base.ruleModes());
		}
		if (override.ruleModes() != null) {
			modes.putAll(override.ruleModes());
		}
		return new Rules(base.unknownTenants(), pick(override.mode(), base.mode()),
				pick(override.license(), base.license()),
				pick(override.allowedApplications(), base.allowedApplications()),
				pick(override.protectedUsers(), base.protectedUsers()),
				pick(override.protectedUsersResolution(), base.protectedUsersResolution()),
				pick(override.allowedProperties(), base.allowedProperties()), pick(override.freezes(), base.freezes()),
				modes, limits(base.rateLimits(), override.rateLimits()), pick(override.operations(), base.operations()),
				pick(override.protectedDevices(), base.protectedDevices()),
				pick(override.operationLimits(), base.operationLimits()),
				pick(override.captureBefore(), base.captureBefore()));
	}

	private static PolicyFile.Limits limits(PolicyFile.@Nullable Limits base, PolicyFile.@Nullable Limits override) {
		if (override == null) {
			return base;
		}
		return new PolicyFile.Limits(pick(override.tenant(), (base != null) ? base.tenant() : null),
				pick(override.caller(), (base != null) ? base.caller() : null));
	}

	private static <T> T pick(@Nullable T override, @Nullable T base) {
		return (override != null) ? override : base;
	}

	/**
	 * One tenant's effective rules.
	 *
	 * @param id the tenant id, or null for the defaults
	 * @param name the display name
	 * @param known whether the file lists the tenant
	 * @param enabled whether its calls may pass (for unknown tenants: whether they are
	 * allowed)
	 * @param modes the mode of each rule
	 * @param license the license flag
	 * @param allowedApplications allowed application ids (lower case); empty allows any
	 * @param protectedUsers protected user ids and principal names (lower case)
	 * @param resolvesProtectedUsers whether protection is matched by object id, resolving
	 * identifiers with Graph
	 * @param allowedProperties allowed properties (lower case); empty allows any
	 * @param freezes change-freeze windows
	 * @param rateLimits the tenant's token buckets
	 * @param operations ids of the operations the tenant may call; null allows every one
	 * @param protectedDevices protected managed device ids (lower case)
	 * @param operationLimits the blast-radius limit of each limited operation, by id
	 * @param captureBefore whether the values a change replaces are read first
	 */
	record TenantRules(@Nullable String id, @Nullable String name, boolean known, boolean enabled,
			Map<Rule, Mode> modes, License license, Set<String> allowedApplications, Set<String> protectedUsers,
			boolean resolvesProtectedUsers, Set<String> allowedProperties, List<Freeze> freezes, RateLimits rateLimits,
			@Nullable Set<String> operations, Set<String> protectedDevices,
			Map<String, PolicyDecision.OperationLimit> operationLimits, PolicyDecision.CaptureBefore captureBefore) {

		static TenantRules of(@Nullable String id, @Nullable String name, boolean known, boolean enabled, Rules rules) {
			Mode mode = (rules.mode() != null) ? rules.mode() : Mode.ENFORCE;
			Map<Rule, Mode> modes = new EnumMap<>(Rule.class);
			for (Rule rule : Rule.values()) {
				Mode own = (rules.ruleModes() != null) ? rules.ruleModes().get(rule) : null;
				modes.put(rule, (own != null) ? own : mode);
			}
			return new TenantRules(id, name, known, enabled, modes,
					(rules.license() != null) ? rules.license() : License.AUTO, lower(rules.allowedApplications()),
					lower(rules.protectedUsers()), rules.protectedUsersResolution() != Resolution.OFF,
					lower(rules.allowedProperties()),
					(rules.freezes() != null) ? List.copyOf(rules.freezes()) : List.of(),
					(rules.rateLimits() != null)
							? new RateLimits(rules.rateLimits().tenant(), rules.rateLimits().caller())
							: RateLimits.BUILT_IN,
					(rules.operations() != null) ? Set.copyOf(rules.operations()) : null,
					lower(rules.protectedDevices()),
					operationLimits(rules.operationLimits(), modes.get(Rule.OPERATION_LIMIT) == Mode.REPORT_ONLY),
					(rules.captureBefore() != null) ? rules.captureBefore() : PolicyDecision.CaptureBefore.OFF);
		}

		private static Map<String, PolicyDecision.OperationLimit> operationLimits(
				@Nullable Map<String, PolicyFile.OperationLimit> limits, boolean reportOnly) {
			Map<String, PolicyDecision.OperationLimit> compiled = new LinkedHashMap<>();
			if (limits != null) {
				limits.forEach((id, limit) -> compiled.put(id,
						new PolicyDecision.OperationLimit(id, limit.max(), limit.per(), reportOnly)));
			}
			return Collections.unmodifiableMap(compiled);
		}

		/** Whether the tenant may call the operation. */
		boolean allows(String operationId) {
			return this.operations == null || this.operations.contains(operationId);
		}

		private static Set<String> lower(@Nullable List<String> values) {
			Set<String> set = new TreeSet<>();
			if (values != null) {
				values.forEach((value) -> set.add(value.toLowerCase(Locale.ROOT)));
			}
			return Set.copyOf(set);
		}

		Mode mode(Rule rule) {
			return this.modes.get(rule);
		}

	}

}
