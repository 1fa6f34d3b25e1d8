package com.graphpolicygateway.audit.query;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToLongFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.verify.AuditVerifyCommand;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.test.AuditPageSession;
import com.graphpolicygateway.test.GatewayIntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The access log on the running gateway: each kind of read of the audit trail (the API's
 * list, one event, both exports, the verification, the checkpoints, the access log
 * itself, and the audit page's table, event, CSV and access tab) leaves exactly one entry
 * naming its reader and how many events it returned; refused reads leave a refused entry;
 * a tenant auditor is refused the log (API and page), and that refusal is an entry too;
 * the entries are never among the trail's events, and the trail with them verifies. Each
 * read carries a fresh {@code client-request-id}, which finds its entry whatever other
 * tests read meanwhile.
 * <p>
 * Shares {@link AuditEventsApiRouteTests}'s gateway (its global auditors); names the
 * gateway explicitly: {@link AuditVerifyCommand} declares a
 * {@code @SpringBootConfiguration} of its own in this package.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(
		properties = { "graph-gateway.audit.global-auditors[0]=" + AuditEventsApiRouteTests.GLOBAL_AUDITOR_OID_UPPER,
				"graph-gateway.audit.global-auditors[1]=" + AuditEventsApiRouteTests.GLOBAL_AUDITOR_APP })
class AuditAccessLogRouteTests extends GatewayIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** A tenant of its own, holding {@link #EVENTS} events. */
	private static final String TENANT = UUID.randomUUID().toString();

	private static final int EVENTS = 3;

	private static @Nullable List<AuditEvent> made;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	AuditWriter writer;

	private final String tenantAuditor = UUID.randomUUID().toString();

	@BeforeEach
	void makeTheTenantsEventsOnce() {
		this.client = this.client.mutate()
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
			.build();
		if (made == null) {
			made = IntStream.range(0, EVENTS)
				.mapToObj((i) -> TestAuditEvents.pending()
					.id(UUID.randomUUID())
					.tenantId(TENANT)
					.correlationId(UUID.randomUUID().toString())
					.build()
					.completed("refused", "refuse", "permission_denied", null, null, 1L))
				.toList();
			made.forEach(this.writer::refused);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.jdbc.queryForObject(
						"SELECT COUNT(*) FROM audit_event WHERE tenant_id = ? AND chain_id IS NOT NULL", Integer.class,
						TENANT) == EVENTS);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("reads")
	void readWhenAnsweredThenOneEntryWithTheReaderTheTenantAndTheCount(String activity, boolean global, String path,
			boolean wholeTrail, ToLongFunction<String> count) {
		String oid = global ? AuditEventsApiRouteTests.GLOBAL_AUDITOR_OID : this.tenantAuditor;
		String correlationId = UUID.randomUUID().toString();

		String body = get(token(global), path.replace("{id}", made().get(0).id().toString()), correlationId)
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();

		Map<String, Object> entry = entry(correlationId);
		assertThat(entry).containsEntry("operation", OperationCatalogue.AUDIT_READ)
			.containsEntry("activity", activity)
			.containsEntry("category", AuditAccessLog.CATEGORY)
			.containsEntry("activityResult", "success")
			.containsEntry("decision", "allow")
			.containsEntry("reason", AuditAccessLog.REASON)
			.containsEntry("tenantId", null);
		assertThat(entry.get("actor")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("userId", oid)
			.containsEntry("ipAddress", "127.0.0.1");
		// The verification and the checkpoints cover every tenant's chains, whoever asks.
		assertThat(resourceId(entry)).isEqualTo((global || wholeTrail) ? AuditAccessLog.ALL_TENANTS : TENANT);
		assertThat(property(entry, AuditAccessLog.COUNT)).isEqualTo(Long.toString(count.applyAsLong(body)));
		assertThat(entry.get("hash")).isNotNull();
	}

	static Stream<Arguments> reads() {
		ToLongFunction<String> values = (body) -> values(json(body)).size();
		ToLongFunction<String> lines = (body) -> body.lines().count();
		return Stream.of(arguments("Read audit events", false, "/audit/events", false, values),
				arguments("Read audit event", false, "/audit/events/{id}", false, (ToLongFunction<String>) (body) -> 1),
				arguments("Export audit events", false, "/audit/events/export?format=ndjson", false, lines),
				arguments("Export audit events", false, "/audit/events/export?format=csv", false,
						(ToLongFunction<String>) (body) -> body.lines().count() - 1),
				arguments("Verify audit trail", false, "/audit/verify", true,
						(ToLongFunction<String>) (body) -> ((Number) json(body).get("eventsChecked")).longValue()),
				arguments("Read audit checkpoints", false, "/audit/checkpoints", true, values),
				arguments("Read audit access log", true, "/audit/access?$top=5", false, values),
				arguments("Export audit access log", true, "/audit/access/export?format=ndjson&$top=5", false, lines));
	}

	@Test
	void listWhenTenantAuditorThenTheEntryCountsTheirTenantsEventsAndRecordsTheFilters() {
		String correlationId = UUID.randomUUID().toString();

		get(token(false), "/audit/events?result=refused&$top=2", correlationId).expectStatus().isOk();

		Map<String, Object> entry = entry(correlationId);
		assertThat(property(entry, AuditAccessLog.COUNT)).isEqualTo("2");
		assertThat(property(entry, AuditAccessLog.FILTERS)).isEqualTo("tenant=" + TENANT + "&result=refused&$top=2");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/audit/access", "/audit/access/export" })
	void accessLogWhenTenantAuditorThenForbiddenAndTheRefusalIsAnEntry(String path) {
		String correlationId = UUID.randomUUID().toString();

		get(token(false), path, correlationId).expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("Authorization_RequestDenied");

		Map<String, Object> entry = entry(correlationId);
		assertThat(entry).containsEntry("activityResult", "refused")
			.containsEntry("decision", "refuse")
			.containsEntry("reason", "permission_denied");
		assertThat(entry.get("actor")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("userId", this.tenantAuditor);
		assertThat(resourceId(entry)).isEqualTo(TENANT);
		assertThat(property(entry, AuditAccessLog.COUNT)).isEqualTo("0");
	}

	@Test
	void readWhenTheTokenLacksTheAuditorPermissionThenForbiddenAndARefusedEntryNamingTheCaller() {
		String correlationId = UUID.randomUUID().toString();
		String oid = UUID.randomUUID().toString();
		String token = identityProvider.token()
			.scopes("DeviceManagementApps.ReadWrite.All")
			.tenant(TENANT)
			.issuer(identityProvider.issuerV2(TENANT))
			.claim("oid", oid)
			.build();

		get(token, "/audit/events/export?format=csv", correlationId).expectStatus().isForbidden();

		Map<String, Object> entry = entry(correlationId);
		assertThat(entry).containsEntry("activity", "Export audit events")
			.containsEntry("activityResult", "refused")
			.containsEntry("reason", "permission_denied");
		assertThat(entry.get("actor")).asInstanceOf(InstanceOfAssertFactories.MAP).containsEntry("userId", oid);
		assertThat(resourceId(entry)).isEqualTo(TENANT);
		assertThat(property(entry, AuditAccessLog.FILTERS)).isEqualTo("format=csv");
	}

	@Test
	void readWhenNoTokenThenUnauthorizedAndARefusedEntryOfAnUnknownCaller() {
		String correlationId = UUID.randomUUID().toString();

		this.client.get()
			.uri("/audit/verify")
			.header(RequestCorrelation.CLIENT_REQUEST_ID, correlationId)
			.exchange()
			.expectStatus()
			.isUnauthorized();

		Map<String, Object> entry = entry(correlationId);
		assertThat(entry).containsEntry("activity", "Verify audit trail")
			.containsEntry("activityResult", "refused")
			.containsEntry("reason", "token_invalid");
		assertThat(entry.get("actor")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("type", "Unknown")
			.containsEntry("ipAddress", "127.0.0.1");
	}

	@Test
	void listWhenTenantAuditorNamesAnotherTenantThenBadRequestAndARefusedEntry() {
		String correlationId = UUID.randomUUID().toString();
		String other = UUID.randomUUID().toString();

		get(token(false), "/audit/events?tenant=" + other, correlationId).expectStatus().isBadRequest();

		Map<String, Object> entry = entry(correlationId);
		assertThat(entry).containsEntry("activity", "Read audit events")
			.containsEntry("activityResult", "refused")
			.containsEntry("reason", "invalid_request");
		assertThat(property(entry, AuditAccessLog.FILTERS)).isEqualTo("tenant=" + other);
	}

	@Test
	void eventsWhenGlobalAuditorThenAccessEntriesAreNeverAmongThem() {
		String correlationId = UUID.randomUUID().toString();
		get(token(false), "/audit/events", correlationId).expectStatus().isOk();
		String entryId = (String) entry(correlationId).get("id");

		assertThat(values(json(get(token(true), "/audit/events?correlationId=" + correlationId, null).expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody()))).isEmpty();
		get(token(true), "/audit/events/" + entryId, null).expectStatus().isNotFound();
		String export = get(token(true), "/audit/events/export?format=ndjson", null).expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(export).doesNotContain(entryId).doesNotContain(OperationCatalogue.AUDIT_READ);
	}

	@Test
	void accessLogWhenPagedThenNextLinkNamesTheAccessLogAndTheFilters() {
		String actor = this.tenantAuditor;
		get(token(false), "/audit/events", UUID.randomUUID().toString()).expectStatus().isOk();
		get(token(false), "/audit/events", UUID.randomUUID().toString()).expectStatus().isOk();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> values(accessLog("/audit/access?actor=" + actor)).size() == 2);

		Map<String, Object> first = accessLog("/audit/access?actor=" + actor + "&$top=1");

		assertThat(values(first)).hasSize(1);
		String next = (String) first.get("@odata.nextLink");
		assertThat(next).startsWith("/audit/access?").contains("actor=" + actor).contains("$skiptoken=");
		assertThat(values(accessLog(next))).hasSize(1).doesNotContainAnyElementsOf(values(first));
	}

	@Test
	void verifyWhenTheLogHoldsEntriesThenTheTrailIsIntact() {
		String correlationId = UUID.randomUUID().toString();
		get(token(false), "/audit/events", correlationId).expectStatus().isOk();
		entry(correlationId);

		get(token(true), "/audit/verify", null).expectStatus().isOk().expectBody().jsonPath("$.intact").isEqualTo(true);
	}

	@Test
	void pageWhenGlobalAuditorThenEachViewIsAnEntryAndTheAccessTabListsThem() {
		identityProvider.willSignIn((token) -> token.claim("oid", AuditEventsApiRouteTests.GLOBAL_AUDITOR_OID));
		WebTestClient browser = new AuditPageSession(this.client, gateway()).signedIn().client();
		String table = UUID.randomUUID().toString();
		String event = UUID.randomUUID().toString();
		String csv = UUID.randomUUID().toString();

		assertThat(page(browser, "/audit?tenant=" + TENANT, table, 200)).contains("Access log");
		page(browser, "/audit/page/events/" + made().get(0).id(), event, 200);
		page(browser, "/audit/page/export.csv?tenant=" + TENANT, csv, 200);

		assertThat(entry(table)).containsEntry("activity", "View audit page");
		assertThat(property(entry(table), AuditAccessLog.COUNT)).isEqualTo(Integer.toString(EVENTS));
		assertThat(resourceId(entry(table))).isEqualTo(TENANT);
		assertThat(entry(event)).containsEntry("activity", "View audit event");
		assertThat(property(entry(event), AuditAccessLog.COUNT)).isEqualTo("1");
		assertThat(entry(csv)).containsEntry("activity", "Export audit events from the page");
		assertThat(property(entry(csv), AuditAccessLog.COUNT)).isEqualTo(Integer.toString(EVENTS));
		String tab = page(browser, "/audit/page/access?correlationId=" + table, UUID.randomUUID().toString(), 200);
		assertThat(tab).contains("View audit page").contains("tenant=" + TENANT).contains(">" + EVENTS + "<");
	}

	@Test
	void pageAccessTabWhenTenantAuditorThenForbiddenAndTheRefusalIsAnEntry() {
		String oid = UUID.randomUUID().toString();
		identityProvider.willSignIn((token) -> token.claim("oid", oid));
		WebTestClient browser = new AuditPageSession(this.client, gateway()).signedIn().client();
		String correlationId = UUID.randomUUID().toString();

		assertThat(page(browser, "/audit", UUID.randomUUID().toString(), 200)).doesNotContain("Access log");
		page(browser, "/audit/page/access", correlationId, 403);

		Map<String, Object> entry = entry(correlationId);
		assertThat(entry).containsEntry("activity", "View audit access log")
			.containsEntry("reason", "permission_denied");
		assertThat(entry.get("actor")).asInstanceOf(InstanceOfAssertFactories.MAP).containsEntry("userId", oid);
	}

	@Test
	void pageWhenSignedInUserLacksTheAuditorRoleThenSentToTheNoticeAndTheRefusalIsAnEntry() {
		String oid = UUID.randomUUID().toString();
		identityProvider.willSignIn((token) -> token.without("roles").claim("oid", oid));
		AuditPageSession session = new AuditPageSession(this.client, gateway());
		URI landing = session.signIn("/audit");
		String correlationId = UUID.randomUUID().toString();

		session.client()
			.get()
			.uri(landing.getPath() + "?tenant=" + TENANT)
			.header("client-request-id", correlationId)
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.location("/audit/page/forbidden");

		Map<String, Object> entry = entry(correlationId);
		assertThat(entry).containsEntry("activity", "View audit page")
			.containsEntry("activityResult", "refused")
			.containsEntry("reason", "permission_denied");
		assertThat(entry.get("actor")).asInstanceOf(InstanceOfAssertFactories.MAP).containsEntry("userId", oid);
		assertThat(property(entry, AuditAccessLog.FILTERS)).isEqualTo("tenant=" + TENANT);
	}

	/** The one entry of the read with this client-request-id, once closed and chained. */
	private Map<String, Object> entry(String correlationId) {
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(
					() -> assertThat(values(accessLog("/audit/access?correlationId=" + correlationId))).singleElement()
						.satisfies((entry) -> assertThat(entry.get("chainSeq")).isNotNull()));
		return values(accessLog("/audit/access?correlationId=" + correlationId)).get(0);
	}

	private Map<String, Object> accessLog(String uri) {
		return json(get(token(true), uri, null).expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody());
	}

	private String page(WebTestClient browser, String uri, String correlationId, int status) {
		return browser.get()
			.uri(uri)
			.accept(MediaType.TEXT_HTML)
			.header(RequestCorrelation.CLIENT_REQUEST_ID, correlationId)
			.exchange()
			.expectStatus()
			.isEqualTo(status)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

	private WebTestClient.ResponseSpec get(String token, String uri, @Nullable String correlationId) {
		WebTestClient.RequestHeadersSpec<?> request = this.client.get()
			.uri(URI.create("http://127.0.0.1:" + this.port + uri.replace("$", "%24")))
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token);
		if (correlationId != null) {
			request.header(RequestCorrelation.CLIENT_REQUEST_ID, correlationId);
		}
		return request.exchange();
	}

	private String token(boolean global) {
		String tenant = global ? UUID.randomUUID().toString() : TENANT;
		return identityProvider.token()
			.scopes(AuditEventsApiRouteTests.AUDITOR_PERMISSION)
			.tenant(tenant)
			.issuer(identityProvider.issuerV2(tenant))
			.claim("oid", global ? AuditEventsApiRouteTests.GLOBAL_AUDITOR_OID : this.tenantAuditor)
			.build();
	}

	private URI gateway() {
		return URI.create("http://127.0.0.1:" + this.port);
	}

	private static String resourceId(Map<String, Object> entry) {
		return (String) resource(entry).get("resourceId");
	}

	@SuppressWarnings("unchecked")
	private static String property(Map<String, Object> entry, String name) {
		List<Map<String, Object>> properties = (List<Map<String, Object>>) resource(entry).get("modifiedProperties");
		return properties.stream()
			.filter((property) -> name.equals(property.get("displayName")))
			.map((property) -> (String) property.get("newValue"))
			.findFirst()
			.orElseThrow();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> resource(Map<String, Object> entry) {
		return ((List<Map<String, Object>>) entry.get("resources")).get(0);
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> values(Map<String, Object> page) {
		return (List<Map<String, Object>>) page.get("value");
	}

	private static Map<String, Object> json(String body) {
		return JSON.readValue(body, new TypeReference<Map<String, Object>>() {
		});
	}

	private static List<AuditEvent> made() {
		assertThat(made).as("events made").isNotNull();
		return made;
	}

}
