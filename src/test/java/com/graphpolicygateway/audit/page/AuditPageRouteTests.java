package com.graphpolicygateway.audit.page;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.query.AuditCsv;
import com.graphpolicygateway.audit.query.AuditCsvTests;
import com.graphpolicygateway.audit.verify.AuditVerifyCommand;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.identity.EntraClaims;
import com.graphpolicygateway.test.AuditPageSession;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubGraph.Answer;
import com.graphpolicygateway.test.StubIdentityProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The audit page on the running gateway, signed in through the stub OpenID Connect
 * provider: sign-in and its refusals, the table and its filters, one event in detail, the
 * CSV, tenant isolation, sign-out, and the page's security headers.
 * <p>
 * Names the gateway explicitly: {@link AuditVerifyCommand} declares a
 * {@code @SpringBootConfiguration} of its own in this package.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class AuditPageRouteTests extends GatewayIntegrationTest {

	private static final String OTHER_TENANT = "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	AuditWriter writer;

	@Test
	void pageWhenNotSignedInThenRedirectedToSignIn() {
		this.client.get()
			.uri("/audit")
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.location("/oauth2/authorization/audit-page")
			.expectBody()
			.returnResult();
	}

	@Test
	void signInWhenAuditorThenBackOnThePageWithTheFilterKept() {
		AuditPageSession session = new AuditPageSession(this.client, gateway());
		URI landing = session.signIn("/audit?result=refused");
		WebTestClient browser = session.client();
		assertThat(landing.getPath()).isEqualTo("/audit");
		assertThat(landing.getQuery()).isEqualTo("result=refused");
		String html = page(browser, "/audit?result=refused");
		assertThat(html).contains("auditor@contoso.example").contains("tenant " + StubIdentityProvider.TENANT);
	}

	@Test
	void summaryEventThenThePageTheApiAndTheExportShowHowManyRefusalsItStandsFor() {
		Instant first = Instant.now().truncatedTo(ChronoUnit.MICROS);
		AuditEvent summary = new AuditEvent(UUID.randomUUID(), first, AuditEvent.ACTIVITY, "Patch", "refused", "User",
				null, AuditEvent.Actor.unknown(null), StubIdentityProvider.TENANT, null, List.of(), "refuse",
				"rate_limited", null, null, null, null, null,
				new AuditEvent.Summary(4321, first, first.plusSeconds(1)));
		this.writer.refused(summary);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.jdbc.queryForObject(
					"SELECT COUNT(*) FROM audit_event WHERE id = ? AND chain_id IS NOT NULL", Integer.class,
					summary.id().toString()) == 1);
		WebTestClient browser = signedIn();

		assertThat(page(browser, "/audit?reason=rate_limited")).contains("4321 refusals not recorded one by one");
		assertThat(page(browser, "/audit/page/events/" + summary.id())).contains("This event stands for")
			.contains(">4321<");
		this.client.get()
			.uri("/audit/events/" + summary.id())
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.token().scopes("AuditLog.Read.All").build())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.summary.count")
			.isEqualTo(4321)
			.jsonPath("$.summary.first")
			.isEqualTo(first.toString());
		assertThat(page(browser, "/audit/page/export.csv?reason=rate_limited")).contains("\"" + summary.id() + "\",")
			.contains(",\"4321\",\"" + first + "\",");
	}

	@Test
	void tableWhenFilteredByTargetThenShowsThatUsersEventsOfOwnTenantOnly() {
		String target = UUID.randomUUID() + "@contoso.example";
		String own = patch(StubIdentityProvider.TENANT, target, "{\"displayName\":\"Adele Vance\"}");
		String other = patch(OTHER_TENANT, target, "{\"displayName\":\"Someone Else\"}");
		WebTestClient browser = signedIn();
		String html = awaitPage(browser, "/audit?target=" + target, own);
		assertThat(html).contains(own).doesNotContain(other).contains("displayName").contains(">success<");
	}

	@Test
	void tableWhenFilteredByResultThenOnlyThoseResults() {
		String target = UUID.randomUUID() + "@contoso.example";
		String allowed = patch(StubIdentityProvider.TENANT, target, "{\"displayName\":\"A\"}");
		String refused = refusedPatch(target);
		WebTestClient browser = signedIn();
		awaitPage(browser, "/audit?target=" + target, allowed);
		String html = page(browser, "/audit?result=refused&target=" + target);
		assertThat(html).contains(refused).doesNotContain(allowed).contains("unsupported_media_type");
	}

	/**
	 * The reason filter offers the stored reasons (never an error code, which finds
	 * nothing), and choosing one finds its events.
	 */
	@Test
	void tableWhenFilteredByAReasonItOffersThenOnlyEventsWithThatReason() {
		String target = UUID.randomUUID() + "@contoso.example";
		String allowed = patch(StubIdentityProvider.TENANT, target, "{\"displayName\":\"A\"}");
		String refused = refusedPatch(target);
		WebTestClient browser = signedIn();
		awaitPage(browser, "/audit?target=" + target, allowed);

		String html = page(browser, "/audit?reason=unsupported_media_type&target=" + target);

		assertThat(html).contains("<option value=\"unsupported_media_type\" selected=\"selected\">")
			.contains("<option value=\"target_protected\">")
			.doesNotContain("TargetUserProtected")
			.contains(refused)
			.doesNotContain(allowed);
	}

	@Test
	void tableWhenFilteredByADecisionItOffersThenOnlyEventsWithThatDecision() {
		String target = UUID.randomUUID() + "@contoso.example";
		String allowed = patch(StubIdentityProvider.TENANT, target, "{\"displayName\":\"A\"}");
		String refused = refusedPatch(target);
		WebTestClient browser = signedIn();
		awaitPage(browser, "/audit?target=" + target, allowed);

		String html = page(browser, "/audit?decision=refuse&target=" + target);

		assertThat(html).contains("<option value=\"refuse\" selected=\"selected\">")
			.contains("<option value=\"allow\">")
			.contains("<option value=\"would_refuse\">")
			.contains(refused)
			.doesNotContain(allowed);
	}

	@Test
	void tableWhenTimeIsNotADateThenBadRequestNamingTheField() {
		WebTestClient browser = signedIn();
		String html = browser.get()
			.uri("/audit?from=yesterday")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(html).contains("id=\"filter-error\"").contains("<strong>from</strong>").contains("UTC");
	}

	@Test
	void tableWhenTimeRangeExcludesTheEventThenNotShown() {
		String target = UUID.randomUUID() + "@contoso.example";
		String id = patch(StubIdentityProvider.TENANT, target, "{\"displayName\":\"A\"}");
		WebTestClient browser = signedIn();
		awaitPage(browser, "/audit?target=" + target, id);
		assertThat(page(browser, "/audit?target=" + target + "&from=2000-01-01T00:00&to=2000-01-02T00:00"))
			.doesNotContain(id)
			.contains("No events match this filter.");
	}

	@Test
	void tableWhenTenantAuditorNamesAnotherTenantThenBadRequest() {
		WebTestClient browser = signedIn();
		browser.get()
			.uri("/audit?tenant=" + OTHER_TENANT)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody(String.class)
			.value((html) -> assertThat(html).contains("<strong>tenant</strong>"));
	}

	@Test
	void detailShowsPropertiesDecisionReasonGraphStatusAndRequestId() {
		String target = UUID.randomUUID() + "@contoso.example";
		graph.willAnswer(Answer.json(204, "", java.util.Map.of("request-id", "graph-request-7f3a")));
		String id = patch(StubIdentityProvider.TENANT, target,
				"{\"displayName\":\"Adele Vance\",\"jobTitle\":\"CFO\"}");
		WebTestClient browser = signedIn();
		awaitPage(browser, "/audit?target=" + target, id);
		String html = page(browser, "/audit/page/events/" + id);
		assertThat(html).contains("Adele Vance")
			.contains("jobTitle")
			.contains("CFO")
			.contains("<dd id=\"decision\">allow</dd>")
			.contains("<dd id=\"reason\">allowed</dd>")
			.contains("<dd id=\"graph-status\">204</dd>")
			.contains("graph-request-7f3a")
			.contains(target);
	}

	@Test
	void detailOfAnotherTenantsEventThenNotFound() {
		String target = UUID.randomUUID() + "@contoso.example";
		String own = patch(StubIdentityProvider.TENANT, target, "{\"displayName\":\"A\"}");
		String other = patch(OTHER_TENANT, target, "{\"displayName\":\"B\"}");
		WebTestClient browser = signedIn();
		awaitPage(browser, "/audit?target=" + target, own);
		browser.get()
			.uri("/audit/page/events/" + other)
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.returnResult();
	}

	@Test
	void csvWhenFilteredThenOnlyTheFilteredEventsOfOwnTenant() {
		String target = UUID.randomUUID() + "@contoso.example";
		String own = patch(StubIdentityProvider.TENANT, target, "{\"displayName\":\"A\"}");
		String other = patch(OTHER_TENANT, target, "{\"displayName\":\"B\"}");
		String refused = refusedPatch(target);
		WebTestClient browser = signedIn();
		awaitPage(browser, "/audit?target=" + target, own);
		EntityExchangeResult<String> csv = browser.get()
			.uri("/audit/page/export.csv?result=success&target=" + target)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith("text/csv")
			.expectBody(String.class)
			.returnResult();
		assertThat(csv.getResponseBody()).startsWith(AuditCsv.HEADER)
			.contains(own)
			.doesNotContain(other)
			.doesNotContain(refused);
		assertThat(csv.getResponseBody().lines()).hasSize(2);
	}

	@Test
	void csvWhenValuesHoldFormulasAfterSeparatorsThenTheApiExportAndThePageDownloadNeutraliseThemAlike() {
		String tenant = StubIdentityProvider.TENANT;
		String correlationId = UUID.randomUUID().toString();
		AuditEvent hostile = TestAuditEvents.pending()
			.tenantId(tenant)
			.correlationId(correlationId)
			.targetUserId("x;=2+5")
			.actor(new AuditEvent.Actor("Delegated", "x\t=2+5", "x,=1", " =1", "x|=cmd", List.of("User.Read")))
			.properties(new AuditEvent.ModifiedProperty("displayName", null, "x\n@SUM(1)"),
					new AuditEvent.ModifiedProperty("jobTitle", null, "x\r\n-1; \uFF1D1+1"))
			.build()
			.completed("refused", "refuse", "invalid_request", null, null, 5L);
		this.writer.complete(hostile);
		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.jdbc.queryForObject(
					"SELECT COUNT(*) FROM audit_event WHERE correlation_id = ? AND activity_result <> 'pending'",
					Integer.class, correlationId) == 1);
		String api = this.client.get()
			.uri("/audit/events/export?format=csv&correlationId=" + correlationId)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.token().scopes("AuditLog.Read.All").build())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		String page = page(signedIn(), "/audit/page/export.csv?correlationId=" + correlationId);

		assertThat(page).isEqualTo(api);
		List<List<String>> rows = AuditCsvTests.parse(api);
		assertThat(rows).hasSize(2);
		List<String> header = rows.get(0);
		List<String> row = rows.get(1);
		assertThat(row).hasSameSizeAs(header).allSatisfy(AuditCsvTests::assertNoFormulaCanStart);
		assertThat(row.get(header.indexOf("targetUserId"))).isEqualTo("x;'=2+5");
		assertThat(row.get(header.indexOf("actorUserId"))).isEqualTo("x\t'=2+5");
		assertThat(row.get(header.indexOf("actorUserPrincipalName"))).isEqualTo("x,'=1");
		assertThat(row.get(header.indexOf("actorApplicationId"))).isEqualTo("' =1");
		assertThat(row.get(header.indexOf("actorIpAddress"))).isEqualTo("x|'=cmd");
		assertThat(AuditCsvTests.recover(row.get(header.indexOf("modifiedProperties"))))
			.isEqualTo("displayName=x\n@SUM(1); jobTitle=x\r\n-1; \uFF1D1+1");
	}

	@Test
	void signInWhenUserLacksTheAuditorRoleThenForbiddenPage() {
		identityProvider.willSignIn((token) -> token.without("roles"));
		WebTestClient browser = assertSignedInButForbidden();
		browser.get()
			.uri("/audit/page/forbidden")
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectBody(String.class)
			.value((html) -> assertThat(html).contains("AuditLog.Read.All"));
	}

	@Test
	void signInWhenRoleIsOnlyAScopeThenForbidden() {
		identityProvider.willSignIn((token) -> token.without("roles").scopes("AuditLog.Read.All"));
		assertSignedInButForbidden();
	}

	@Test
	void signInWhenPersonalAccountThenForbidden() {
		identityProvider.willSignIn((token) -> token.tenant(EntraClaims.PERSONAL_ACCOUNTS_TENANT)
			.issuer(identityProvider.issuerV2(EntraClaims.PERSONAL_ACCOUNTS_TENANT)));
		assertSignedInButForbidden();
	}

	@Test
	void signInWhenIdTokenIssuerNamesAnotherTenantThenRefused() {
		identityProvider.willSignIn((token) -> token.issuer(identityProvider.issuerV2(OTHER_TENANT)));
		assertSignInRefused();
	}

	@Test
	void signInWhenIdTokenIsForAnotherClientThenRefused() {
		identityProvider.willSignIn((token) -> token.audience("another-client"));
		assertSignInRefused();
	}

	@Test
	void signInWhenIdTokenSignedByAnUnknownKeyThenRefused() {
		identityProvider.willSignIn((token) -> token.signedWith(StubIdentityProvider.newKey()));
		assertSignInRefused();
	}

	@Test
	void signInWhenIdTokenExpiredThenRefused() {
		identityProvider.willSignIn((token) -> token.expiresAt(java.time.Instant.now().minus(Duration.ofHours(1))));
		assertSignInRefused();
	}

	@Test
	void apiWhenOnlyThePageSessionThenUnauthorized() {
		WebTestClient browser = signedIn();
		browser.get().uri("/audit/events").exchange().expectStatus().isUnauthorized().expectBody().returnResult();
	}

	@Test
	void signOutWhenPostedWithTheFormsCsrfTokenThenSessionEnds() {
		WebTestClient browser = signedIn();
		String html = page(browser, "/audit");
		String csrf = html.replaceAll("(?s).*name=\"_csrf\" value=\"([^\"]+)\".*", "$1");
		assertThat(csrf).isNotBlank().doesNotContain("<");
		browser.post()
			.uri("/audit/page/sign-out")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.bodyValue("_csrf=" + csrf)
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.location("/audit/page/signed-out")
			.expectBody()
			.returnResult();
		browser.get()
			.uri("/audit")
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.location("/oauth2/authorization/audit-page")
			.expectBody()
			.returnResult();
	}

	@Test
	void signOutWhenPostedWithoutCsrfTokenThenRefusedAndStillSignedIn() {
		WebTestClient browser = signedIn();
		browser.post().uri("/audit/page/sign-out").exchange().expectStatus().isForbidden().expectBody().returnResult();
		page(browser, "/audit");
	}

	@Test
	void pageCarriesAStrictContentSecurityPolicyAndNoScript() {
		WebTestClient browser = signedIn();
		EntityExchangeResult<String> result = browser.get()
			.uri("/audit")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.valueEquals("Content-Security-Policy",
					"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' "
							+ identityProvider.baseUri() + "; frame-ancestors 'none'; base-uri 'none'")
			.expectHeader()
			.valueEquals("X-Frame-Options", "DENY")
			.expectHeader()
			.valueEquals("Referrer-Policy", "no-referrer")
			.expectBody(String.class)
			.returnResult();
		assertThat(result.getResponseHeaders().getCacheControl()).contains("no-store");
		assertThat(result.getResponseBody()).doesNotContain("<script")
			.doesNotContain("http://")
			.contains("lang=\"en\"");
	}

	@Test
	void sessionCookieWhenSignedInOverPlainHttpThenHttpOnlySameSiteLaxAndNotSecure() {
		AuditPageSession session = new AuditPageSession(this.client, gateway()).signedIn();

		// Lax, not Strict: the provider's redirect back to the callback is a cross-site
		// navigation, and a Strict cookie would not come with it (the sign-in would
		// fail).
		assertThat(session.setCookieHeaders()).isNotEmpty()
			.allSatisfy((cookie) -> assertThat(cookie).startsWith(AuditPageSession.COOKIE + "=")
				.contains("; Path=/")
				.containsIgnoringCase("; HttpOnly")
				.contains("; SameSite=Lax")
				.doesNotContainIgnoringCase("Domain=")
				.doesNotContain("; Secure"));
	}

	@Test
	void signOutThenTheOldSessionIsGoneAndTheNewCookieHasTheSameAttributes() {
		AuditPageSession session = new AuditPageSession(this.client, gateway()).signedIn();
		String signedIn = session.cookie(AuditPageSession.COOKIE);
		String html = page(session.client(), "/audit");
		String csrf = html.replaceAll("(?s).*name=\"_csrf\" value=\"([^\"]+)\".*", "$1");
		int before = session.setCookieHeaders().size();
		session.client()
			.post()
			.uri("/audit/page/sign-out")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.bodyValue("_csrf=" + csrf)
			.exchange()
			.expectStatus()
			.isFound()
			.expectBody()
			.returnResult();

		assertThat(session.setCookieHeaders().subList(before, session.setCookieHeaders().size())).isNotEmpty()
			.allSatisfy((cookie) -> assertThat(cookie).doesNotContain(signedIn)
				.containsIgnoringCase("; HttpOnly")
				.contains("; SameSite=Lax")
				.contains("; Path=/"));
		this.client.get()
			.uri("/audit")
			.cookie(AuditPageSession.COOKIE, signedIn)
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.location("/oauth2/authorization/audit-page")
			.expectBody()
			.returnResult();
	}

	@Test
	void styleSheetWhenNotSignedInThenServed() {
		this.client.get()
			.uri("/audit/page/assets/audit.css")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith("text/css")
			.expectBody()
			.returnResult();
	}

	@Test
	void bannerShowsTheChainVerificationState() {
		WebTestClient browser = signedIn();
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(page(browser, "/audit")).contains("class=\"banner intact\"")
				.contains("Audit trail intact"));
	}

	/**
	 * Signs in from {@code /audit}, requires the redirect to the forbidden page, and
	 * answers the signed-in client.
	 */
	private WebTestClient assertSignedInButForbidden() {
		AuditPageSession session = new AuditPageSession(this.client, gateway());
		URI landing = session.signIn("/audit");
		session.client()
			.get()
			.uri(landing.getPath())
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.location("/audit/page/forbidden")
			.expectBody()
			.returnResult();
		return session.client();
	}

	private void assertSignInRefused() {
		AuditPageSession session = new AuditPageSession(this.client, gateway());
		URI landing = session.signIn("/audit");
		WebTestClient browser = session.client();
		assertThat(landing).hasPath("/audit/page/sign-in-failed");
		browser.get()
			.uri("/audit")
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.location("/oauth2/authorization/audit-page")
			.expectBody()
			.returnResult();
	}

	private WebTestClient signedIn() {
		return new AuditPageSession(this.client, gateway()).signedIn().client();
	}

	private URI gateway() {
		return URI.create("http://127.0.0.1:" + this.port);
	}

	private String page(WebTestClient browser, String uri) {
		return browser.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

	/** The page once it shows {@code eventId} closed (no longer pending). */
	private String awaitPage(WebTestClient browser, String uri, String eventId) {
		String[] html = new String[1];
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			html[0] = page(browser, uri);
			assertThat(html[0]).contains(eventId).doesNotContain("pill pending");
		});
		return html[0];
	}

	/** An allowed PATCH in a tenant; answers its audit event id. */
	private String patch(String tenant, String target, String body) {
		String token = identityProvider.token().tenant(tenant).issuer(identityProvider.issuerV2(tenant)).build();
		String correlationId = UUID.randomUUID().toString();
		this.client.patch()
			.uri("/users/" + target)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.header("client-request-id", correlationId)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.is2xxSuccessful()
			.expectBody()
			.returnResult();
		return eventOf(correlationId);
	}

	/**
	 * A PATCH of the default tenant refused for its content type; answers its event id.
	 */
	private String refusedPatch(String target) {
		String correlationId = UUID.randomUUID().toString();
		this.client.patch()
			.uri("/users/" + target)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + identityProvider.validToken())
			.header("client-request-id", correlationId)
			.contentType(MediaType.TEXT_PLAIN)
			.bodyValue("x")
			.exchange()
			.expectStatus()
			.isEqualTo(415)
			.expectBody()
			.returnResult();
		return eventOf(correlationId);
	}

	/** The id of the closed audit event of a request. */
	private String eventOf(String correlationId) {
		String[] id = new String[1];
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			var ids = this.jdbc.queryForList(
					"SELECT id FROM audit_event WHERE correlation_id = ? AND activity_result <> 'pending'",
					String.class, correlationId);
			assertThat(ids).hasSize(1);
			id[0] = ids.get(0);
		});
		return id[0];
	}

}
