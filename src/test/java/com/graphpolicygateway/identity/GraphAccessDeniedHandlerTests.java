package com.graphpolicygateway.identity;

import java.time.Clock;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;

import com.graphpolicygateway.graph.GraphErrorCodes;
import com.graphpolicygateway.graph.GraphErrorResponder;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link GraphAccessDeniedHandler}. */
class GraphAccessDeniedHandlerTests {

	private final GraphAccessDeniedHandler handler = new GraphAccessDeniedHandler(
			new GraphErrorResponder(JsonMapper.builder().build(), Clock.systemUTC()),
			(exchange) -> new RequiredPermissionAuthorizationManager(TestJwts.PERMISSION));

	@Test
	void handleWhenPermissionMissingThenForbiddenWithInsufficientScopeChallenge() {
		Jwt jwt = TestJwts.jwt().claim(EntraClaims.SCOPES, "User.Read").build();

		MockServerHttpResponse response = handle(TestJwts.authentication(jwt));

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
		String message = "Insufficient privileges to complete the operation: the token must hold " + TestJwts.PERMISSION
				+ " as a delegated scope (scp) or an application role (roles).";
		assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.isEqualTo("Bearer realm=\"graph-policy-gateway\", error=\"insufficient_scope\", error_description=\""
					+ message + "\", scope=\"" + TestJwts.PERMISSION + "\"");
		String body = response.getBodyAsString().block();
		assertThat((String) JsonPath.read(body, "$.error.code"))
			.isEqualTo(GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED);
		assertThat((String) JsonPath.read(body, "$.error.message")).isEqualTo(message);
		assertThat(response.getHeaders().getFirst("request-id")).isNotBlank();
	}

	@Test
	void handleWhenPersonalAccountThenForbiddenWithoutChallenge() {
		Jwt jwt = TestJwts.jwt()
			.claim(EntraClaims.TENANT_ID, EntraClaims.PERSONAL_ACCOUNTS_TENANT)
			.issuer(TestJwts.entraV2Issuer(EntraClaims.PERSONAL_ACCOUNTS_TENANT))
			.build();

		MockServerHttpResponse response = handle(TestJwts.authentication(jwt));

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
		assertThat(response.getHeaders().containsHeader(HttpHeaders.WWW_AUTHENTICATE)).isFalse();
		String body = response.getBodyAsString().block();
		assertThat((String) JsonPath.read(body, "$.error.code"))
			.isEqualTo(GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED);
		assertThat((String) JsonPath.read(body, "$.error.message"))
			.isEqualTo("Personal Microsoft accounts are not supported by this API.");
	}

	@Test
	void handleWhenNoPrincipalThenGenericMessageAndInsufficientScope() {
		MockServerHttpResponse response = handle(null);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
		assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
			.contains("error=\"insufficient_scope\"")
			.contains("scope=\"" + TestJwts.PERMISSION + "\"");
		String body = response.getBodyAsString().block();
		assertThat((String) JsonPath.read(body, "$.error.code"))
			.isEqualTo(GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED);
		assertThat((String) JsonPath.read(body, "$.error.message"))
			.isEqualTo("Insufficient privileges to complete the operation.");
	}

	@Test
	void handleWhenCallerHoldsPermissionButAccessDeniedElsewhereThenStillForbidden() {
		MockServerHttpResponse response = handle(TestJwts.authentication(TestJwts.jwt().build()));

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
		assertThat((String) JsonPath.read(response.getBodyAsString().block(), "$.error.code"))
			.isEqualTo(GraphErrorCodes.AUTHORIZATION_REQUEST_DENIED);
	}

	private MockServerHttpResponse handle(@Nullable Authentication caller) {
		MockServerHttpRequest request = MockServerHttpRequest.patch("/v1.0/users/2f4c6a3e-8b1d-4e5f-9a7b-3c2d1e0f9a8b")
			.build();
		MockServerWebExchange exchange = (caller != null)
				? MockServerWebExchange.builder(request).principal(caller).build()
				: MockServerWebExchange.from(request);
		this.handler.handle(exchange, new AccessDeniedException("Access Denied")).block();
		return exchange.getResponse();
	}

}
