package com.graphpolicygateway.graph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import com.graphpolicygateway.system.OperationDeclaration;

/**
 * The Graph operations the gateway routes: the built-in Intune operations, changed or
 * switched off by {@code graph-gateway.operations}, and the operator's own. Everything
 * not declared here is refused: an undeclared path 404, an undeclared method on a
 * declared path 405. Immutable; built once at start-up, where an invalid declaration
 * stops the gateway with a message naming its key.
 */
public final class OperationCatalogue {

	/** The seed: Intune MAM "Update user", {@code PATCH /users/{id}}. */
	public static final String USER_UPDATE = "intune-mam-user-update";

	/** {@code POST /users/{id}/wipeManagedAppRegistrationsByDeviceTag}. */
	public static final String USER_WIPE_BY_DEVICE_TAG = "intune-mam-user-wipe-by-device-tag";

	/** {@code POST /deviceManagement/managedDevices/{id}/wipe}. */
	public static final String DEVICE_WIPE = "intune-managed-device-wipe";

	/** {@code POST /deviceManagement/managedDevices/{id}/retire}. */
	public static final String DEVICE_RETIRE = "intune-managed-device-retire";

	/** The Graph version a path without one goes to. */
	public static final String DEFAULT_VERSION = "/v1.0";

	/** The Graph versions a path may name. */
	public static final List<String> VERSIONS = List.of("/v1.0", "/beta");

	/** The id of the seed's route, kept from before the catalogue: metrics carry it. */
	public static final String USER_UPDATE_ROUTE_ID = "graph-users-patch";

	private static final String APPS_PERMISSION = "DeviceManagementApps.ReadWrite.All";

	private static final String DEVICES_PRIVILEGED_PERMISSION = "DeviceManagementManagedDevices.PrivilegedOperations.All";

	private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]{0,62})\\}");

	private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._~()'=,:-]+");

	private final List<Entry> entries;

	private final Map<String, Operation> byId;

	private OperationCatalogue(List<Operation> operations) {
		this.entries = operations.stream().map(Entry::new).toList();
		Map<String, Operation> byId = new LinkedHashMap<>();
		operations.forEach((operation) -> byId.put(operation.id(), operation));
		this.byId = java.util.Collections.unmodifiableMap(byId);
	}

	/**
	 * The catalogue of the built-in operations, changed by {@code declared}.
	 * @param declared {@code graph-gateway.operations}
	 * @param seedPermission {@code graph-gateway.required-permission}, the seed's
	 * permission unless it declares its own
	 * @param maxBodySize {@code graph-gateway.request.max-body-size}, every body's cap
	 */
	public static OperationCatalogue of(Map<String, OperationDeclaration> declared, String seedPermission,
			DataSize maxBodySize) {
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
		return new OperationCatalogue(operations);
	}

	/** The built-in operations as shipped (the seed's permission at its default). */
	public static OperationCatalogue builtIn() {
		return of(Map.of(), APPS_PERMISSION, DataSize.ofMegabytes(1));
	}

	/** Every operation routed, built-in ones first. */
	public List<Operation> operations() {
		return this.entries.stream().map(Entry::operation).toList();
	}

	/** The enabled operation with this id. */
	public Optional<Operation> find(String id) {
		return Optional.ofNullable(this.byId.get(id));
	}

	/** The operation a method and path call, if any. */
	public @Nullable OperationMatch match(HttpMethod method, PathContainer path) {
		for (Entry entry : this.entries) {
			if (entry.operation.method().equals(method)) {
				OperationMatch match = entry.match(path);
				if (match != null) {
					return match;
				}
			}
		}
		return null;
	}

	/**
	 * The operation the exchange's request calls, found once and kept on the exchange for
	 * every later stage.
	 */
	public @Nullable OperationMatch matchOn(ServerWebExchange exchange) {
		if (OperationMatch.lookedFor(exchange)) {
			return OperationMatch.from(exchange);
		}
		OperationMatch match = match(exchange.getRequest().getMethod(),
				exchange.getRequest().getPath().pathWithinApplication());
		OperationMatch.store(exchange, match);
		return match;
	}

	/** The methods declared at a path (empty when no operation is at it). */
	public Set<HttpMethod> methodsAt(PathContainer path) {
		Set<HttpMethod> methods = new LinkedHashSet<>();
		for (Entry entry : this.entries) {
			if (entry.match(path) != null) {
				methods.add(entry.operation.method());
			}
		}
		return methods;
	}

	/**
	 * The operations a request is aimed at: those of its method whose path, cut after its
	 * last literal segment, names the request's path or one above it ({@code /users/**}
	 * for {@code PATCH /users/{id}}), so that a path no operation matches exactly (a
	 * sub-path, an extra slash) is still authenticated, audited and then refused.
	 */
	public List<Operation> aimedAt(HttpMethod method, PathContainer path) {
		List<Operation> aimed = new ArrayList<>();
		for (Entry entry : this.entries) {
			if (entry.operation.method().equals(method) && entry.underPrefix(path)) {
				aimed.add(entry.operation);
			}
		}
		return aimed;
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
				new OperationDeclaration.Audit("Patch user", "User", "Patch", OperationAudit.USER, List.of())));
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
				pick(own.resourceType(), base.resourceType()), pick(own.redact(), base.redact()));
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
		OperationAudit named = new OperationAudit(audit.activity(),
				isBlank(audit.category()) ? "Other" : audit.category(),
				isBlank(audit.operationType()) ? defaultOperationType(method) : audit.operationType(),
				audit.resourceType(), (audit.redact() != null) ? audit.redact() : List.of());
		return new Operation(id, routeId, method, declared.path(), variables, Set.copyOf(declared.permissions()),
				!Boolean.FALSE.equals(declared.intuneRequired()), body(key, declared.body(), maxBodySize), named);
	}

	private static Map<String, IdPattern> pathVariables(String key, OperationDeclaration declared) {
		String path = declared.path();
		if (path == null || !path.startsWith("/") || path.endsWith("/")) {
			throw new IllegalArgumentException(
					key + ".path must be a path template such as /deviceManagement/managedDevices/{id}/wipe");
		}
		for (String version : VERSIONS) {
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

	/** One operation with its compiled path patterns. */
	private static final class Entry {

		private final Operation operation;

		private final List<PathPattern> patterns;

		private final List<PathPattern> prefixes;

		private final List<String> templateSegments;

		Entry(Operation operation) {
			this.operation = operation;
			PathPatternParser parser = PathPatternParser.defaultInstance;
			this.patterns = operation.paths().stream().map(parser::parse).toList();
			this.templateSegments = List.of(operation.path().substring(1).split("/", -1));
			String prefix = prefix(this.templateSegments);
			List<String> prefixes = new ArrayList<>();
			prefixes.add(prefix);
			VERSIONS.forEach((version) -> prefixes.add(version + prefix));
			this.prefixes = prefixes.stream().map(parser::parse).toList();
		}

		/**
		 * What the operation's path names and everything beneath it: the template cut
		 * after its last literal segment, each variable before it one segment, then
		 * {@code /**}. {@code /users/**} for {@code PATCH /users/{id}};
		 * {@code /users/*}{@code /wipeManagedAppRegistrationsByDeviceTag/**} for the
		 * device-tag wipe, so that {@code POST /users/{id}} is not aimed at it.
		 */
		private static String prefix(List<String> templateSegments) {
			int lastLiteral = templateSegments.size() - 1;
			while (lastLiteral > 0 && VARIABLE.matcher(templateSegments.get(lastLiteral)).matches()) {
				lastLiteral--;
			}
			StringBuilder prefix = new StringBuilder();
			for (String segment : templateSegments.subList(0, lastLiteral + 1)) {
				prefix.append('/').append(VARIABLE.matcher(segment).matches() ? "*" : segment);
			}
			return prefix.append("/**").toString();
		}

		Operation operation() {
			return this.operation;
		}

		@Nullable OperationMatch match(PathContainer path) {
			for (PathPattern pattern : this.patterns) {
				if (pattern.matches(path)) {
					return new OperationMatch(this.operation, rawVariables(path));
				}
			}
			return null;
		}

		boolean underPrefix(PathContainer path) {
			for (PathPattern prefix : this.prefixes) {
				if (prefix.matches(path)) {
					return true;
				}
			}
			return false;
		}

		private Map<String, String> rawVariables(PathContainer path) {
			List<String> segments = new ArrayList<>();
			for (PathContainer.Element element : path.elements()) {
				if (element instanceof PathContainer.PathSegment segment) {
					segments.add(segment.value());
				}
			}
			int offset = segments.size() - this.templateSegments.size();
			Map<String, String> raw = new LinkedHashMap<>();
			for (int i = 0; i < this.templateSegments.size(); i++) {
				Matcher variable = VARIABLE.matcher(this.templateSegments.get(i));
				if (variable.matches()) {
					raw.put(variable.group(1), segments.get(offset + i));
				}
			}
			return raw;
		}

	}

}
