package com.graphpolicygateway.audit.query;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.AuditUnavailableException;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.query.AuditAccessLog.Kind;
import com.graphpolicygateway.audit.query.AuditAccessLog.Read;
import com.graphpolicygateway.audit.store.JdbcAuditStore;
import com.graphpolicygateway.audit.store.TestAuditStores;
import com.graphpolicygateway.audit.verify.AuditVerification;
import com.graphpolicygateway.audit.write.AuditWriter;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.RequestCorrelation;
import com.graphpolicygateway.identity.Caller;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AuditAccessLog} with a real audit writer, on SQLite and on PostgreSQL:
 * an access is recorded in the trail (the reader, the tenant read, the filters and the
 * count), chained and verified like any event, never shown among the trail's events, and
 * a read whose entry cannot be written fails closed.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class AuditAccessLogTests {

	private static final String READER_TENANT = "4d7e9a1b-2c3f-4a5b-8c6d-7e8f9a0b1c2d";

	private final AuditDatabases.Engine engine;

	private AuditDatabases.Database database;

	private JdbcAuditStore store;

	private AuditWriter writer;

	private AuditAccessLog log;

	private JdbcAuditReader reader;

	private final Caller auditor = new Caller("Delegated", UUID.randomUUID().toString(), "auditor@contoso.example",
			UUID.randomUUID().toString(), READER_TENANT, List.of("AuditLog.Read.All"));

	AuditAccessLogTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void startWriter() {
		this.database = AuditDatabases.create(this.engine);
		this.store = TestAuditStores.unstarted(this.database);
		this.writer = new AuditWriter(this.store, 100, 10, Clock.systemUTC(), new SimpleMeterRegistry());
		this.writer.start();
		this.log = new AuditAccessLog(this.writer, Clock.systemUTC(), Duration.ofSeconds(5));
		this.reader = new JdbcAuditReader(this.database.jdbc());
		// One event of the reader's tenant, which the trail's queries find.
		this.writer.refused(TestAuditEvents.pending()
			.tenantId(READER_TENANT)
			.build()
			.completed("refused", "refuse", "permission_denied", null, null, 1L));
	}

	@AfterEach
	void stopWriter() {
		if (this.writer != null && this.writer.isRunning()) {
			this.writer.stop();
		}
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void recordedWhenReadAnsweredThenOneChainedEntryNamingReaderTenantFiltersAndCount() {
		AuditQuery query = AuditQuery.parse(parameters("actor", "megan.bowen@contoso.com")).inTenant(READER_TENANT);

		String answer = this.log
			.recorded(exchange(), this.auditor, Read.of(Kind.EVENTS, query), Mono.just("three events"), (read) -> 3)
			.block();

		assertThat(answer).isEqualTo("three events");
		AuditEventView entry = closedEntry();
		assertThat(entry.operation()).isEqualTo(OperationCatalogue.AUDIT_READ);
		assertThat(entry.activity()).isEqualTo("Read audit events");
		assertThat(entry.category()).isEqualTo(AuditAccessLog.CATEGORY);
		assertThat(entry.tenantId()).isNull();
		assertThat(entry.activityResult()).isEqualTo("success");
		assertThat(entry.decision()).isEqualTo("allow");
		assertThat(entry.reason()).isEqualTo(AuditAccessLog.REASON);
		assertThat(entry.actor().userId()).isEqualTo(this.auditor.userId());
		assertThat(entry.actor().userPrincipalName()).isEqualTo("auditor@contoso.example");
		assertThat(entry.actor().ipAddress()).isEqualTo("198.51.100.4");
		assertThat(entry.correlationId()).isEqualTo("5f0c2b1a-7d8e-4f9a-8b1c-2d3e4f5a6b7c");
		assertThat(entry.resources()).singleElement().satisfies((resource) -> {
			assertThat(resource.type()).isEqualTo(AuditAccessLog.RESOURCE_TYPE);
			assertThat(resource.resourceId()).isEqualTo(READER_TENANT);
			assertThat(resource.modifiedProperties()).containsExactly(
					new AuditEvent.ModifiedProperty(AuditAccessLog.FILTERS, null,
							"tenant=" + READER_TENANT + "&actor=megan.bowen%40contoso.com&$top=50"),
					new AuditEvent.ModifiedProperty(AuditAccessLog.COUNT, null, "3"));
		});
		assertThat(entry.chainSeq()).isNotNull();
	}

	@Test
	void recordedWhenReadOfEveryTenantThenTheEntryNamesAll() {
		this.log
			.recorded(exchange(), this.auditor, Read.of(Kind.EXPORT, AuditQuery.parse(parameters())), Mono.just(7L),
					(count) -> count)
			.block();

		AuditEventView entry = closedEntry();
		assertThat(entry.activity()).isEqualTo("Export audit events");
		assertThat(entry.resources().get(0).resourceId()).isEqualTo(AuditAccessLog.ALL_TENANTS);
		assertThat(entry.resources().get(0).modifiedProperties())
			.contains(new AuditEvent.ModifiedProperty(AuditAccessLog.COUNT, null, "7"));
	}

	@Test
	void refusedWhenReadRefusedThenOneRefusedEntryWithItsReasonAndNoCount() {
		this.log.refused(exchange(), this.auditor,
				Read.given(Kind.ACCESS_LOG, READER_TENANT, parameters("tenant", "x", "access_token", "secret")),
				"permission_denied");

		AuditEventView entry = closedEntry();
		assertThat(entry.activity()).isEqualTo("Read audit access log");
		assertThat(entry.activityResult()).isEqualTo("refused");
		assertThat(entry.decision()).isEqualTo("refuse");
		assertThat(entry.reason()).isEqualTo("permission_denied");
		// The value of a parameter that is not a filter is never recorded.
		assertThat(entry.resources().get(0).modifiedProperties()).containsExactly(
				new AuditEvent.ModifiedProperty(AuditAccessLog.FILTERS, null, "tenant=x&access_token"),
				new AuditEvent.ModifiedProperty(AuditAccessLog.COUNT, null, "0"));
	}

	@Test
	void readWhenTheTrailIsQueriedThenAccessEntriesAreNeverAmongItsEvents() {
		this.log
			.recorded(exchange(), this.auditor, Read.of(Kind.EVENTS, AuditQuery.parse(parameters())), Mono.just(1),
					(read) -> 1)
			.block();
		AuditEventView entry = closedEntry();

		JdbcAuditReader.Page events = this.reader.page(AuditQuery.parse(parameters()));

		assertThat(events.events()).singleElement()
			.satisfies((event) -> assertThat(event.tenantId()).isEqualTo(READER_TENANT));
		assertThat(this.reader.count(AuditQuery.parse(parameters()), false)).isEqualTo(1);
		assertThat(this.reader.find(entry.id())).isEmpty();
		assertThat(this.reader.accessLogPage(AuditQuery.parse(parameters("tenant", READER_TENANT))).events()).isEmpty();
		assertThat(this.reader.accessLogPage(AuditQuery.parse(parameters("target", "all"))).events())
			.extracting(AuditEventView::id)
			.containsExactly(entry.id());
	}

	@Test
	void verifyWhenTheLogHoldsEntriesThenIntactAndATamperedCountIsFound() {
		this.log
			.recorded(exchange(), this.auditor, Read.of(Kind.EVENTS, AuditQuery.parse(parameters())), Mono.just(1),
					(read) -> 2)
			.block();
		AuditEventView entry = closedEntry();
		AuditVerification intact = TestAuditStores.verifier(this.database).verify();
		assertThat(intact.intact()).isTrue();
		assertThat(intact.eventsChecked()).isEqualTo(2);

		this.database.jdbc()
			.update("UPDATE audit_event SET modified_properties = REPLACE(modified_properties, '\"2\"', '\"0\"') "
					+ "WHERE id = ?", entry.id());

		AuditVerification tampered = TestAuditStores.verifier(this.database).verify();
		assertThat(tampered.intact()).isFalse();
		assertThat(tampered.firstBrokenLink()).isNotNull();
		assertThat(tampered.firstBrokenLink().eventId()).isEqualTo(entry.id());
	}

	@Test
	void recordedWhenTheEntryCannotBeWrittenThenTheReadFailsAndIsNotAnswered() {
		this.writer.stop();

		assertThatExceptionOfType(AuditUnavailableException.class).isThrownBy(() -> this.log
			.recorded(exchange(), this.auditor, Read.of(Kind.EVENTS, AuditQuery.parse(parameters())),
					Mono.just("events"), (read) -> 1)
			.block());
	}

	/** The one access entry, once its writer closed and chained it. */
	private AuditEventView closedEntry() {
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(entries()).singleElement()
				.satisfies((entry) -> assertThat(entry.chainSeq()).isNotNull()));
		return entries().get(0);
	}

	private List<AuditEventView> entries() {
		return this.reader.accessLogPage(AuditQuery.parse(parameters())).events();
	}

	private static MockServerWebExchange exchange() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/audit/events")
			.remoteAddress(new InetSocketAddress("198.51.100.4", 50123))
			.build());
		exchange.getAttributes()
			.put(RequestCorrelation.class.getName(), new RequestCorrelation("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
					"5f0c2b1a-7d8e-4f9a-8b1c-2d3e4f5a6b7c"));
		return exchange;
	}

	private static MultiValueMap<String, String> parameters(String... pairs) {
		MultiValueMap<String, String> parameters = new LinkedMultiValueMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			parameters.add(pairs[i], pairs[i + 1]);
		}
		return parameters;
	}

}
