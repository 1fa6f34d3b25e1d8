package com.graphpolicygateway.policy;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.system.Ids;

/**
 * The two names Graph accepts for a user in {@code /users/{id}}: the object id (a GUID)
 * and the user principal name; their syntax, and the form in which they are compared.
 */
final class UserIdentifiers {

	// Entra ID's allowed UPN characters, as the request guard checks a path's id; '#'
	// appears in guests' UPNs (alice_contoso.com#EXT#@contoso.onmicrosoft.com).
	private static final Pattern USER_PRINCIPAL_NAME = Pattern
		.compile("[A-Za-z0-9'._!#^~$&*+=?{|}-]{1,113}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?");

	private UserIdentifiers() {
	}

	static boolean isObjectId(String identifier) {
		return Ids.isGuid(identifier);
	}

	static boolean isUserPrincipalName(String identifier) {
		return USER_PRINCIPAL_NAME.matcher(identifier).matches();
	}

	static boolean isUser(String identifier) {
		return isObjectId(identifier) || isUserPrincipalName(identifier);
	}

	/**
	 * The form identifiers are compared and cached in: lower case, since Graph ignores
	 * the case of both object ids and principal names.
	 */
	static String normalize(String identifier) {
		return identifier.toLowerCase(Locale.ROOT);
	}

	/**
	 * Refuses a {@code protected-users} list with an entry that can never name a user: it
	 * would protect nobody, silently.
	 */
	static void requireUsers(@Nullable List<String> entries) {
		if (entries == null) {
			return;
		}
		for (String entry : entries) {
			if (entry == null || !isUser(entry)) {
				throw new IllegalArgumentException("protected-users entry '" + entry
						+ "' is neither a user object id (GUID) nor a user principal name");
			}
		}
	}

}
