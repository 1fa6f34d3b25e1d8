package com.graphpolicygateway.audit.query;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
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
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.util.UriComponentsBuilder;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.audit.AuditRouteTests;
import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.verify.AuditVerifyCommand;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubGraph.Answer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The auditors' query API on the running gateway: events made by real PATCH calls in two
 * tenants (some refused), then read back through {@code GET /audit/events} (each filter,
 * order, keyset paging while new events arrive), {@code GET /audit/events/{id}} and the
 * CSV and NDJSON export, as tenant auditors, global auditors and callers without the
 * auditor permission.
 * <p>
 * Names the gateway explicitly: {@link AuditVerifyCommand} declares a
 * {@code @SpringBootConfiguration} of its own in this package.
 */
@SpringBootTest(classes = GraphPolicyGatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(
		// Configured in upper case: GUIDs compare without letter case.
		properties = { "graph-gateway.audit.global-auditors[0]=" + AuditEventsApiRouteTests.GLOBAL_AUDITOR_OID_UPPER,
				"graph-gateway.audit.global-auditors[1]=" + AuditEventsApiRouteTests.GLOBAL_AUDITOR_APP })
class AuditEventsApiRouteTests extends GatewayIntegrationTest {

	static final String GLOBAL_AUDITOR_OID = "e1b2c3d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e";

	static final String GLOBAL_AUDITOR_OID_UPPER = "E1B2C3D4-5F6A-4B7C-8D9E-0F1A2B3C4D5E";

	static final String GLOBAL_AUDITOR_APP = "a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d";

	static final String AUDITOR_PERMISSION = "AuditLog.Read.All";

	static final String BODY = "{\"displayName\":\"Adele Vance\"}";

	// Fresh tenants, actors and users: no other test's events can match these filters.
	static final String TENANT_A = UUID.randomUUID().toString();

	static final String TENANT_B = UUID.randomUUID().toString();

	static final String SHARED_APP = UUID.randomUUID().toString();

	static final Actor ADELE = new Actor(UUID.randomUUID().toString(), "adele.vance@contoso.example", SHARED_APP);

	static final Actor MEGAN = new Actor(UUID.randomUUID().toString(), "megan.bowen@contoso.example",
			UUID.randomUUID().toString());

	static final Actor ALEX = new Actor(UUID.randomUUID().toString(), "alex.wilber@fabrikam.example", SHARED_APP);

	static final String USER_1 = UUID.randomUUID().toString();

	static final String USER_2 = UUID.randomUUID().toString();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** The events of both tenants, in the order they were made (oldest first). */
	private static @Nullable List<Sent> made;

	/** Events written straight to the audit writer, many sharing one instant. */
	private static @Nullable List<AuditEvent> bulk;

	private static final String BULK_TENANT = UUID.randomUUID().toString();

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	AuditWriter writer;

	@BeforeEach
	void makeEventsOnce() {
		// Global auditors' pages hold hundreds of events.
		this.client = this.client.mutate()
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
			.build();
		if (made == null) {
			made = makeEvents();
		}
	}

	@ParameterizedTest
	@MethodSource("filters")
	void listWhenGlobalAuditorFiltersThenExactlyTheMatchingEventsNewestFirst(String name, List<String> query,
			Predicate<Sent> matches) {
		List<Map<String, Object>> events = list(globalAuditorToken(), query);

		assertThat(correlationIds(events)).as(name).isNotEmpty().containsExactlyElementsOf(newestFirst(matches));
	}

	static Stream<Arguments> filters() {
		return Stream.of(filter("tenant A", (s) -> TENANT_A.equals(s.tenant()), "tenant", TENANT_A),
				filter("tenant B", (s) -> TENANT_B.equals(s.tenant()), "tenant", TENANT_B),
				filter("actor by object id", (s) -> ADELE.equals(s.actor()), "actor", ADELE.oid()),
				filter("actor by principal name", (s) -> MEGAN.equals(s.actor()), "actor", MEGAN.upn()),
				filter("actor by application id, both tenants",
						(s) -> s.actor() != null && SHARED_APP.equals(s.actor().appId()), "actor", SHARED_APP),
				filter("target", (s) -> USER_2.equals(s.target()), "target", USER_2),
				filter("result refused in A", (s) -> TENANT_A.equals(s.tenant()) && s.result().equals("refused"),
						"tenant", TENANT_A, "result", "refused"),
				filter("result failure in B", (s) -> TENANT_B.equals(s.tenant()) && s.result().equals("failure"),
						"tenant", TENANT_B, "result", "failure"),
				filter("result success in A", (s) -> TENANT_A.equals(s.tenant()) && s.result().equals("success"),
						"tenant", TENANT_A, "result", "success"),
				filter("reason in B", (s) -> TENANT_B.equals(s.tenant()) && s.reason().equals("unsupported_media_type"),
						"tenant", TENANT_B, "reason", "unsupported_media_type"),
				filter("actor, target and result together",
						(s) -> ADELE.equals(s.actor()) && USER_1.equals(s.target()) && s.result().equals("success"),
						"actor", ADELE.upn(), "target", USER_1, "result", "success"));
	}

	private static Arguments filter(String name, Predicate<Sent> matches, String... query) {
		return arguments(name, List.of(query), matches);
	}

	@Test
	void listWhenFilteredByCorrelationIdThenThatOneEventWithItsFields() {
		Sent sent = first((s) -> MEGAN.equals(s.actor()) && s.result().equals("failure"));

		List<Map<String, Object>> events = list(globalAuditorToken(), List.of("correlationId", sent.correlationId()));

		assertThat(events).singleElement().satisfies((event) -> {
			assertThat(event).containsEntry("correlationId", sent.correlationId())
				.containsEntry("tenantId", TENANT_A)
				.containsEntry("activityResult", "failure")
				.containsEntry("decision", "allow")
				.containsEntry("reason", "allowed")
				.containsEntry("upstreamStatus", 429)
				.containsEntry("activity", AuditEvent.ACTIVITY);
			assertThat(event.get("actor")).asInstanceOf(InstanceOfAssertFactories.MAP)
				.containsEntry("userId", MEGAN.oid())
				.containsEntry("userPrincipalName", MEGAN.upn())
				.containsEntry("applicationId", MEGAN.appId());
			assertThat(event.get("resources")).asInstanceOf(InstanceOfAssertFactories.LIST)
				.singleElement()
				.asInstanceOf(InstanceOfAssertFactories.MAP)
				.containsEntry("resourceId", USER_1);
			assertThat(event.get("hash")).isNotNull();
		});
	}

	@Test
	void listWhenFromAndToGivenThenFromInclusiveToExclusive() {
		List<Map<String, Object>> tenantA = list(globalAuditorToken(), List.of("tenant", TENANT_A));
		List<Map<String, Object>> oldestFirst = reversed(tenantA);
		String from = (String) oldestFirst.get(1).get("activityDateTime");
		String to = (String) oldestFirst.get(4).get("activityDateTime");

		List<Map<String, Object>> events = list(globalAuditorToken(),
				List.of("tenant", TENANT_A, "from", from, "to", to));

		assertThat(correlationIds(events))
			.containsExactlyElementsOf(reversed(correlationIds(oldestFirst.subList(1, 4))));
		assertThat(correlationIds(list(globalAuditorToken(), List.of("tenant", TENANT_A, "from", from))))
			.containsExactlyElementsOf(correlationIds(tenantA.subList(0, tenantA.size() - 1)));
		assertThat(correlationIds(list(globalAuditorToken(), List.of("tenant", TENANT_A, "to", to))))
			.containsExactlyElementsOf(reversed(correlationIds(oldestFirst.subList(0, 4))));
	}

	@Test
	void listWhenNoFilterThenNewestFirstByTime() {
		List<Map<String, Object>> events = list(globalAuditorToken(), List.of("$top", "500"));

		assertThat(events).extracting((event) -> Instant.parse((String) event.get("activityDateTime")))
			.isSortedAccordingTo(Comparator.reverseOrder());
	}

	@Test
	void listWhenPagingWhileNewEventsArriveThenEveryEventOnceAndTheWalkEnds() {
		String tenant = UUID.randomUUID().toString();
		Actor caller = new Actor(UUID.randomUUID().toString(), "pat.pager@contoso.example",
				UUID.randomUUID().toString());
		String target = UUID.randomUUID().toString();
		List<String> before = new ArrayList<>();
		for (int i = 0; i < 7; i++) {
			before.add(patch(tenant, caller, target).correlationId());
		}
		trail().eventsOf(before);
		String auditor = auditorToken(tenant, UUID.randomUUID().toString());
		List<String> arrivedDuringWalk = new ArrayList<>();

		List<String> seen = new ArrayList<>();
		Map<String, Object> page = page(auditor, uri(List.of("$top", "3")));
		int pages = 1;
		while (true) {
			seen.addAll(correlationIds(values(page)));
			String nextLink = (String) page.get("@odata.nextLink");
			if (nextLink == null) {
				break;
			}
			assertThat(pages).as("pages").isLessThan(10);
			// Root-relative: no public base URL is configured, and the request's Host is
			// never used.
			assertThat(nextLink).startsWith("/audit/events?").contains("$top=3");
			// Newer events land between the pages; a pager by offset would repeat events.
			List<String> newer = List.of(patch(tenant, caller, target).correlationId(),
					patch(tenant, caller, target).correlationId());
			trail().eventsOf(newer);
			arrivedDuringWalk.addAll(newer);
			page = page(auditor, URI.create(nextLink));
			pages++;
		}

		assertThat(pages).isEqualTo(3);
		assertThat(seen).containsExactlyElementsOf(reversed(before));
		List<String> all = new ArrayList<>(before);
		all.addAll(arrivedDuringWalk);
		assertThat(correlationIds(list(auditor, List.of("$top", "500")))).containsExactlyElementsOf(reversed(all));
	}

	@Test
	void listWhenManyEventsShareOneInstantThenPagesCutByIdVisitEachOnceInOrder() {
		List<AuditEvent> events = bulk();
		String auditor = globalAuditorToken();

		List<Map<String, Object>> seen = list(auditor, List.of("tenant", BULK_TENANT, "$top", "10"));

		assertThat(seen).extracting((event) -> (String) event.get("id"))
			.containsExactlyElementsOf(bulkNewestFirst(events));
	}

	@Test
	void listWhenTenantAuditorThenOnlyTheirTenantsEvents() {
		String auditor = auditorToken(TENANT_A, UUID.randomUUID().toString());

		assertThat(correlationIds(list(auditor, List.of("$top", "500"))))
			.containsExactlyElementsOf(newestFirst((s) -> TENANT_A.equals(s.tenant())));
		assertThat(correlationIds(list(auditor, List.of("actor", SHARED_APP))))
			.containsExactlyElementsOf(newestFirst((s) -> TENANT_A.equals(s.tenant()) && ADELE.equals(s.actor())));
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void listWhenTenantAuditorNamesTheirOwnTenantThenAllowed(boolean upperCase) {
		String auditor = auditorToken(TENANT_A, UUID.randomUUID().toString());

		List<Map<String, Object>> events = list(auditor,
				List.of("tenant", upperCase ? TENANT_A.toUpperCase() : TENANT_A));

		assertThat(correlationIds(events)).containsExactlyElementsOf(newestFirst((s) -> TENANT_A.equals(s.tenant())));
	}

	@Test
	void listWhenTenantAuditorNamesAnotherTenantThenBadRequestNamingTenant() {
		String auditor = auditorToken(TENANT_A, UUID.randomUUID().toString());

		get(auditor, uri(List.of("tenant", TENANT_B))).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalidRequest")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("'tenant'"))
			.jsonPath("$.value")
			.doesNotExist();
	}

	@Test
	void listWhenApplicationAuditorOfATenantThenOnlyThatTenant() {
		String auditor = identityProvider.token()
			.roles(AUDITOR_PERMISSION)
			.tenant(TENANT_B)
			.issuer(identityProvider.issuerV2(TENANT_B))
			.claim("azp", UUID.randomUUID().toString())
			.build();

		assertThat(correlationIds(list(auditor, List.of("$top", "500"))))
			.containsExactlyElementsOf(newestFirst((s) -> TENANT_B.equals(s.tenant())));
	}

	@Test
	void listWhenGlobalAuditorByObjectIdThenEveryTenantsEvents() {
		List<Map<String, Object>> events = list(globalAuditorToken(), List.of("$top", "500"));

		assertThat(correlationIds(events)).containsAll(made().stream().map(Sent::correlationId).toList());
		assertThat(events).extracting((event) -> event.get("tenantId")).contains(TENANT_A, TENANT_B, null);
	}

	@Test
	void listWhenGlobalAuditorNamesTenantInUpperCaseThenThatTenantsEvents() {
		// The filter accepts a GUID in any case, as it does for tenant auditors.
		List<Map<String, Object>> events = list(globalAuditorToken(), List.of("tenant", TENANT_B.toUpperCase()));

		assertThat(correlationIds(events)).containsExactlyElementsOf(newestFirst((s) -> TENANT_B.equals(s.tenant())));
	}

	@Test
	void listWhenGlobalAuditorByApplicationIdThenEveryTenantsEvents() {
		String auditor = identityProvider.token()
			.roles(AUDITOR_PERMISSION)
			.tenant(TENANT_B)
			.issuer(identityProvider.issuerV2(TENANT_B))
			.claim("azp", GLOBAL_AUDITOR_APP)
			.build();

		assertThat(correlationIds(list(auditor, List.of("$top", "500"))))
			.containsAll(made().stream().map(Sent::correlationId).toList());
	}

	@Test
	void listWhenUserSignsInThroughTheGlobalApplicationThenOnlyTheirTenant() {
		// The application id makes app-only callers global, not every user of that app.
		String auditor = identityProvider.token()
			.scopes(AUDITOR_PERMISSION)
			.tenant(TENANT_A)
			.issuer(identityProvider.issuerV2(TENANT_A))
			.claim("oid", UUID.randomUUID().toString())
			.claim("azp", GLOBAL_AUDITOR_APP)
			.build();

		assertThat(correlationIds(list(auditor, List.of("$top", "500"))))
			.containsExactlyElementsOf(newestFirst((s) -> TENANT_A.equals(s.tenant())));
	}

	@Test
	void getWhenEventOfTheAuditorsTenantThenTheEvent() {
		Sent sent = first((s) -> TENANT_A.equals(s.tenant()));
		String id = idOf(sent);

		get(auditorToken(TENANT_A, UUID.randomUUID().toString()), URI.create("/audit/events/" + id)).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.id")
			.isEqualTo(id)
			.jsonPath("$.correlationId")
			.isEqualTo(sent.correlationId())
			.jsonPath("$.tenantId")
			.isEqualTo(TENANT_A);
	}

	@Test
	void getWhenEventOfAnotherTenantThenNotFoundAsIfAbsent() {
		String otherTenants = idOf(first((s) -> TENANT_B.equals(s.tenant())));
		String noTenants = idOf(first((s) -> s.tenant() == null));
		String auditor = auditorToken(TENANT_A, UUID.randomUUID().toString());

		for (String id : List.of(otherTenants, noTenants, UUID.randomUUID().toString(), "not-an-id")) {
			get(auditor, URI.create("/audit/events/" + id)).expectStatus()
				.isNotFound()
				.expectBody()
				.jsonPath("$.error.code")
				.isEqualTo("itemNotFound")
				.jsonPath("$.id")
				.doesNotExist();
		}
	}

	@Test
	void getWhenGlobalAuditorThenEventOfAnyTenant() {
		for (Sent sent : List.of(first((s) -> TENANT_B.equals(s.tenant())), first((s) -> s.tenant() == null))) {
			get(globalAuditorToken(), URI.create("/audit/events/" + idOf(sent))).expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.correlationId")
				.isEqualTo(sent.correlationId());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "/audit/events", "/audit/events/5d6c7b8a-9f0e-4d1c-8b2a-3f4e5d6c7b8a",
			"/audit/events/export?format=csv" })
	void requestWhenCallerHoldsOnlyThePatchPermissionThenForbiddenWithInsufficientScope(String path) {
		String token = identityProvider.token()
			.tenant(TENANT_A)
			.issuer(identityProvider.issuerV2(TENANT_A))
			.claim("oid", ADELE.oid())
			.build();

		get(token, URI.create(path)).expectStatus()
			.isForbidden()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE,
					(challenge) -> assertThat(challenge).startsWith("Bearer ")
						.contains("error=\"insufficient_scope\"")
						.contains("scope=\"" + AUDITOR_PERMISSION + "\""))
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("Authorization_RequestDenied")
			.jsonPath("$.value")
			.doesNotExist();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/audit/events", "/audit/events/5d6c7b8a-9f0e-4d1c-8b2a-3f4e5d6c7b8a",
			"/audit/events/export?format=ndjson" })
	void requestWhenNoTokenThenUnauthorized(String path) {
		get(null, URI.create(path)).expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("InvalidAuthenticationToken")
			.jsonPath("$.value")
			.doesNotExist();
	}

	static Stream<Arguments> badQueries() {
		return Stream.of(arguments("/audit/events", List.of("colour", "red"), "colour"),
				arguments("/audit/events", List.of("actor", "a", "actor", "b"), "actor"),
				arguments("/audit/events", List.of("from", "yesterday"), "from"),
				arguments("/audit/events", List.of("from", "2026-11-28T00:00:00Z", "to", "2026-11-27T00:00:00Z"),
						"from"),
				arguments("/audit/events", List.of("tenant", "contoso"), "tenant"),
				arguments("/audit/events", List.of("result", "ok"), "result"),
				arguments("/audit/events", List.of("$top", "0"), "$top"),
				arguments("/audit/events", List.of("$top", "501"), "$top"),
				arguments("/audit/events", List.of("$top", "abc"), "$top"),
				arguments("/audit/events", List.of("$skiptoken", "tampered"), "$skiptoken"),
				arguments("/audit/events/export", List.of("format", "xml"), "format"),
				arguments("/audit/events/export", List.of("format", "csv", "from", "yesterday"), "from"),
				arguments("/audit/events/export", List.of("format", "csv", "colour", "red"), "colour"));
	}

	@ParameterizedTest
	@MethodSource("badQueries")
	void requestWhenFilterIsBadThenBadRequestNamingTheParameter(String path, List<String> query, String parameter) {
		get(globalAuditorToken(), uri(path, query)).expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectHeader()
			.exists("request-id")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalidRequest")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("'" + parameter + "'"))
			.jsonPath("$.error.innerError.request-id")
			.exists();
	}

	@Test
	void exportWhenCsvOfAFilteredRangeThenHeaderAndOneLinePerMatchingEvent() {
		List<Map<String, Object>> oldestFirst = reversed(list(globalAuditorToken(), List.of("tenant", TENANT_A)));
		List<Map<String, Object>> expected = reversed(oldestFirst.subList(1, 5));

		String csv = get(globalAuditorToken(),
				uri("/audit/events/export",
						List.of("format", "csv", "tenant", TENANT_A, "from",
								(String) oldestFirst.get(1).get("activityDateTime"), "to",
								(String) oldestFirst.get(5).get("activityDateTime"))))
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(new MediaType("text", "csv"))
			.expectHeader()
			.value(HttpHeaders.CONTENT_DISPOSITION, (disposition) -> assertThat(disposition).startsWith("attachment"))
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();

		List<List<String>> records = AuditCsvTests.parse(csv);
		assertThat(records.get(0)).isEqualTo(AuditCsvTests.parse(AuditCsv.HEADER).get(0));
		List<List<String>> rows = records.subList(1, records.size());
		assertThat(rows).allSatisfy((row) -> assertThat(row).hasSameSizeAs(records.get(0)));
		assertThat(rows).extracting((row) -> row.get(records.get(0).indexOf("id")))
			.containsExactlyElementsOf(expected.stream().map((event) -> (String) event.get("id")).toList());
		assertThat(rows).extracting((row) -> row.get(records.get(0).indexOf("correlationId")))
			.containsExactlyElementsOf(correlationIds(expected));
	}

	@Test
	void exportWhenNdjsonFilteredThenEachLineIsOneMatchingEvent() {
		String ndjson = get(globalAuditorToken(),
				uri("/audit/events/export", List.of("format", "ndjson", "actor", SHARED_APP, "result", "refused")))
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_NDJSON)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();

		assertThat(ndjson).endsWith("\n");
		List<Map<String, Object>> lines = ndjson.lines().map(AuditEventsApiRouteTests::json).toList();
		List<String> expected = newestFirst(
				(s) -> s.result().equals("refused") && s.actor() != null && SHARED_APP.equals(s.actor().appId()));
		assertThat(lines).hasSize(expected.size());
		assertThat(correlationIds(lines)).containsExactlyElementsOf(expected);
		assertThat(lines).extracting((line) -> (String) line.get("id"))
			.containsExactlyElementsOf(expected.stream().map(this::idOf).toList());
	}

	@Test
	void exportWhenTenantAuditorThenOnlyTheirTenant() {
		String ndjson = get(auditorToken(TENANT_B, UUID.randomUUID().toString()), URI.create("/audit/events/export"))
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();

		assertThat(ndjson.lines().map(AuditEventsApiRouteTests::json).toList())
			.extracting((event) -> (String) event.get("correlationId"))
			.containsExactlyElementsOf(newestFirst((s) -> TENANT_B.equals(s.tenant())));
	}

	@Test
	void exportWhenMoreEventsThanOneExportPageThenEveryEventOnceInOrder() {
		List<AuditEvent> events = bulk();

		String ndjson = get(globalAuditorToken(),
				uri("/audit/events/export", List.of("format", "ndjson", "tenant", BULK_TENANT)))
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();

		assertThat(ndjson.lines().map((line) -> (String) json(line).get("id")).toList())
			.containsExactlyElementsOf(bulkNewestFirst(events));
	}

	/**
	 * Makes the shared events one after another (so their times increase): allowed,
	 * failed at Graph and refused calls in tenants A and B, and one without a token.
	 */
	private List<Sent> makeEvents() {
		List<Sent> sent = new ArrayList<>();
		sent.add(patch(TENANT_A, ADELE, USER_1));
		sent.add(patch(TENANT_A, MEGAN, USER_2));
		sent.add(patch(TENANT_B, ALEX, USER_1));
		sent.add(send(TENANT_A, ADELE, USER_2, MediaType.TEXT_PLAIN, callerToken(TENANT_A, ADELE), 415, "refused",
				"unsupported_media_type"));
		sent.add(send(TENANT_A, MEGAN, USER_1, MediaType.APPLICATION_JSON, callerToken(TENANT_A, MEGAN, "User.Read"),
				403, "refused", "permission_denied"));
		graph.willAnswer(Answer.json(403, "{\"error\":{\"code\":\"Forbidden\",\"message\":\"no\"}}", Map.of()));
		sent.add(send(TENANT_B, ALEX, USER_2, MediaType.APPLICATION_JSON, callerToken(TENANT_B, ALEX), 403, "failure",
				"allowed"));
		sent.add(patch(TENANT_A, ADELE, USER_1));
		sent.add(send(TENANT_B, ALEX, USER_1, MediaType.TEXT_PLAIN, callerToken(TENANT_B, ALEX), 415, "refused",
				"unsupported_media_type"));
		graph.willAnswer(Answer.json(429, "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"later\"}}",
				Map.of("Retry-After", "1")));
		sent.add(send(TENANT_A, MEGAN, USER_1, MediaType.APPLICATION_JSON, callerToken(TENANT_A, MEGAN), 429, "failure",
				"allowed"));
		sent.add(send(null, null, USER_2, MediaType.APPLICATION_JSON, null, 401, "refused", "token_invalid"));
		sent.add(patch(TENANT_A, ADELE, USER_2));
		sent.add(patch(TENANT_B, ALEX, USER_2));
		List<Map<String, Object>> rows = trail().eventsOf(sent.stream().map(Sent::correlationId).toList());
		for (Sent s : sent) {
			Map<String, Object> row = rows.stream()
				.filter((r) -> s.correlationId().equals(r.get("correlation_id")))
				.findFirst()
				.orElseThrow();
			assertThat(row).as(s.correlationId())
				.containsEntry("tenant_id", s.tenant())
				.containsEntry("activity_result", s.result())
				.containsEntry("reason", s.reason())
				.containsEntry("target_user_id", s.target());
		}
		return List.copyOf(sent);
	}

	private Sent patch(String tenant, Actor actor, String target) {
		return send(tenant, actor, target, MediaType.APPLICATION_JSON, callerToken(tenant, actor), 204, "success",
				"allowed");
	}

	private Sent send(@Nullable String tenant, @Nullable Actor actor, String target, MediaType contentType,
			@Nullable String token, int status, String result, String reason) {
		String clientRequestId = UUID.randomUUID().toString();
		WebTestClient.RequestBodySpec request = this.client.method(HttpMethod.PATCH)
			.uri("/users/" + target)
			.header("client-request-id", clientRequestId)
			.contentType(contentType);
		if (token != null) {
			request.header(HttpHeaders.AUTHORIZATION, "Bearer " + token);
		}
		request.bodyValue(BODY).exchange().expectStatus().isEqualTo(status);
		// Refusals before the request guard (token, permission) know no target; the
		// guard's own refusals know it from the path.
		boolean targetKnown = !result.equals("refused") || reason.equals("unsupported_media_type");
		return new Sent(clientRequestId, tenant, actor, targetKnown ? target : null, result, reason);
	}

	/**
	 * Events written straight to the writer in a tenant of their own: more than one
	 * export page, in runs of three sharing an instant so that pages are cut inside a
	 * run.
	 */
	private List<AuditEvent> bulk() {
		if (bulk == null) {
			// Older than the calls' events, so that those stay on the first pages.
			Instant newest = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MICROS);
			List<AuditEvent> events = new ArrayList<>();
			for (int i = 0; i < 503; i++) {
				events.add(TestAuditEvents.pending()
					.tenantId(BULK_TENANT)
					.correlationId(UUID.randomUUID().toString())
					.arrived(newest.minusSeconds(i / 3))
					.build()
					.completed("refused", "refuse", "permission_denied", null, null, 1L));
			}
			events.forEach(this.writer::complete);
			await().atMost(Duration.ofSeconds(20))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> this.jdbc.queryForObject("SELECT COUNT(*) FROM audit_event WHERE tenant_id = ?",
						Integer.class, BULK_TENANT), (count) -> count == events.size());
			bulk = List.copyOf(events);
		}
		return bulk;
	}

	/** Ids in the API's order: newest first, then highest id first. */
	private static List<String> bulkNewestFirst(List<AuditEvent> events) {
		return events.stream()
			.sorted(Comparator.comparing(AuditEvent::activityDateTime)
				.thenComparing((event) -> event.id().toString())
				.reversed())
			.map((event) -> event.id().toString())
			.toList();
	}

	/** Every matching event, following {@code @odata.nextLink} to the last page. */
	private List<Map<String, Object>> list(String token, List<String> query) {
		List<Map<String, Object>> events = new ArrayList<>();
		URI next = uri(query);
		for (int pages = 0; next != null; pages++) {
			assertThat(pages).as("pages").isLessThan(100);
			Map<String, Object> page = page(token, next);
			events.addAll(values(page));
			next = (page.get("@odata.nextLink") != null) ? URI.create((String) page.get("@odata.nextLink")) : null;
		}
		return events;
	}

	private Map<String, Object> page(String token, URI uri) {
		Map<String, Object> page = get(token, uri).expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
		assertThat(page).containsKey("value");
		return page;
	}

	private WebTestClient.ResponseSpec get(@Nullable String token, URI uri) {
		URI absolute = uri.isAbsolute() ? uri : URI.create("http://127.0.0.1:" + this.port + uri);
		WebTestClient.RequestHeadersSpec<?> request = this.client.get().uri(absolute);
		if (token != null) {
			request.header(HttpHeaders.AUTHORIZATION, "Bearer " + token);
		}
		return request.exchange();
	}

	private static URI uri(List<String> query) {
		return uri("/audit/events", query);
	}

	private static URI uri(String path, List<String> query) {
		UriComponentsBuilder builder = UriComponentsBuilder.fromPath(path);
		for (int i = 0; i < query.size(); i += 2) {
			builder.queryParam(query.get(i), query.get(i + 1));
		}
		return builder.encode().build().toUri();
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> values(Map<String, Object> page) {
		return (List<Map<String, Object>>) page.get("value");
	}

	private static List<String> correlationIds(List<Map<String, Object>> events) {
		return events.stream().map((event) -> (String) event.get("correlationId")).toList();
	}

	private static List<String> newestFirst(Predicate<Sent> matches) {
		return reversed(made().stream().filter(matches).map(Sent::correlationId).toList());
	}

	private static <T> List<T> reversed(List<T> list) {
		List<T> copy = new ArrayList<>(list);
		Collections.reverse(copy);
		return copy;
	}

	private static Sent first(Predicate<Sent> matches) {
		return made().stream().filter(matches).findFirst().orElseThrow();
	}

	private static List<Sent> made() {
		assertThat(made).as("events made").isNotNull();
		return made;
	}

	private String idOf(Sent sent) {
		return idOf(sent.correlationId());
	}

	private String idOf(String correlationId) {
		return this.jdbc.queryForObject("SELECT id FROM audit_event WHERE correlation_id = ?", String.class,
				correlationId);
	}

	private static Map<String, Object> json(String line) {
		return JSON.readValue(line, new TypeReference<Map<String, Object>>() {
		});
	}

	private AuditRouteTests.AuditTrail trail() {
		return new AuditRouteTests.AuditTrail(this.jdbc);
	}

	private static String globalAuditorToken() {
		return auditorToken(UUID.randomUUID().toString(), GLOBAL_AUDITOR_OID);
	}

	private static String auditorToken(String tenant, String oid) {
		return identityProvider.token()
			.scopes(AUDITOR_PERMISSION)
			.tenant(tenant)
			.issuer(identityProvider.issuerV2(tenant))
			.claim("oid", oid)
			.build();
	}

	private static String callerToken(String tenant, Actor actor) {
		return callerToken(tenant, actor, "DeviceManagementApps.ReadWrite.All User.Read");
	}

	private static String callerToken(String tenant, Actor actor, String scopes) {
		return identityProvider.token()
			.tenant(tenant)
			.issuer(identityProvider.issuerV2(tenant))
			.claim("oid", actor.oid())
			.claim("upn", actor.upn())
			.claim("azp", actor.appId())
			.scopes(scopes)
			.build();
	}

	/**
	 * Who made a call, as the token says.
	 *
	 * @param oid the user's object id
	 * @param upn the user's principal name
	 * @param appId the application the user called through
	 */
	record Actor(String oid, String upn, String appId) {
	}

	/**
	 * One call made to create an event, and the event it should have left.
	 *
	 * @param correlationId the call's client-request-id
	 * @param tenant the caller's tenant (none without a trusted token)
	 * @param actor the caller (none without a trusted token)
	 * @param target the user the event names as changed (none when refused before the
	 * body was read)
	 * @param result the expected activity result
	 * @param reason the expected reason code
	 */
	record Sent(String correlationId, @Nullable String tenant, @Nullable Actor actor, @Nullable String target,
			String result, String reason) {
	}

}
