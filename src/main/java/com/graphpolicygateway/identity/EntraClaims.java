package com.graphpolicygateway.identity;

import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.jwt.Jwt;

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

	private static final Pattern GUID = Pattern
		.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

	private EntraClaims() {
	}

	/** The token's {@code tid} when it is a GUID. */
	public static @Nullable String tenantId(Jwt jwt) {
		Object tid = jwt.getClaims().get(TENANT_ID);
		return (tid instanceof String value && GUID.matcher(value).matches()) ? value : null;
	}

}
