package com.graphpolicygateway.session;

import org.springframework.web.server.session.CookieWebSessionIdResolver;
import org.springframework.web.server.session.WebSessionIdResolver;

import com.graphpolicygateway.system.PublicLinks;

/**
 * The session cookie: {@code HttpOnly} (no script reads it), {@code SameSite=Lax} (no
 * other site's form or background request carries it; {@code Strict} would also drop it
 * from the identity provider's redirect back to the sign-in callback, a cross-site
 * navigation, and the sign-in would fail), {@code Path=/}, no {@code Domain}, and
 * {@code Secure} when the request came over TLS or the public base URL is https (behind a
 * proxy that terminates TLS, the request itself is plain http, and its
 * {@code X-Forwarded-Proto} is not believed).
 */
final class SessionCookie {

	/** The cookie's name (WebFlux's default, kept). */
	static final String NAME = "SESSION";

	private SessionCookie() {
	}

	static WebSessionIdResolver resolver(PublicLinks links) {
		CookieWebSessionIdResolver resolver = new CookieWebSessionIdResolver();
		resolver.setCookieName(NAME);
		// WebFlux sets Secure itself when the request's scheme is https.
		resolver.addCookieInitializer((cookie) -> cookie.httpOnly(true).sameSite("Lax").path("/"));
		if (links.servedOverHttps()) {
			resolver.addCookieInitializer((cookie) -> cookie.secure(true));
		}
		return resolver;
	}

}
