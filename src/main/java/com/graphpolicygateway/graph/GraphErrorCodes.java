package com.graphpolicygateway.graph;

/**
 * The {@code error.code} values the gateway answers with. They are part of the public
 * contract (listed in docs/request-path.md, "Errors"): clients branch on them.
 */
public final class GraphErrorCodes {

	/** 400: the request itself is malformed (path, headers or body). */
	public static final String INVALID_REQUEST = "invalidRequest";

	/** 401: the bearer token is missing or not acceptable. */
	public static final String INVALID_AUTHENTICATION_TOKEN = "InvalidAuthenticationToken";

	/** 403: the caller is authenticated but not allowed. */
	public static final String AUTHORIZATION_REQUEST_DENIED = "Authorization_RequestDenied";

	/** 404: no operation of the catalogue is at this path. */
	public static final String ITEM_NOT_FOUND = "itemNotFound";

	/** 405: operations are declared at this path, but not for this method. */
	public static final String METHOD_NOT_ALLOWED = "methodNotAllowed";

	/**
	 * 408: the request line and headers did not arrive within
	 * {@code graph-gateway.request.head-timeout}.
	 */
	public static final String REQUEST_TIMEOUT = "requestTimeout";

	/** 413: the request body is larger than the gateway accepts. */
	public static final String REQUEST_TOO_LARGE = "requestTooLarge";

	/** 415: the request body is not UTF-8 JSON. */
	public static final String UNSUPPORTED_MEDIA_TYPE = "unsupportedMediaType";

	/** 500: the gateway failed unexpectedly. */
	public static final String GENERAL_EXCEPTION = "generalException";

	/** 502: the upstream could not be reached or broke the connection. */
	public static final String BAD_GATEWAY = "badGateway";

	/** 503: a service the gateway depends on is unavailable. */
	public static final String SERVICE_NOT_AVAILABLE = "serviceNotAvailable";

	/** 504: the upstream did not answer in time. */
	public static final String GATEWAY_TIMEOUT = "gatewayTimeout";

	private GraphErrorCodes() {
	}

}
