package com.graphpolicygateway.graph;

/**
 * Where the audit page lives, named once for its handlers and its security chain alike.
 */
public final class AuditPagePaths {

	/** The page: the filtered, paged table of events. */
	public static final String PAGE = "/audit";

	/** Everything else of the page (detail, CSV, sign-out, assets) lives under here. */
	public static final String PREFIX = "/audit/page";

	/** One event. */
	public static final String EVENT = PREFIX + "/events/{id}";

	/** The access log's tab: who read the audit trail (global auditors only). */
	public static final String ACCESS = PREFIX + "/access";

	/** CSV of the current filter. */
	public static final String EXPORT = PREFIX + "/export.csv";

	/** Style sheet and other static files, readable without signing in. */
	public static final String ASSETS = PREFIX + "/assets/";

	/** Where a signed-in user without the auditor permission lands. */
	public static final String FORBIDDEN = PREFIX + "/forbidden";

	/** Signs out (POST, with the CSRF token). */
	public static final String SIGN_OUT = PREFIX + "/sign-out";

	/** Shown after signing out; readable without signing in. */
	public static final String SIGNED_OUT = PREFIX + "/signed-out";

	/**
	 * Shown when the identity provider's answer was refused; readable without signing in.
	 */
	public static final String SIGN_IN_FAILED = PREFIX + "/sign-in-failed";

	/** The client registration the page signs in with. */
	public static final String REGISTRATION_ID = "audit-page";

	/** The property whose presence turns the page on. */
	public static final String CLIENT_ID_PROPERTY = "spring.security.oauth2.client.registration." + REGISTRATION_ID
			+ ".client-id";

	/** Starts the sign-in (Spring Security's authorization request endpoint). */
	public static final String SIGN_IN = "/oauth2/authorization/" + REGISTRATION_ID;

	/** Where the identity provider returns the user (the registration's redirect URI). */
	public static final String SIGN_IN_CALLBACK = "/login/oauth2/code/" + REGISTRATION_ID;

	private AuditPagePaths() {
	}

}
