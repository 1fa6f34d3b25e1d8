package com.graphpolicygateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.springframework.web.util.UriUtils;

/**
 * Builds user ids for the {@code {id}} path segment, decoded or as they appear on the
 * wire.
 */
final class TestUserIds {

	static final String TENANT_DOMAIN = "contoso.example";

	private TestUserIds() {
	}

	static String guid() {
		return UUID.randomUUID().toString();
	}

	static String userPrincipalName() {
		return userPrincipalName("adele.vance");
	}

	static String userPrincipalName(String localPart) {
		return localPart + "@" + TENANT_DOMAIN;
	}

	/**
	 * A guest's UPN as Entra makes it:
	 * {@code alice_contoso.com#EXT#@host.onmicrosoft.com}.
	 */
	static String guestUserPrincipalName(String homeUserPrincipalName, String hostDomain) {
		return homeUserPrincipalName.replace('@', '_') + "#EXT#@" + hostDomain;
	}

	/** A valid UPN of exactly {@code length} characters (at least 18). */
	static String userPrincipalNameOfLength(int length) {
		String domain = "@" + TENANT_DOMAIN;
		int localLength = length - domain.length();
		if (localLength < 1 || localLength > 113) {
			throw new IllegalArgumentException("No UPN of length " + length + " with a local part of 1 to 113");
		}
		return "a".repeat(localLength) + domain;
	}

	/** Percent-encodes the id once, as a client puts it in the path. */
	static String encoded(String userId) {
		return UriUtils.encodePathSegment(userId, StandardCharsets.UTF_8);
	}

}
