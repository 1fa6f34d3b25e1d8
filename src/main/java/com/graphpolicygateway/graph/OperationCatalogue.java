package com.graphpolicygateway.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;

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
	public static final String USER_UPDATE = OperationDeclarations.USER_UPDATE;

	/** {@code POST /users/{id}/wipeManagedAppRegistrationsByDeviceTag}. */
	public static final String USER_WIPE_BY_DEVICE_TAG = OperationDeclarations.USER_WIPE_BY_DEVICE_TAG;

	/** {@code POST /deviceManagement/managedDevices/{id}/wipe}. */
	public static final String DEVICE_WIPE = OperationDeclarations.DEVICE_WIPE;

	/** {@code POST /deviceManagement/managedDevices/{id}/retire}. */
	public static final String DEVICE_RETIRE = OperationDeclarations.DEVICE_RETIRE;

	/**
	 * Reserved for the audit trail's own access log: the operation of the events that
	 * record who read the trail. No declared operation may take it.
	 */
	public static final String AUDIT_READ = OperationDeclarations.AUDIT_READ;

	/** The id of the seed's route, kept from before the catalogue: metrics carry it. */
	public static final String USER_UPDATE_ROUTE_ID = OperationDeclarations.USER_UPDATE_ROUTE_ID;

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
		return new OperationCatalogue(OperationDeclarations.compile(declared, seedPermission, maxBodySize));
	}

	/** The built-in operations as shipped (the seed's permission at its default). */
	public static OperationCatalogue builtIn() {
		return of(Map.of(), OperationDeclarations.APPS_PERMISSION, DataSize.ofMegabytes(1));
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
			Operation.VERSIONS.forEach((version) -> prefixes.add(version + prefix));
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
			while (lastLiteral > 0 && Operation.VARIABLE.matcher(templateSegments.get(lastLiteral)).matches()) {
				lastLiteral--;
			}
			StringBuilder prefix = new StringBuilder();
			for (String segment : templateSegments.subList(0, lastLiteral + 1)) {
				prefix.append('/').append(Operation.VARIABLE.matcher(segment).matches() ? "*" : segment);
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
				Matcher variable = Operation.VARIABLE.matcher(this.templateSegments.get(i));
				if (variable.matches()) {
					raw.put(variable.group(1), segments.get(offset + i));
				}
			}
			return raw;
		}

	}

}
