package com.graphpolicygateway.identity;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.graphpolicygateway.system.Ids;

/**
 * How token audiences are compared. GUIDs and host names have no letter case, so an
 * application id compares without case, and a URI's scheme and host do (RFC 3986, 3.1 and
 * 3.2.2) while its path keeps its case; any other value compares exactly.
 * <p>
 * Recognising Microsoft Graph is deliberately broader (deny wins): the whole value
 * without case, surrounding white space and trailing slashes or dots, Graph's application
 * id anywhere in it, and Graph's host or any host under it, in the global cloud and the
 * national clouds (US Government L4 and L5, China operated by 21Vianet, and the former
 * Germany cloud).
 */
final class Audiences {

	/** Microsoft Graph's application id, the same in every cloud. */
	static final String GRAPH_APPLICATION_ID = "00000003-0000-0000-c000-000000000000";

	/** Hosts of Microsoft Graph: global, US Government L4 and L5, China, Germany. */
	static final List<String> GRAPH_HOSTS = List.of("graph.microsoft.com", "graph.microsoft.us",
			"dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn", "graph.microsoft.de");

	private static final Set<Character> HOST_ENDS = Set.of('/', '?', '#', ':', '\\');

	private Audiences() {
	}

	/**
	 * The form in which an accepted audience and a token's audience are compared: a GUID
	 * in lower case, a URI with its scheme and host (and port) in lower case, anything
	 * else as it is.
	 */
	static String canonical(String audience) {
		if (Ids.isGuid(audience)) {
			return audience.toLowerCase(Locale.ROOT);
		}
		int schemeEnd = audience.indexOf("://");
		if (schemeEnd <= 0) {
			return audience;
		}
		int authorityEnd = audience.indexOf('/', schemeEnd + 3);
		if (authorityEnd < 0) {
			authorityEnd = audience.length();
		}
		return audience.substring(0, authorityEnd).toLowerCase(Locale.ROOT) + audience.substring(authorityEnd);
	}

	/**
	 * Whether the audience names Microsoft Graph in any cloud, in any letter case or
	 * spelling Graph itself might accept.
	 */
	static boolean isMicrosoftGraph(String audience) {
		String value = audience.strip().toLowerCase(Locale.ROOT);
		if (value.contains(GRAPH_APPLICATION_ID)) {
			return true;
		}
		String host = host(value);
		for (String graphHost : GRAPH_HOSTS) {
			if (host.equals(graphHost) || host.endsWith("." + graphHost)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The host of a URI or of a bare host name (with or without a port or path), without
	 * user information and trailing dots; read leniently, since a value that is not a URI
	 * may still be one to Graph.
	 */
	private static String host(String value) {
		int start = value.indexOf("://");
		start = (start >= 0) ? start + 3 : 0;
		int end = start;
		while (end < value.length() && !HOST_ENDS.contains(value.charAt(end))) {
			end++;
		}
		String host = value.substring(start, end);
		int userInfo = host.lastIndexOf('@');
		if (userInfo >= 0) {
			host = host.substring(userInfo + 1);
		}
		while (host.endsWith(".")) {
			host = host.substring(0, host.length() - 1);
		}
		return host;
	}

}
