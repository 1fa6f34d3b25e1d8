package com.graphpolicygateway.graph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpMethod;
import org.springframework.util.unit.DataSize;

import com.graphpolicygateway.system.OperationDeclaration;

/**
 * The built-in operations' declarations, and the making of operations from them: the
 * operator's keys laid over a built-in declaration, or a declaration of the operator's
 * own, checked key by key (an invalid one stops start-up naming its key).
 */
final class OperationDeclarations {

	static final String USER_UPDATE = "intune-mam-user-update";

	static final String USER_WIPE_BY_DEVICE_TAG = "intune-mam-user-wipe-by-device-tag";

	static final String DEVICE_WIPE = "intune-managed-device-wipe";

	static final String DEVICE_RETIRE = "intune-managed-device-retire";

	static final String USER_UPDATE_ROUTE_ID = "graph-users-patch";

	/** The access log's operation, which no declaration may name. */
	static final String AUDIT_READ = "audit-read";

	/** The permission of the seed and of the device-tag wipe. */
	static final String APPS_PERMISSION = "DeviceManagementApps.ReadWrite.All";

	private static final String DEVICES_PRIVILEGED_PERMISSION = "DeviceManagementManagedDevices.PrivilegedOperations.All";

	private static final Pattern VARIABLE = Operation.VARIABLE;

	private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._~()'=,:-]+");

	private OperationDeclarations() {
	}

	/**
	 * The enabled operations: the built-in ones changed by {@code declared}, and the
	 * declared ones of the operator's own, built-in ones first.
	 */
	static List<Operation> compile(Map<String, OperationDeclaration> declared, String seedPermission,
			DataSize maxBodySize) {
		if (declared.containsKey(AUDIT_READ)) {
			throw new IllegalArgumentException("graph-gateway.operations." + AUDIT_READ
					+ " is reserved: the audit trail records its own readers under that operation; "
					+ "give the operation another id");
		}
		Map<String, OperationDeclaration> builtIn = builtIns(seedPermission);
		List<Operation> operations = new ArrayList<>();
		Set<String> ids = new TreeSet<>(builtIn.keySet());
		ids.addAll(declared.keySet());
		for (String id : ids) {
			OperationDeclaration base = builtIn.get(id);
			OperationDeclaration own = declared.getOrDefault(id, OperationDeclaration.NONE);
			OperationDeclaration merged = (base != null) ? merge(base, own) : own;
			if (Boolean.FALSE.equals(merged.enabled())) {
				continue;
			}
			String routeId = USER_UPDATE.equals(id) ? USER_UPDATE_ROUTE_ID : id;
			operations.add(compile(id, routeId, merged, (int) maxBodySize.toBytes(), base != null));
		}
		operations.sort(Comparator.comparingInt((Operation operation) -> builtInOrder(operation.id()))
			.thenComparing(Operation::id));
		requireDistinct(operations);
		return operations;
	}

	private static int builtInOrder(String id) {
		int index = List.of(USER_UPDATE, USER_WIPE_BY_DEVICE_TAG, DEVICE_WIPE, DEVICE_RETIRE).indexOf(id);
		return (index >= 0) ? index : Integer.MAX_VALUE;
	}

	// @formatter:off
	private static Map<String, OperationDeclaration> builtIns(String seedPermission) {
		Map<String, OperationDeclaration> builtIn = new LinkedHashMap<>();
		builtIn.put(USER_UPDATE, new OperationDeclaration(true, "PATCH", "/users/{id}", Map.of("id", "user"),
				List.of(seedPermission), true,
				new OperationDeclaration.Body("required", Map.of(), List.of(), true, null, "#microsoft.graph.user"),
				new OperationDeclaration.Audit("Patch user", "User", "Patch", OperationAudit.USER, List.of(),
						true)));
		builtIn.put(USER_WIPE_BY_DEVICE_TAG, new OperationDeclaration(true, "POST",
				"/users/{id}/wipeManagedAppRegistrationsByDeviceTag", Map.of("id", "user"),
				List.of(APPS_PERMISSION), true,
				new OperationDeclaration.Body("required", Map.of("deviceTag", "string"), List.of("deviceTag"), false,
						null, null),
				new OperationDeclaration.Audit("Wipe managed apps by device tag", "Application", "Action",
						OperationAudit.USER, List.of())));
		builtIn.put(DEVICE_WIPE, new OperationDeclaration(true, "POST", "/deviceManagement/managedDevices/{id}/wipe",
				Map.of("id", "guid"), List.of(DEVICES_PRIVILEGED_PERMISSION), true,
				new OperationDeclaration.Body("optional",
						Map.of("keepEnrollmentData", "boolean", "keepUserData", "boolean",
								"persistEsimDataPlan", "boolean", "macOsUnlockCode", "string"),
						List.of(), false, null, null),
				new OperationDeclaration.Audit("Wipe managed device", "Device", "Action",
						OperationAudit.MANAGED_DEVICE, List.of("macOsUnlockCode"))));
		builtIn.put(DEVICE_RETIRE, new OperationDeclaration(true, "POST",
				"/deviceManagement/managedDevices/{id}/retire", Map.of("id", "guid"),
				List.of(DEVICES_PRIVILEGED_PERMISSION), true,
				new OperationDeclaration.Body("none", Map.of(), List.of(), false, null, null),
				new OperationDeclaration.Audit("Retire managed device", "Device", "Action",
						OperationAudit.MANAGED_DEVICE, List.of())));
		return builtIn;
	}
	// @formatter:on

	/** A built-in declaration with the operator's keys laid over it (lists replace). */
	private static OperationDeclaration merge(OperationDeclaration base, OperationDeclaration own) {
		return new OperationDeclaration(pick(own.enabled(), base.enabled()), pick(own.method(), base.method()),
				pick(own.path(), base.path()), pick(own.pathVariables(), base.pathVariables()),
				pick(own.permissions(), base.permissions()), pick(own.intuneRequired(), base.intuneRequired()),
				mergeBody(base.body(), own.body()), mergeAudit(base.audit(), own.audit()));
	}

	private static OperationDeclaration.@Nullable Body mergeBody(OperationDeclaration.@Nullable Body base,
			OperationDeclaration.@Nullable Body own) {
		if (own == null || base == null) {
			return (own != null) ? own : base;
		}
		return new OperationDeclaration.Body(pick(own.presence(), base.presence()),
				pick(own.properties(), base.properties()), pick(own.required(), base.required()),
				pick(own.additionalProperties(), base.additionalProperties()), pick(own.maxSize(), base.maxSize()),
				pick(own.odataType(), base.odataType()));
	}

	private static OperationDeclaration.@Nullable Audit mergeAudit(OperationDeclaration.@Nullable Audit base,
			OperationDeclaration.@Nullable Audit own) {
		if (own == null || base == null) {
			return (own != null) ? own : base;
		}
		return new OperationDeclaration.Audit(pick(own.activity(), base.activity()),
				pick(own.category(), base.category()), pick(own.operationType(), base.operationType()),
				pick(own.resourceType(), base.resourceType()), pick(own.redact(), base.redact()),
				pick(own.readable(), base.readable()));
	}

	private static <T> @Nullable T pick(@Nullable T own, @Nullable T base) {
		return (own != null) ? own : base;
	}

	private static Operation compile(String id, String routeId, OperationDeclaration declared, int maxBodySize,
			boolean builtIn) {
		String key = "graph-gateway.operations." + id;
		if (declared.method() == null) {
			throw new IllegalArgumentException(key + ".method must be set (PATCH, POST, ...)");
		}
		Map<String, IdPattern> variables = pathVariables(key, declared);
		if (declared.permissions() == null || declared.permissions().isEmpty()
				|| declared.permissions().stream().anyMatch((permission) -> !permission.matches("[A-Za-z0-9._-]+"))) {
			throw new IllegalArgumentException(key + ".permissions must list at least one permission "
					+ "(such as DeviceManagementManagedDevices.PrivilegedOperations.All), each one word");
		}
		OperationDeclaration.Audit audit = declared.audit();
		if (audit == null || isBlank(audit.activity()) || isBlank(audit.resourceType())) {
			throw new IllegalArgumentException(key + ".audit.activity and " + key
					+ ".audit.resource-type must be set (for example 'Wipe managed device' and 'ManagedDevice')");
		}
		HttpMethod method = HttpMethod.valueOf(declared.method());
		boolean readable = Boolean.TRUE.equals(audit.readable());
		if (readable && !HttpMethod.PATCH.equals(method)) {
			// The before-image is read with a GET of the operation's own path: only a
			// PATCH changes the resource that path reads.
			throw new IllegalArgumentException(key + ".audit.readable can only be true for a PATCH, whose path "
					+ "a GET reads, but the method is " + method.name());
		}
		OperationAudit named = new OperationAudit(audit.activity(),
				isBlank(audit.category()) ? "Other" : audit.category(),
				isBlank(audit.operationType()) ? defaultOperationType(method) : audit.operationType(),
				audit.resourceType(), (audit.redact() != null) ? audit.redact() : List.of(), readable);
		return new Operation(id, routeId, method, declared.path(), variables, Set.copyOf(declared.permissions()),
				!Boolean.FALSE.equals(declared.intuneRequired()), body(key, declared.body(), maxBodySize), named);
	}

	private static Map<String, IdPattern> pathVariables(String key, OperationDeclaration declared) {
		String path = declared.path();
		if (path == null || !path.startsWith("/") || path.endsWith("/")) {
			throw new IllegalArgumentException(
					key + ".path must be a path template such as /deviceManagement/managedDevices/{id}/wipe");
		}
		for (String version : Operation.VERSIONS) {
			if (path.equals(version) || path.startsWith(version + "/")) {
				throw new IllegalArgumentException(key + ".path must leave out the Graph version (" + version
						+ "): every operation is served bare, under /v1.0 and under /beta");
			}
		}
		Map<String, String> declaredPatterns = (declared.pathVariables() != null) ? declared.pathVariables() : Map.of();
		Map<String, IdPattern> variables = new LinkedHashMap<>();
		for (String segment : path.substring(1).split("/", -1)) {
			Matcher variable = VARIABLE.matcher(segment);
			if (variable.matches()) {
				String name = variable.group(1);
				String pattern = declaredPatterns.get(name);
				if (pattern == null || variables.containsKey(name)) {
					throw new IllegalArgumentException(key + ".path-variables." + name + " must say what {" + name
							+ "} is, once: guid, user or a regular expression");
				}
				variables.put(name, IdPattern.parse(pattern, key + ".path-variables." + name));
			}
			else if (!LITERAL.matcher(segment).matches()) {
				throw new IllegalArgumentException(key + ".path has a segment '" + segment
						+ "' that is neither a {variable} nor plain letters, digits and ._~()'=,:-");
			}
		}
		if (variables.isEmpty()) {
			throw new IllegalArgumentException(
					key + ".path must hold at least one {variable}: its last one names the call's target");
		}
		for (String name : declaredPatterns.keySet()) {
			if (!variables.containsKey(name)) {
				throw new IllegalArgumentException(key + ".path-variables." + name + " names no variable of " + path);
			}
		}
		return variables;
	}

	private static BodySchema body(String key, OperationDeclaration.@Nullable Body body, int maxBodySize) {
		if (body == null) {
			return new BodySchema(BodySchema.Presence.REQUIRED, Map.of(), Set.of(), false, maxBodySize, null);
		}
		Map<String, BodySchema.JsonType> properties = new TreeMap<>();
		if (body.properties() != null) {
			body.properties()
				.forEach((name, type) -> properties.put(name,
						BodySchema.JsonType.parse(type, key + ".body.properties." + name)));
		}
		List<String> required = (body.required() != null) ? body.required() : List.of();
		boolean additional = Boolean.TRUE.equals(body.additionalProperties());
		for (String name : required) {
			if (!additional && !properties.containsKey(name)) {
				throw new IllegalArgumentException(key + ".body.required names " + name
						+ ", which is not one of .body.properties (and additional properties are refused)");
			}
		}
		if (body.maxSize() != null && body.maxSize().toBytes() > maxBodySize) {
			throw new IllegalArgumentException(key + ".body.max-size (" + body.maxSize()
					+ ") is larger than graph-gateway.request.max-body-size (" + maxBodySize + "B)");
		}
		BodySchema.Presence presence = (body.presence() != null) ? BodySchema.Presence.parse(body.presence())
				: BodySchema.Presence.REQUIRED;
		if (presence == BodySchema.Presence.NONE && (!properties.isEmpty() || !required.isEmpty() || additional)) {
			throw new IllegalArgumentException(
					key + ".body.presence is none, so the body may declare no properties and accept none");
		}
		int maxBytes = (body.maxSize() != null) ? (int) body.maxSize().toBytes() : maxBodySize;
		return new BodySchema(presence, properties, Set.copyOf(required), additional, maxBytes, body.odataType());
	}

	private static String defaultOperationType(HttpMethod method) {
		return switch (method.name()) {
			case "PATCH", "PUT" -> "Patch";
			case "POST" -> "Action";
			case "DELETE" -> "Delete";
			default -> "Other";
		};
	}

	private static void requireDistinct(List<Operation> operations) {
		Map<String, String> seen = new TreeMap<>();
		for (Operation operation : operations) {
			String shape = operation.method() + " " + VARIABLE.matcher(operation.path()).replaceAll("{}");
			String other = seen.putIfAbsent(shape.toLowerCase(Locale.ROOT), operation.id());
			if (other != null) {
				throw new IllegalArgumentException("graph-gateway.operations." + operation.id() + " is at "
						+ operation.describe() + ", where graph-gateway.operations." + other
						+ " already is; switch one off (enabled: false)");
			}
		}
	}

	private static boolean isBlank(@Nullable String text) {
		return text == null || text.isBlank();
	}

}
