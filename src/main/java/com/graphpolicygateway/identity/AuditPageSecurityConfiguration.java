package com.graphpolicygateway.identity;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.client.endpoint.WebClientReactiveAuthorizationCodeTokenResponseClient;
import org.springframework.security.oauth2.client.oidc.authentication.OidcAuthorizationCodeReactiveAuthenticationManager;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.DefaultServerRedirectStrategy;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationFailureHandler;
import org.springframework.security.web.server.authentication.logout.RedirectServerLogoutSuccessHandler;
import org.springframework.security.web.server.header.ReferrerPolicyServerHttpHeadersWriter.ReferrerPolicy;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.security.oauth2.client.web.server.DefaultServerOAuth2AuthorizationRequestResolver;
import org.springframework.security.oauth2.client.web.server.ServerOAuth2AuthorizationRequestResolver;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;

import com.graphpolicygateway.graph.AuditPagePaths;
import com.graphpolicygateway.system.GatewayProfiles;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.system.PublicLinks;

/**
 * The audit page's security, active when the {@code audit-page} client registration is
 * configured: sign-in through the OpenID Connect provider ({@code oauth2Login}), a
 * session cookie, CSRF on the sign-out form, and the same auditor permission as the API,
 * taken from the ID token's application roles. ID tokens are trusted exactly like bearer
 * tokens: a configured issuer (of the user's own tenant), its signing keys, and the
 * page's client id as audience. Pages carry a strict Content-Security-Policy: no script
 * at all.
 */
@Configuration(proxyBeanMethods = false)
@Profile("!" + GatewayProfiles.BARE)
@ConditionalOnProperty(AuditPagePaths.CLIENT_ID_PROPERTY)
class AuditPageSecurityConfiguration {

	/** How long the provider's token endpoint may take to answer a sign-in. */
	private static final Duration PROVIDER_TIMEOUT = Duration.ofSeconds(10);

	private static final Log logger = LogFactory.getLog(AuditPageSecurityConfiguration.class);

	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	SecurityWebFilterChain auditPageSecurity(ServerHttpSecurity http, GraphGatewayProperties properties,
			ReactiveClientRegistrationRepository registrations, Clock clock, PublicLinks links) {
		ClientRegistration registration = registrations.findByRegistrationId(AuditPagePaths.REGISTRATION_ID)
			.blockOptional()
			.orElseThrow(() -> new IllegalStateException(
					"No client registration " + AuditPagePaths.REGISTRATION_ID + " for the audit page"));
		RequiredPermissionAuthorizationManager auditorPermission = new RequiredPermissionAuthorizationManager(
				properties.audit().auditorPermission());
		// A provider that never answers must not hold a sign-in forever.
		WebClientReactiveAuthorizationCodeTokenResponseClient tokens = new WebClientReactiveAuthorizationCodeTokenResponseClient();
		tokens.setWebClient(WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create().responseTimeout(PROVIDER_TIMEOUT)))
			.build());
		OidcAuthorizationCodeReactiveAuthenticationManager signIn = new OidcAuthorizationCodeReactiveAuthenticationManager(
				tokens, new IdTokenUserService());
		Map<String, ReactiveJwtDecoder> idTokenDecoders = new ConcurrentHashMap<>();
		signIn.setJwtDecoderFactory((client) -> idTokenDecoders.computeIfAbsent(client.getRegistrationId(),
				(id) -> new IssuerDecoders(properties.identity(), List.of(client.getClientId()), WebClient.create(),
						clock)));
		DefaultServerRedirectStrategy redirects = new DefaultServerRedirectStrategy();
		RedirectServerLogoutSuccessHandler signedOut = new RedirectServerLogoutSuccessHandler();
		signedOut.setLogoutSuccessUrl(URI.create(AuditPagePaths.SIGNED_OUT));
		RedirectServerAuthenticationFailureHandler failed = new RedirectServerAuthenticationFailureHandler(
				AuditPagePaths.SIGN_IN_FAILED);
		// @formatter:off
		return http
			.securityMatcher(ServerWebExchangeMatchers.pathMatchers(AuditPagePaths.PAGE, AuditPagePaths.PREFIX + "/**",
					AuditPagePaths.SIGN_IN, AuditPagePaths.SIGN_IN_CALLBACK))
			.authorizeExchange((exchanges) -> exchanges
				.pathMatchers(AuditPagePaths.ASSETS + "**", AuditPagePaths.SIGNED_OUT, AuditPagePaths.SIGN_IN_FAILED)
					.permitAll()
				.pathMatchers(AuditPagePaths.FORBIDDEN).authenticated()
				.anyExchange().access(auditorPermission))
			.oauth2Login((login) -> login
				.authorizationRequestResolver(authorizationRequests(registrations, registration, links))
				.authenticationManager(signIn)
				.authenticationFailureHandler((exchange, ex) -> {
					// The reason, never a token: the provider's error or the ID token check.
					RequestCorrelation.of(exchange.getExchange())
						.log(() -> logger.info("Audit page sign-in refused: " + ex.getMessage()));
					return failed.onAuthenticationFailure(exchange, ex);
				}))
			.exceptionHandling((exceptions) -> exceptions
				.authenticationEntryPoint(new RedirectServerAuthenticationEntryPoint(AuditPagePaths.SIGN_IN))
				.accessDeniedHandler((exchange, denied) -> redirects.sendRedirect(exchange,
						URI.create(AuditPagePaths.FORBIDDEN))))
			.logout((logout) -> logout
				.logoutUrl(AuditPagePaths.SIGN_OUT)
				.logoutSuccessHandler(signedOut))
			.headers((headers) -> headers
				.contentSecurityPolicy((csp) -> csp.policyDirectives(contentSecurityPolicy(registration)))
				.referrerPolicy((referrer) -> referrer.policy(ReferrerPolicy.NO_REFERRER)))
			.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.build();
		// @formatter:on
	}

	/**
	 * Sign-ins whose redirect URI (where the provider sends the browser back with the
	 * code) is the registration's, with {@code {baseUrl}} and its parts taken from the
	 * public base URL when one is configured, never from the request's {@code Host}.
	 * Without one, Spring Security fills them from the request; the provider sends the
	 * user back only to a redirect URI registered with it, so a forged {@code Host} ends
	 * in a sign-in the provider refuses.
	 */
	static ServerOAuth2AuthorizationRequestResolver authorizationRequests(
			ReactiveClientRegistrationRepository registrations, ClientRegistration registration, PublicLinks links) {
		DefaultServerOAuth2AuthorizationRequestResolver resolver = new DefaultServerOAuth2AuthorizationRequestResolver(
				registrations);
		String template = registration.getRedirectUri();
		boolean fromRequest = template.contains("{baseUrl}") || template.contains("{baseScheme}")
				|| template.contains("{baseHost}") || template.contains("{basePort}")
				|| template.contains("{basePath}");
		links.baseUrl().ifPresentOrElse((base) -> {
			String redirectUri = redirectUri(template, registration.getRegistrationId(), URI.create(base));
			resolver.setAuthorizationRequestCustomizer((request) -> request.redirectUri(redirectUri));
		}, () -> {
			if (fromRequest) {
				logger.warn("The audit page's sign-in redirect URI (" + template + ") is built from each request's "
						+ "Host header: set graph-gateway.public-base-url to the address browsers use");
			}
		});
		return resolver;
	}

	/** The registration's redirect URI template filled in under {@code base}. */
	static String redirectUri(String template, String registrationId, URI base) {
		Map<String, String> variables = new HashMap<>();
		variables.put("baseUrl", base.getScheme() + "://" + base.getRawAuthority());
		variables.put("baseScheme", base.getScheme());
		variables.put("baseHost", base.getHost());
		variables.put("basePort", (base.getPort() != -1) ? ":" + base.getPort() : "");
		variables.put("basePath", "");
		variables.put("registrationId", registrationId);
		variables.put("action", "login");
		return UriComponentsBuilder.fromUriString(template).buildAndExpand(variables).toUriString();
	}

	/**
	 * No script, styles and images from the gateway only, forms posting to the gateway
	 * (or, after a lapsed session, redirecting to the provider's sign-in), never framed.
	 */
	static String contentSecurityPolicy(ClientRegistration registration) {
		URI authorization = URI.create(registration.getProviderDetails().getAuthorizationUri());
		String provider = UriComponentsBuilder.newInstance()
			.scheme(authorization.getScheme())
			.host(authorization.getHost())
			.port(authorization.getPort())
			.toUriString();
		return "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' " + provider
				+ "; frame-ancestors 'none'; base-uri 'none'";
	}

}
