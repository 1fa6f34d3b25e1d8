package com.graphpolicygateway.identity;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;

import com.graphpolicygateway.system.Ids;

/**
 * Refuses a signed token whose claims do not have the shape Entra ID gives them, before
 * anything reads them: the one place where claim shapes are checked, so that the caller,
 * the permission check, the policy, the audit trail and the Graph token exchange can
 * trust them. A claim the gateway reads that is present must be: {@code tid},
 * {@code oid}, {@code azp}, {@code appid} a GUID; {@code scp} space-separated
 * permissions; {@code roles} an array of permissions; {@code idtyp} a short lower-case
 * word; {@code ver} {@code 1.0} or {@code 2.0}; {@code upn}, {@code preferred_username},
 * {@code sub} and each {@code aud} non-blank text of at most {@value #MAX_TEXT_LENGTH}
 * characters. No value may be null or hold a control character; a permission has no white
 * space and at most {@value #MAX_PERMISSION_LENGTH} characters. Anything else (numbers,
 * objects, nested arrays, empty or huge strings) is an invalid token (401), never an
 * exception further on.
 */
final class EntraClaimShapes implements OAuth2TokenValidator<Jwt> {

	/** Longest text claim accepted (names, subject, audiences). */
	static final int MAX_TEXT_LENGTH = 1024;

	/** Longest single permission (an app role's or a scope's value). */
	static final int MAX_PERMISSION_LENGTH = 256;

	/** Most permissions accepted in {@code scp} or {@code roles}. */
	static final int MAX_PERMISSIONS = 1000;

	/** Most audiences accepted in {@code aud} (Entra issues one). */
	static final int MAX_AUDIENCES = 10;

	private static final List<Shape> SHAPES = List.of(new Shape(EntraClaims.TENANT_ID, "a GUID", guid()),
			new Shape("oid", "a GUID", guid()), new Shape("azp", "a GUID", guid()),
			new Shape("appid", "a GUID", guid()),
			new Shape(EntraClaims.SCOPES, "space-separated permissions", EntraClaimShapes::isScopes),
			new Shape(EntraClaims.ROLES, "an array of permissions", EntraClaimShapes::isRoles),
			new Shape("idtyp", "a short lower-case word", EntraClaimShapes::isTokenType),
			new Shape("ver", "1.0 or 2.0", (value) -> "1.0".equals(value) || "2.0".equals(value)),
			new Shape("upn", "non-blank text", EntraClaimShapes::isText),
			new Shape("preferred_username", "non-blank text", EntraClaimShapes::isText),
			new Shape(JwtClaimNames.SUB, "non-blank text", EntraClaimShapes::isText),
			new Shape(JwtClaimNames.AUD, "non-blank text or an array of it", EntraClaimShapes::isAudience));

	@Override
	public OAuth2TokenValidatorResult validate(Jwt jwt) {
		Map<String, Object> claims = jwt.getClaims();
		for (Shape shape : SHAPES) {
			if (claims.containsKey(shape.claim()) && !shape.test(claims.get(shape.claim()))) {
				return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN,
						"The token's " + shape.claim() + " claim must be " + shape.expected() + ".", null));
			}
		}
		return OAuth2TokenValidatorResult.success();
	}

	private static Predicate<Object> guid() {
		return (value) -> value instanceof String text && Ids.isGuid(text);
	}

	/** Non-blank text of a bounded length, without control characters. */
	private static boolean isText(Object value) {
		if (!(value instanceof String text) || text.isBlank() || text.length() > MAX_TEXT_LENGTH) {
			return false;
		}
		for (int i = 0; i < text.length(); i++) {
			if (Character.isISOControl(text.charAt(i))) {
				return false;
			}
		}
		return true;
	}

	/** A scope's or an app role's value: printable, no white space, bounded. */
	private static boolean isPermission(@Nullable Object value) {
		if (!(value instanceof String text) || text.isEmpty() || text.length() > MAX_PERMISSION_LENGTH) {
			return false;
		}
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (Character.isISOControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c)) {
				return false;
			}
		}
		return true;
	}

	/** Permissions separated by one space each, as Entra writes {@code scp}. */
	private static boolean isScopes(Object value) {
		if (!(value instanceof String text)) {
			return false;
		}
		String[] scopes = text.split(" ", -1);
		if (scopes.length > MAX_PERMISSIONS) {
			return false;
		}
		for (String scope : scopes) {
			if (!isPermission(scope)) {
				return false;
			}
		}
		return true;
	}

	private static boolean isRoles(Object value) {
		return value instanceof Collection<?> roles && roles.size() <= MAX_PERMISSIONS
				&& roles.stream().allMatch(EntraClaimShapes::isPermission);
	}

	private static boolean isTokenType(Object value) {
		return value instanceof String text && !text.isEmpty() && text.length() <= 32
				&& text.chars().allMatch((c) -> c >= 'a' && c <= 'z');
	}

	/**
	 * Spring Security hands {@code aud} on as a list of strings, a single string
	 * included; nested values arrive there as their text, so the list's items are checked
	 * like any text claim.
	 */
	private static boolean isAudience(Object value) {
		if (value instanceof String) {
			return isText(value);
		}
		return value instanceof Collection<?> audiences && !audiences.isEmpty() && audiences.size() <= MAX_AUDIENCES
				&& audiences.stream().allMatch((audience) -> audience != null && isText(audience));
	}

	/**
	 * What one claim must look like when present.
	 *
	 * @param claim the claim's name
	 * @param expected the shape, as the refusal names it
	 * @param test whether a value has the shape (null never has)
	 */
	private record Shape(String claim, String expected, Predicate<Object> test) {

		boolean test(@Nullable Object value) {
			return value != null && this.test.test(value);
		}

	}

}
