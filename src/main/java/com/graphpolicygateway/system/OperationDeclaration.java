package com.graphpolicygateway.system;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.util.unit.DataSize;

/**
 * One entry of {@code graph-gateway.operations.<id>.*}: a Graph operation the operator
 * declares, or the part of a built-in one the operator changes. Every key is optional
 * here: a key left out keeps the built-in operation's value, and an operation that is not
 * built in must set {@code method}, {@code path}, {@code permissions} and
 * {@code audit.activity} (the catalogue checks the merged result).
 *
 * @param enabled whether the operation is routed at all
 * @param method the HTTP method ({@code PATCH}, {@code POST}, ...)
 * @param path the path template under the Graph version, such as
 * {@code /deviceManagement/managedDevices/{id}/wipe}
 * @param pathVariables what each variable of the path must be: {@code guid}, {@code user}
 * (a GUID or a user principal name) or a regular expression the whole decoded segment
 * must match
 * @param permissions the permissions that grant the operation, as a delegated scope or an
 * application role; any one of them is enough
 * @param intuneRequired whether the caller's tenant must hold an active Intune license
 * @param body what the request body may hold
 * @param audit how the operation's events are named
 */
public record OperationDeclaration(@Nullable Boolean enabled, @Nullable String method, @Nullable String path,
		@Nullable Map<String, String> pathVariables, @Nullable List<String> permissions,
		@Nullable Boolean intuneRequired, @Nullable Body body, @Nullable Audit audit) {

	/** A declaration that changes nothing. */
	public static final OperationDeclaration NONE = new OperationDeclaration(null, null, null, null, null, null, null,
			null);

	/** Checks what can be checked of this entry alone; {@code key} is its prefix. */
	void validate(String key) {
		if (!key.matches("graph-gateway\\.operations\\.[a-z0-9][a-z0-9-]{0,62}")) {
			throw new IllegalArgumentException(
					key + ": an operation's id must be 1 to 63 lower-case letters, digits and dashes");
		}
		if (this.method != null && !this.method.matches("[A-Z]{3,7}")) {
			throw new IllegalArgumentException(key + ".method must be an HTTP method in upper case, such as POST, "
					+ "but was '" + this.method + "'");
		}
		if (this.body != null) {
			this.body.validate(key + ".body");
		}
	}

	/**
	 * The request body an operation takes.
	 *
	 * @param presence {@code required} (one JSON object), {@code optional} (no body, or
	 * one JSON object) or {@code none} (no body, or an empty JSON object)
	 * @param properties the top-level properties the body may hold, each with its JSON
	 * type: {@code string}, {@code boolean}, {@code integer}, {@code number},
	 * {@code object}, {@code array} or {@code any}
	 * @param required the properties the body must hold
	 * @param additionalProperties whether properties not listed are accepted
	 * @param maxSize largest body accepted, at most
	 * {@code graph-gateway.request.max-body-size}
	 * @param odataType the value {@code @odata.type} must have when the body carries one
	 */
	public record Body(@Nullable String presence, @Nullable Map<String, String> properties,
			@Nullable List<String> required, @Nullable Boolean additionalProperties, @Nullable DataSize maxSize,
			@Nullable String odataType) {

		void validate(String key) {
			if (this.presence != null
					&& !List.of("required", "optional", "none").contains(this.presence.toLowerCase(Locale.ROOT))) {
				throw new IllegalArgumentException(
						key + ".presence must be required, optional or none, but was '" + this.presence + "'");
			}
			if (this.maxSize != null && this.maxSize.toBytes() < 2) {
				throw new IllegalArgumentException(key + ".max-size must be at least 2B, but was " + this.maxSize);
			}
		}

	}

	/**
	 * How an operation's audit events are named, after Intune's {@code auditEvent}.
	 *
	 * @param activity the activity name, such as {@code Wipe managed device}
	 * @param category the category, such as {@code Device}
	 * @param operationType the activity's operation type, such as {@code Action}
	 * @param resourceType the type of the resource the path's last variable names, such
	 * as {@code ManagedDevice}; {@code User} and {@code ManagedDevice} are what
	 * {@code protected-users} and {@code protected-devices} protect
	 * @param redact body properties whose values are stored as {@code [redacted]}, beside
	 * {@code graph-gateway.audit.redact}
	 * @param readable whether the operation (a {@code PATCH}) changes the resource at its
	 * own path, which a {@code GET} of that path reads: a tenant whose policy sets
	 * {@code capture-before} then has the values the change replaces read first
	 */
	public record Audit(@Nullable String activity, @Nullable String category, @Nullable String operationType,
			@Nullable String resourceType, @Nullable List<String> redact, @Nullable Boolean readable) {

		@ConstructorBinding
		public Audit {
		}

		/** How an operation's events are named, leaving {@code readable} as it is. */
		public Audit(@Nullable String activity, @Nullable String category, @Nullable String operationType,
				@Nullable String resourceType, @Nullable List<String> redact) {
			this(activity, category, operationType, resourceType, redact, null);
		}

	}

}
