package com.graphpolicygateway.audit.query;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.server.ServerRequest;

import com.graphpolicygateway.identity.Caller;

/**
 * What an auditor may see, for the API and the page alike: a tenant auditor only the
 * tenant in their token (or ID token), a configured global auditor every tenant.
 */
public final class AuditAccess {

	private final Set<String> globalAuditors;

	public AuditAccess(List<String> globalAuditors) {
		// Object ids and application ids are GUIDs, compared without letter case.
		this.globalAuditors = globalAuditors.stream()
			.map((id) -> id.toLowerCase(Locale.ROOT))
			.collect(Collectors.toUnmodifiableSet());
	}

	/**
	 * Who is asking; empty when the caller names neither a tenant nor a global auditor.
	 */
	public Mono<Auditor> auditor(ServerRequest request) {
		return request.principal()
			.map(Caller::of)
			.flatMap(Mono::justOrEmpty)
			.map((caller) -> new Auditor(caller.tenantId(), isGlobal(caller), caller))
			.filter((auditor) -> auditor.global() || auditor.tenantId() != null);
	}

	/**
	 * The query limited to the auditor's tenant unless the auditor is global; naming
	 * another tenant is refused.
	 */
	public static AuditQuery scope(Auditor auditor, AuditQuery query) {
		if (auditor.global()) {
			return query;
		}
		if (query.tenant() != null && !query.tenant().equalsIgnoreCase(auditor.tenantId())) {
			throw new AuditQuery.InvalidParameterException("tenant",
					"names another tenant than the caller's; tenant auditors see only their own tenant");
		}
		return query.inTenant(auditor.tenantId());
	}

	private boolean isGlobal(Caller caller) {
		return (caller.userId() != null && this.globalAuditors.contains(caller.userId().toLowerCase(Locale.ROOT)))
				|| (caller.type().equals("Application") && caller.applicationId() != null
						&& this.globalAuditors.contains(caller.applicationId().toLowerCase(Locale.ROOT)));
	}

	/**
	 * Who is asking.
	 *
	 * @param tenantId the auditor's tenant
	 * @param global whether the auditor sees every tenant
	 * @param caller the caller as the token names it
	 */
	public record Auditor(@Nullable String tenantId, boolean global, Caller caller) {

		boolean sees(@Nullable String eventTenant) {
			return this.global || (eventTenant != null && eventTenant.equalsIgnoreCase(this.tenantId));
		}

	}

}
