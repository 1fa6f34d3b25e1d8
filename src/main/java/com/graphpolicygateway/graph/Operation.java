package com.graphpolicygateway.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.http.HttpMethod;

/**
 * One Graph operation the gateway routes, declared once in the catalogue: what is called,
 * who may call it, what its path and body may hold and how its audit events are named.
 * Every stage reads what it needs from here: the route and the request guard, the
 * permission check, the tenant policy and the audit trail.
 *
 * @param id the operation's id, part of the public contract
 * ({@code intune-managed-device-wipe})
 * @param routeId the id of the gateway route that serves it (metrics are tagged with it)
 * @param method the HTTP method
 * @param path the path template under the Graph version
 * ({@code /deviceManagement/managedDevices/{id}/wipe})
 * @param pathVariables what each variable of the path must be, in the path's order; the
 * last names the call's target
 * @param permissions the permissions that grant the operation (any one of them), in scope
 * or role form alike
 * @param intuneRequired whether the caller's tenant must hold an active Intune license
 * @param body what the request body may hold
 * @param audit how its audit events are named
 */
public record Operation(String id, String routeId, HttpMethod method, String path, Map<String, IdPattern> pathVariables,
		Set<String> permissions, boolean intuneRequired, BodySchema body, OperationAudit audit) {

	/** The Graph version a path without one goes to. */
	public static final String DEFAULT_VERSION = "/v1.0";

	/** The Graph versions a path may name. */
	public static final List<String> VERSIONS = List.of("/v1.0", "/beta");

	/** A variable segment of a path template, {@code {id}}. */
	static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]{0,62})\\}");

	public Operation {
		pathVariables = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pathVariables));
		permissions = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(permissions));
	}

	/**
	 * The paths it is served at: bare (Graph's default version), {@code /v1.0} and
	 * {@code /beta}.
	 */
	public List<String> paths() {
		List<String> paths = new ArrayList<>();
		paths.add(this.path);
		VERSIONS.forEach((version) -> paths.add(version + this.path));
		return paths;
	}

	/** The variable of the path that names the call's target. */
	public String targetVariable() {
		String last = null;
		for (String name : this.pathVariables.keySet()) {
			last = name;
		}
		return last;
	}

	/** Whether the call's target is a user ({@code protected-users} protect it). */
	public boolean targetsUser() {
		return OperationAudit.USER.equals(this.audit.resourceType());
	}

	/**
	 * Whether the call's target is a managed device ({@code protected-devices} protect
	 * it).
	 */
	public boolean targetsManagedDevice() {
		return OperationAudit.MANAGED_DEVICE.equals(this.audit.resourceType());
	}

	/** {@code POST /deviceManagement/managedDevices/{id}/wipe}. */
	public String describe() {
		return this.method.name() + " " + this.path;
	}

}
