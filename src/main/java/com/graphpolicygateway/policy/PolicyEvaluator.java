package com.graphpolicygateway.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.util.Assert;

import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.policy.CompiledPolicy.TenantRules;
import com.graphpolicygateway.policy.PolicyDecision.OperationLimit;
import com.graphpolicygateway.policy.PolicyDecision.Violation;
import com.graphpolicygateway.policy.PolicyFile.Freeze;
import com.graphpolicygateway.policy.PolicyFile.Mode;

/**
 * Decides a call against the current tenant policy, rule by rule in {@link Rule} order:
 * the first violation of an enforced rule refuses; violations of report-only rules are
 * collected and the call goes on. What applies depends on the operation called: users are
 * protected from operations on users and devices from operations on managed devices,
 * allowed properties concern the user update only, a freeze may name its operations, and
 * the license rule applies to operations that need Intune. The target rule may have to
 * resolve users with Graph; when it cannot, a later rule's refusal still wins over "try
 * again later". The license rule runs last, since it may have to ask Graph. The
 * operation's blast-radius limit is handed on with the decision, for the rate limiter to
 * count.
 */
public final class PolicyEvaluator {

	private static final Log logger = LogFactory.getLog(PolicyEvaluator.class);

	/** Reason of a call whose target could not be resolved to check protected users. */
	static final String TARGET_UNRESOLVED = "target_unresolved";

	/** Reason of a call whose tenant's Intune license could not be checked. */
	static final String LICENSE_CHECK_FAILED = "license_check_failed";

	private static final String ODATA_TYPE = "@odata.type";

	private final PolicyStore store;

	private final IntuneLicenseChecker licenses;

	private final TargetProtection targets;

	private final boolean licenseFailOpen;

	PolicyEvaluator(PolicyStore store, IntuneLicenseChecker licenses, TargetProtection targets,
			boolean licenseFailOpen) {
		Assert.notNull(store, "store cannot be null");
		Assert.notNull(licenses, "licenses cannot be null");
		Assert.notNull(targets, "targets cannot be null");
		this.store = store;
		this.licenses = licenses;
		this.targets = targets;
		this.licenseFailOpen = licenseFailOpen;
	}

	public Mono<PolicyDecision> decide(PolicyRequest request) {
		CompiledPolicy policy = this.store.current();
		TenantRules tenant = policy.tenant(request.tenantId());
		Checks checks = new Checks(tenant, policy.version(), tenant.operationLimits().get(request.operation().id()));
		boolean refused = checks.check(Rule.TENANT, tenantViolation(tenant, request))
				|| checks.check(Rule.CALLER, callerViolation(tenant, request))
				|| checks.check(Rule.OPERATION, operationViolation(tenant, request));
		if (refused) {
			return Mono.just(checks.decision());
		}
		return userProtection(tenant, request).flatMap((target) -> decideFromTarget(tenant, request, checks, target));
	}

	/** Whether the target is a protected user, for operations on users only. */
	private Mono<TargetProtection.Outcome> userProtection(TenantRules tenant, PolicyRequest request) {
		if (!request.operation().targetsUser()) {
			return Mono.just(TargetProtection.Outcome.NOT_PROTECTED);
		}
		return this.targets.check(tenant, request.tenantId(), request.target());
	}

	private Mono<PolicyDecision> decideFromTarget(TenantRules tenant, PolicyRequest request, Checks checks,
			TargetProtection.Outcome target) {
		boolean refused = checks.record(Rule.TARGET, targetViolation(tenant, request, target))
				|| checks.targetUnknown(request, target, false)
				|| checks.check(Rule.PROPERTIES, propertyViolation(tenant, request))
				|| checks.check(Rule.FREEZE, freezeViolation(tenant, request))
				|| checks.targetUnknown(request, target, true);
		if (refused || !request.operation().intuneRequired()) {
			return Mono.just(checks.decision());
		}
		return licenseViolation(tenant, request).map((violation) -> {
			checks.check(Rule.LICENSE, violation);
			return checks.decision();
		}).onErrorResume(LicenseCheckFailed.class, (ex) -> Mono.just(checks.licenseUnknown(ex, this.licenseFailOpen)));
	}

	private static Optional<String> tenantViolation(TenantRules tenant, PolicyRequest request) {
		if (!tenant.known() && !tenant.enabled()) {
			return Optional.of("Tenant " + request.tenantId() + " is not allowed to use this gateway.");
		}
		if (!tenant.enabled()) {
			return Optional.of("Tenant " + request.tenantId() + " is disabled on this gateway.");
		}
		return Optional.empty();
	}

	private static Optional<String> callerViolation(TenantRules tenant, PolicyRequest request) {
		if (tenant.allowedApplications().isEmpty()) {
			return Optional.empty();
		}
		String app = (request.applicationId() != null) ? request.applicationId().toLowerCase(Locale.ROOT) : "";
		return tenant.allowedApplications().contains(app) ? Optional.empty() : Optional
			.of("Application " + request.applicationId() + " is not allowed to call the gateway in this tenant.");
	}

	private static Optional<String> operationViolation(TenantRules tenant, PolicyRequest request) {
		Operation operation = request.operation();
		return tenant.allows(operation.id()) ? Optional.empty() : Optional
			.of("Operation " + operation.id() + " (" + operation.describe() + ") is not allowed in this tenant.");
	}

	private static Optional<Violation> targetViolation(TenantRules tenant, PolicyRequest request,
			TargetProtection.Outcome user) {
		if (user.isProtected()) {
			return Optional.of(Violation.of(Rule.TARGET,
					"User " + request.target() + " is protected and cannot be changed through the gateway."));
		}
		if (request.operation().targetsManagedDevice()
				&& tenant.protectedDevices().contains(request.target().toLowerCase(Locale.ROOT))) {
			return Optional.of(new Violation(Rule.TARGET.reason(), Rule.TARGET_DEVICE_PROTECTED, Rule.TARGET.status(),
					"Managed device " + request.target() + " is protected: " + request.operation().id()
							+ " cannot be called on it through the gateway."));
		}
		return Optional.empty();
	}

	private static Optional<String> propertyViolation(TenantRules tenant, PolicyRequest request) {
		// allowed-properties are the properties of the user update, the one operation
		// whose body is a set of properties to change.
		if (tenant.allowedProperties().isEmpty() || !OperationCatalogue.USER_UPDATE.equals(request.operation().id())) {
			return Optional.empty();
		}
		return request.propertyNames()
			.stream()
			.filter((name) -> !ODATA_TYPE.equals(name))
			.filter((name) -> !tenant.allowedProperties().contains(name.toLowerCase(Locale.ROOT)))
			.findFirst()
			.map((name) -> "Property '" + name + "' may not be changed in this tenant.");
	}

	private static Optional<String> freezeViolation(TenantRules tenant, PolicyRequest request) {
		Optional<Freeze> active = FreezeWindows.activeAt(tenant.freezes(), request.operation().id(), request.at());
		return active.map((freeze) -> "Changes are frozen in this tenant (" + FreezeWindows.describe(freeze) + ").");
	}

	private Mono<Optional<String>> licenseViolation(TenantRules tenant, PolicyRequest request) {
		return switch (tenant.license()) {
			case ACTIVE -> Mono.just(Optional.empty());
			case INACTIVE -> Mono.just(Optional.of(unlicensed(request)));
			case AUTO -> (request.tenantId() == null) ? Mono.just(Optional.of(unlicensed(request)))
					: this.licenses.isLicensed(request.tenantId())
						.map((licensed) -> licensed ? Optional.<String>empty() : Optional.of(unlicensed(request)))
						.onErrorMap((ex) -> new LicenseCheckFailed(ex));
		};
	}

	private static String unlicensed(PolicyRequest request) {
		return "Tenant " + request.tenantId() + " has no active Intune license (INTUNE_A or INTUNE_EDU).";
	}

	/** Collects the decision as rules are checked. */
	private static final class Checks {

		private final TenantRules tenant;

		private final String version;

		private final @Nullable OperationLimit operationLimit;

		private final List<Violation> wouldRefuse = new ArrayList<>();

		private Violation refusal;

		Checks(TenantRules tenant, String version, @Nullable OperationLimit operationLimit) {
			this.tenant = tenant;
			this.version = version;
			this.operationLimit = operationLimit;
		}

		/**
		 * Records a violation described by its message; true when it refuses the call.
		 */
		boolean check(Rule rule, Optional<String> violation) {
			return record(rule, violation.map((message) -> Violation.of(rule, message)));
		}

		/** Records a violation of the rule; true when it refuses the call. */
		boolean record(Rule rule, Optional<Violation> violation) {
			if (violation.isEmpty()) {
				return false;
			}
			Violation found = violation.get();
			if (this.tenant.mode(rule) == Mode.REPORT_ONLY) {
				this.wouldRefuse.add(found);
				return false;
			}
			this.refusal = found;
			return true;
		}

		/**
		 * Records a target that could not be resolved: at the target rule's place when
		 * the rule is report-only, else as the refusal once no other rule refused
		 * ({@code last}). True when it refuses the call.
		 */
		boolean targetUnknown(PolicyRequest request, TargetProtection.Outcome target, boolean last) {
			boolean enforced = this.tenant.mode(Rule.TARGET) == Mode.ENFORCE;
			if (target.unresolved() == null || enforced != last) {
				return false;
			}
			logger.warn("Target " + request.target() + " of a call in tenant " + request.tenantId()
					+ " could not be resolved to check protected users: " + target.unresolved());
			Violation unknown = new Violation(TARGET_UNRESOLVED, GraphErrorCodes.SERVICE_NOT_AVAILABLE,
					HttpStatus.SERVICE_UNAVAILABLE, "User " + request.target()
							+ " could not be looked up in Microsoft Graph to check protected users; try again later.");
			if (last) {
				this.refusal = unknown;
				return true;
			}
			this.wouldRefuse.add(unknown);
			return false;
		}

		PolicyDecision licenseUnknown(LicenseCheckFailed ex, boolean failOpen) {
			logger.warn("Intune license check failed for tenant " + this.tenant.id() + ": " + ex.getMessage());
			Violation unknown = new Violation(LICENSE_CHECK_FAILED, GraphErrorCodes.SERVICE_NOT_AVAILABLE,
					HttpStatus.SERVICE_UNAVAILABLE,
					"The tenant's Intune license could not be checked with Microsoft Graph; try again later.");
			if (failOpen || this.tenant.mode(Rule.LICENSE) == Mode.REPORT_ONLY) {
				this.wouldRefuse.add(unknown);
			}
			else {
				this.refusal = unknown;
			}
			return decision();
		}

		PolicyDecision decision() {
			return new PolicyDecision(this.refusal, this.wouldRefuse, this.version, this.tenant.rateLimits(),
					this.operationLimit, this.tenant.captureBefore());
		}

	}

	/** The license of a tenant could not be established. */
	static final class LicenseCheckFailed extends RuntimeException {

		LicenseCheckFailed(Throwable cause) {
			super(cause.getMessage(), cause, false, false);
		}

	}

}
