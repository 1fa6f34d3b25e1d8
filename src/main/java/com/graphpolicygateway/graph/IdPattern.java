package com.graphpolicygateway.graph;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.graphpolicygateway.system.Ids;

/**
 * What one variable of an operation's path must be, once percent-decoded: a GUID, a user
 * (a GUID or a user principal name), or what an operator's regular expression allows.
 */
public final class IdPattern {

	/** A GUID, such as a managed device's id. */
	public static final IdPattern GUID = new IdPattern("guid", null, "a GUID");

	/** A user's object id (a GUID) or user principal name. */
	public static final IdPattern USER = new IdPattern("user", null, "a GUID or a user principal name");

	// Entra ID's allowed UPN characters; '#' appears in guests' UPNs
	// (alice_contoso.com#EXT#@...).
	private static final Pattern USER_PRINCIPAL_NAME = Pattern
		.compile("[A-Za-z0-9'._!#^~$&*+=?{|}-]{1,113}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?");

	private final String name;

	private final Pattern regex;

	private final String description;

	private IdPattern(String name, Pattern regex, String description) {
		this.name = name;
		this.regex = regex;
		this.description = description;
	}

	/**
	 * {@code guid}, {@code user}, or a regular expression; {@code key} names the setting
	 * in the message of one that does not compile.
	 */
	public static IdPattern parse(String text, String key) {
		if (GUID.name.equals(text)) {
			return GUID;
		}
		if (USER.name.equals(text)) {
			return USER;
		}
		try {
			return new IdPattern(text, Pattern.compile(text), "matched by " + text);
		}
		catch (PatternSyntaxException ex) {
			throw new IllegalArgumentException(key + " must be guid, user or a regular expression, but '" + text
					+ "' is not one: " + ex.getDescription());
		}
	}

	/** Whether a decoded path segment is an id of this kind. */
	public boolean matches(String decoded) {
		if (this == GUID) {
			return Ids.isGuid(decoded);
		}
		if (this == USER) {
			return Ids.isGuid(decoded) || USER_PRINCIPAL_NAME.matcher(decoded).matches();
		}
		return this.regex.matcher(decoded).matches();
	}

	/** What an id must be, for a refusal's message: "a GUID or a user principal name". */
	public String description() {
		return this.description;
	}

	@Override
	public String toString() {
		return this.name;
	}

}
