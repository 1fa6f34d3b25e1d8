package com.graphpolicygateway.identity;

import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;

/**
 * Reads the bearer token of a request as Spring Security's
 * {@link ServerBearerTokenAuthenticationConverter} does, and refuses a request with more
 * than one {@code Authorization} header: only one could be checked, and another might
 * travel upstream.
 * <p>
 * A well-formed {@code Authorization: Bearer <b64token>} header (RFC 6750, section 2.1:
 * the scheme in any letter case, one space, the token's characters, then only {@code =})
 * is read by a loop over its characters. Spring Security matches the same grammar with a
 * case-insensitive regular expression, which took about 4 % of the full gateway's CPU in
 * {@code bench/run}. Every other request, whether without a header, with another scheme
 * or with a malformed token, goes to Spring Security's converter, which answers it as
 * before.
 */
final class SingleBearerTokenConverter implements ServerAuthenticationConverter {

	private static final String SCHEME = "Bearer ";

	private static final boolean[] TOKEN_CHARACTERS = tokenCharacters();

	private final ServerBearerTokenAuthenticationConverter spring = new ServerBearerTokenAuthenticationConverter();

	@Override
	public Mono<Authentication> convert(ServerWebExchange exchange) {
		List<String> authorization = exchange.getRequest().getHeaders().getOrEmpty(HttpHeaders.AUTHORIZATION);
		if (authorization.size() > 1) {
			return Mono.error(new OAuth2AuthenticationException(
					BearerTokenErrors.invalidToken("The request carries more than one Authorization header.")));
		}
		String token = authorization.isEmpty() ? null : wellFormedToken(authorization.get(0));
		return (token != null) ? Mono.just(new BearerTokenAuthenticationToken(token)) : this.spring.convert(exchange);
	}

	/**
	 * The token of a well-formed bearer header, or {@code null} for anything else; the
	 * same language as Spring Security's {@code ^Bearer (?<token>[a-zA-Z0-9-._~+/]+=*)$}
	 * (case-insensitive).
	 */
	private static @Nullable String wellFormedToken(String header) {
		if (header.length() <= SCHEME.length() || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
			return null;
		}
		int end = header.length();
		while (end > SCHEME.length() && header.charAt(end - 1) == '=') {
			end--;
		}
		if (end == SCHEME.length()) {
			return null; // "=" alone: the token needs one character before its padding
		}
		for (int i = SCHEME.length(); i < end; i++) {
			if (!isTokenCharacter(header.charAt(i))) {
				return null;
			}
		}
		return header.substring(SCHEME.length());
	}

	private static boolean isTokenCharacter(char c) {
		return c < TOKEN_CHARACTERS.length && TOKEN_CHARACTERS[c];
	}

	/**
	 * The token's characters as a table: every call checks each character of a token of
	 * about a kilobyte, and ten comparisons a character were 4 % of the full gateway's
	 * event-loop time in {@code bench/run}.
	 */
	private static boolean[] tokenCharacters() {
		boolean[] table = new boolean[128];
		for (char c = 0; c < table.length; c++) {
			table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
					|| c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
		}
		return table;
	}

}
