package com.graphpolicygateway.identity;

import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.jwt.Jwt;

import com.graphpolicygateway.system.Ids;

/** Names and facts of Entra ID token claims the gateway relies on. */
public final class EntraClaims {

	/** The caller's tenant. */
	public static final String TENANT_ID = "tid";

	/** Space-separated delegated permissions. */
	public static final String SCOPES = "scp";

	/** Application permissions (app roles). */
	public static final String ROLES = "roles";

	/** Tenant id of personal Microsoft accounts, which this API does not support. */
	public static final String PERSONAL_ACCOUNTS_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

	private EntraClaims() {
	}

	/** The token's {@code tid} when it is a GUID, in lower case. */
	public static @Nullable String tenantId(Jwt jwt) {
		return tenantId(jwt.getClaims());
	}

	/**
	 * The {@code tid} of these claims when it is a GUID, in lower case: a GUID has no
	 * letter case, and the buckets, the policy, the audit trail and the token caches key
	 * on one spelling of it.
	 */
	public static @Nullable String tenantId(Map<String, Object> claims) {
		return guid(claims.get(TENANT_ID));
	}

	/** The value when it is a GUID, in lower case. */
	static @Nullable String guid(@Nullable Object value) {
		return (value instanceof String text && Ids.isGuid(text)) ? text.toLowerCase(Locale.ROOT) : null;
	}

}
