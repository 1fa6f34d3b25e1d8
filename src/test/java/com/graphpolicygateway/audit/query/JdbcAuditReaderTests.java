package com.graphpolicygateway.audit.query;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;
import com.graphpolicygateway.audit.store.TestAuditStores;
import com.graphpolicygateway.graph.OperationAudit;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link JdbcAuditReader}'s operation filter and what it shows of the
 * operation, on SQLite and PostgreSQL: a tenant's device wipe, seed event and event
 * stored before the trail stored the operation (which reads as the seed's).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class JdbcAuditReaderTests {

	private static final String OTHER_TENANT = "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

	private final AuditDatabases.Engine engine;

	private AuditDatabases.Database database;

	private JdbcAuditReader reader;

	private AuditEvent wipe;

	private AuditEvent seed;

	private AuditEvent storedBefore;

	JdbcAuditReaderTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void storeEventsOfThreeKinds() {
		this.database = AuditDatabases.create(this.engine);
		this.reader = new JdbcAuditReader(this.database.jdbc());
		this.storedBefore = refused(TestAuditEvents.pending().recordedBeforeOperations(), 0);
		this.seed = refused(TestAuditEvents.pending(), 1);
		this.wipe = refused(TestAuditEvents.deviceWipe(), 2);
		AuditEvent otherTenantsWipe = refused(TestAuditEvents.deviceWipe().tenantId(OTHER_TENANT), 3);
		TestAuditStores.started(this.database)
			.write(List.of(), List.of(this.storedBefore, this.seed, this.wipe, otherTenantsWipe));
	}

	@AfterEach
	void dropDatabase() {
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void pageWhenFilteredByAnOperationThenOnlyItsEvents() {
		assertThat(ids("operation", OperationCatalogue.DEVICE_WIPE, "tenant", TestAuditEvents.TENANT))
			.containsExactly(id(this.wipe));
		assertThat(ids("operation", OperationCatalogue.DEVICE_RETIRE, "tenant", TestAuditEvents.TENANT)).isEmpty();
	}

	@Test
	void pageWhenFilteredByTheSeedThenAlsoEventsStoredBeforeOperationsNewestFirst() {
		assertThat(ids("operation", OperationCatalogue.USER_UPDATE, "tenant", TestAuditEvents.TENANT))
			.containsExactly(id(this.seed), id(this.storedBefore));
	}

	@Test
	void pageWhenFilteredByADecisionThenOnlyEventsWithIt() {
		assertThat(ids("decision", "refuse", "tenant", TestAuditEvents.TENANT)).containsExactly(id(this.wipe),
				id(this.seed), id(this.storedBefore));
		assertThat(ids("decision", "allow", "tenant", TestAuditEvents.TENANT)).isEmpty();
		assertThat(ids("decision", "would_refuse")).isEmpty();
	}

	@Test
	void pageWhenNotFilteredByOperationThenEveryOperation() {
		assertThat(ids("tenant", TestAuditEvents.TENANT)).containsExactly(id(this.wipe), id(this.seed),
				id(this.storedBefore));
	}

	@Test
	void findWhenDeviceWipeThenItsOperationAndAManagedDeviceResource() {
		AuditEventView view = this.reader.find(id(this.wipe)).orElseThrow();

		assertThat(view.operation()).isEqualTo(OperationCatalogue.DEVICE_WIPE);
		assertThat(view.activity()).isEqualTo("Wipe managed device");
		assertThat(view.activityOperationType()).isEqualTo("Action");
		assertThat(view.resources()).singleElement().satisfies((resource) -> {
			assertThat(resource.type()).isEqualTo(OperationAudit.MANAGED_DEVICE);
			assertThat(resource.resourceId()).isEqualTo(TestAuditEvents.DEVICE_ID);
		});
	}

	@Test
	void findWhenStoredBeforeOperationsThenTheSeedOnAUser() {
		AuditEventView view = this.reader.find(id(this.storedBefore)).orElseThrow();

		assertThat(view.operation()).isEqualTo(OperationCatalogue.USER_UPDATE);
		assertThat(view.resources()).singleElement()
			.satisfies((resource) -> assertThat(resource.type()).isEqualTo(OperationAudit.USER));
	}

	/** The filter within a tenant, newest first, is served by an index. */
	@Test
	void schemaWhenMigratedThenAnIndexOnTenantOperationAndTime() throws SQLException {
		assertThat(indexes()).containsValue(List.of("tenant_id", "operation", "activity_date_time"));
	}

	private List<String> ids(String... namesAndValues) {
		MultiValueMap<String, String> parameters = new LinkedMultiValueMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			parameters.add(namesAndValues[i], namesAndValues[i + 1]);
		}
		return this.reader.page(AuditQuery.parse(parameters)).events().stream().map(AuditEventView::id).toList();
	}

	/** The columns of each index of {@code audit_event}, in order, in lower case. */
	private Map<String, List<String>> indexes() throws SQLException {
		Map<String, Map<Short, String>> indexes = new TreeMap<>();
		try (Connection connection = this.database.dataSource().getConnection()) {
			DatabaseMetaData metadata = connection.getMetaData();
			String table = metadata.storesUpperCaseIdentifiers() ? "AUDIT_EVENT" : "audit_event";
			try (ResultSet rs = metadata.getIndexInfo(null, connection.getSchema(), table, false, false)) {
				while (rs.next()) {
					String name = rs.getString("INDEX_NAME");
					String column = rs.getString("COLUMN_NAME");
					if (name != null && column != null) {
						indexes.computeIfAbsent(name.toLowerCase(Locale.ROOT), (key) -> new TreeMap<>())
							.put(rs.getShort("ORDINAL_POSITION"), column.toLowerCase(Locale.ROOT));
					}
				}
			}
		}
		Map<String, List<String>> columns = new TreeMap<>();
		indexes.forEach((name, ordered) -> columns.put(name, List.copyOf(ordered.values())));
		return columns;
	}

	private static AuditEvent refused(TestAuditEvents.Builder event, int second) {
		return event.id(UUID.randomUUID())
			.arrived(TestAuditEvents.ARRIVED.plusSeconds(second))
			.build()
			.completed("refused", "refuse", "permission_denied", null, null, 1L);
	}

	private static String id(AuditEvent event) {
		return event.id().toString();
	}

}
