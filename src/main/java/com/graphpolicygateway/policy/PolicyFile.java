package com.graphpolicygateway.policy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

import com.graphpolicygateway.policy.Bucket;
import com.graphpolicygateway.system.Ids;

/**
 * The tenant policy file as written: defaults that apply to every tenant, and per-tenant
 * entries that override them. Bound with Spring Boot's {@code Binder}, so every error
 * names its key and line.
 *
 * @param defaults rules for tenants that do not override them (and for unknown tenants,
 * when they are allowed)
 * @param tenants the known tenants
 */
record PolicyFile(@DefaultValue Rules defaults, @Nullable List<Tenant> tenants) {

	PolicyFile {
		tenants = (tenants != null) ? List.copyOf(tenants) : List.of();
	}

	/** What happens to a tenant the file does not list. */
	enum UnknownTenants {

		/** Refuse its calls (the default). */
		REFUSE,

		/** Apply the defaults. */
		ALLOW

	}

	/** Whether a rule refuses or only reports. */
	enum Mode {

		/** A violation refuses the call. */
		ENFORCE,

		/** A violation is audited as "would refuse"; the call goes through. */
		REPORT_ONLY

	}

	/** The tenant's Intune license. */
	enum License {

		/** Licensed, without asking Graph. */
		ACTIVE,

		/** Not licensed: every call is refused. */
		INACTIVE,

		/** Asked of Graph ({@code subscribedSkus}), cached. */
		AUTO

	}

	/** How a call's target is matched against {@code protected-users}. */
	enum Resolution {

		/**
		 * The target and the listed principal names are resolved to object ids with
		 * Graph, so a user is protected under any of their identifiers (the default).
		 */
		ON,

		/**
		 * Only the identifiers as written are compared, ignoring case; Graph is not
		 * asked.
		 */
		OFF

	}

	/**
	 * Rules, in the defaults or overriding them for one tenant ({@code null}: inherit).
	 *
	 * @param unknownTenants what happens to unlisted tenants (defaults only)
	 * @param mode the mode of every rule without its own
	 * @param license the license flag
	 * @param allowedApplications application ids that may call; empty allows any
	 * @param protectedUsers user ids and principal names that may never be changed
	 * @param protectedUsersResolution whether protected users are matched by object id
	 * @param allowedProperties properties a PATCH may change; empty allows any
	 * @param freezes windows in which no change is allowed
	 * @param ruleModes a mode per rule, overriding {@code mode}
	 * @param rateLimits token buckets per tenant and per caller
	 * @param operations ids of the operations the tenant may call; null allows every
	 * enabled operation
	 * @param protectedDevices managed device ids (GUIDs) that may never be the target of
	 * an operation on a managed device
	 * @param operationLimits a blast-radius limit per operation id
	 * @param captureBefore whether the values a change replaces are read first
	 */
	record Rules(@Nullable UnknownTenants unknownTenants, @Nullable Mode mode, @Nullable License license,
			@Nullable List<String> allowedApplications, @Nullable List<String> protectedUsers,
			@Nullable Resolution protectedUsersResolution, @Nullable List<String> allowedProperties,
			@Nullable List<Freeze> freezes, @Nullable Map<Rule, Mode> ruleModes, @Nullable Limits rateLimits,
			@Nullable List<String> operations, @Nullable List<String> protectedDevices,
			@Nullable Map<String, OperationLimit> operationLimits,
			PolicyDecision.@Nullable CaptureBefore captureBefore) {

		/** Defaults used when the file leaves them out. */
		static final Rules BUILT_IN = new Rules(UnknownTenants.REFUSE, Mode.ENFORCE, License.AUTO, List.of(), List.of(),
				Resolution.ON, List.of(), List.of(), Map.of(), new Limits(RateLimits.TENANT, RateLimits.CALLER), null,
				List.of(), Map.of(), PolicyDecision.CaptureBefore.OFF);

		Rules {
			UserIdentifiers.requireUsers(protectedUsers);
			requireDevices(protectedDevices);
		}

	}

	/**
	 * One tenant.
	 *
	 * @param id the tenant id (GUID)
	 * @param name a display name for operators
	 * @param enabled whether the tenant's calls may pass at all
	 * @param rules overrides of the defaults
	 */
	record Tenant(String id, @Nullable String name, @DefaultValue("true") boolean enabled,
			@Nullable UnknownTenants unknownTenants, @Nullable Mode mode, @Nullable License license,
			@Nullable List<String> allowedApplications, @Nullable List<String> protectedUsers,
			@Nullable Resolution protectedUsersResolution, @Nullable List<String> allowedProperties,
			@Nullable List<Freeze> freezes, @Nullable Map<Rule, Mode> ruleModes, @Nullable Limits rateLimits,
			@Nullable List<String> operations, @Nullable List<String> protectedDevices,
			@Nullable Map<String, OperationLimit> operationLimits,
			PolicyDecision.@Nullable CaptureBefore captureBefore) {

		Tenant {
			if (id == null || !Ids.isGuid(id)) {
				throw new IllegalArgumentException("tenants[].id must be a tenant GUID, but was " + id);
			}
			if (unknownTenants != null) {
				throw new IllegalArgumentException("tenants[].unknown-tenants is only meaningful in defaults");
			}
			UserIdentifiers.requireUsers(protectedUsers);
			requireDevices(protectedDevices);
		}

		Rules rules() {
			return new Rules(null, this.mode, this.license, this.allowedApplications, this.protectedUsers,
					this.protectedUsersResolution, this.allowedProperties, this.freezes, this.ruleModes,
					this.rateLimits, this.operations, this.protectedDevices, this.operationLimits, this.captureBefore);
		}

	}

	/**
	 * A change-freeze window: either once ({@code start} to {@code end}) or weekly
	 * ({@code days}, {@code from} to {@code to}), in a time zone.
	 *
	 * @param start first moment of a one-off window (local time in {@code zone})
	 * @param end moment a one-off window ends
	 * @param days days of a weekly window
	 * @param from time of day a weekly window starts
	 * @param to time of day a weekly window ends (before {@code from}: the window runs
	 * past midnight)
	 * @param zone the time zone of the window
	 * @param name a label shown in refusals
	 * @param operations ids of the operations the window freezes; null freezes every
	 * operation
	 */
	record Freeze(@Nullable LocalDateTime start, @Nullable LocalDateTime end, @Nullable Set<DayOfWeek> days,
			@Nullable LocalTime from, @Nullable LocalTime to, @DefaultValue("UTC") ZoneId zone, @Nullable String name,
			@Nullable List<String> operations) {

		@ConstructorBinding
		Freeze {
			boolean once = start != null || end != null;
			boolean weekly = days != null || from != null || to != null;
			if (once == weekly) {
				throw new IllegalArgumentException(
						"a freeze is either once (start, end) or weekly (days, from, to), not both or neither");
			}
			if (once && (start == null || end == null || !start.isBefore(end))) {
				throw new IllegalArgumentException("a one-off freeze needs start before end");
			}
			if (weekly && (days == null || days.isEmpty() || from == null || to == null)) {
				throw new IllegalArgumentException(
						"a weekly freeze needs days, from and to (from equal to to covers the whole days)");
			}
			days = (days != null) ? Set.copyOf(days) : null;
			operations = (operations != null) ? List.copyOf(operations) : null;
		}

		/** A window that freezes every operation. */
		Freeze(@Nullable LocalDateTime start, @Nullable LocalDateTime end, @Nullable Set<DayOfWeek> days,
				@Nullable LocalTime from, @Nullable LocalTime to, ZoneId zone, @Nullable String name) {
			this(start, end, days, from, to, zone, name, null);
		}

		/** Whether the window freezes calls of this operation. */
		boolean freezes(String operationId) {
			return this.operations == null || this.operations.contains(operationId);
		}

	}

	/**
	 * A blast-radius limit of one operation in one tenant: at most {@code max} allowed
	 * calls in any sliding window of {@code per}.
	 *
	 * @param max the most calls in a window, at least 1
	 * @param per the window, an ISO-8601 duration such as {@code PT1H}, at least a second
	 */
	record OperationLimit(@Nullable Integer max, @Nullable Duration per) {

		OperationLimit {
			if (max == null || max < 1) {
				throw new IllegalArgumentException(
						"an operation limit needs max, a number of calls of at least 1, " + "but was " + max);
			}
			if (per == null || per.compareTo(Duration.ofSeconds(1)) < 0) {
				throw new IllegalArgumentException("an operation limit needs per, a window of at least a second "
						+ "written as an ISO-8601 duration such as PT1H, but was " + per);
			}
		}

	}

	/**
	 * Refuses a {@code protected-devices} list with an entry that can never name a
	 * managed device: it would protect nothing, silently.
	 */
	private static void requireDevices(@Nullable List<String> entries) {
		if (entries == null) {
			return;
		}
		for (String entry : entries) {
			if (entry == null || !Ids.isGuid(entry)) {
				throw new IllegalArgumentException(
						"protected-devices entry '" + entry + "' is not a managed device id (a GUID)");
			}
		}
	}

	/**
	 * Token-bucket sizes as written; a bucket left out is inherited.
	 *
	 * @param tenant the bucket of the whole tenant
	 * @param caller the bucket of each caller
	 */
	record Limits(@Nullable Bucket tenant, @Nullable Bucket caller) {
	}

}
