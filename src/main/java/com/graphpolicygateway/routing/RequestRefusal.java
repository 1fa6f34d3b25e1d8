package com.graphpolicygateway.routing;

import org.springframework.http.HttpStatus;
import com.graphpolicygateway.graph.GraphErrorCodes;

/**
 * Why the request guard refused a request, in words the caller can act on.
 *
 * @param status the HTTP status to answer
 * @param code the Graph error code
 * @param message what was wrong, never echoing the body
 */
record RequestRefusal(HttpStatus status, String code, String message) {

	static RequestRefusal badRequest(String message) {
		return new RequestRefusal(HttpStatus.BAD_REQUEST, GraphErrorCodes.INVALID_REQUEST, message);
	}

}
