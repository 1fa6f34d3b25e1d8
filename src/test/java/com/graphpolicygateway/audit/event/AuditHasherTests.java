package com.graphpolicygateway.audit.event;

import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.graphpolicygateway.graph.OperationAudit;
import com.graphpolicygateway.graph.OperationCatalogue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for {@link AuditHasher} and {@link StoredEvent#link}.
 */
class AuditHasherTests {

	private static final UUID ID = UUID.fromString("5d6c7b8a-9f0e-4d1c-8b2a-3f4e5d6c7b8a");

	private static final String CHAIN = "9b2f4c1e-7a3d-4f5b-8c6e-0d1a2b3c4d5e";

	private static final String PREVIOUS = "ab".repeat(32);

	@Test
	void genesisWhenReadThenSixtyFourZeros() {
		assertThat(AuditHasher.GENESIS).hasSize(64).matches("0+");
	}

	@Test
	void hashWhenSameEventAndPlaceThenSameLowercaseHex() {
		String hash = hash(event());

		assertThat(hash).matches("[0-9a-f]{64}").isEqualTo(hash(event())).isNotEqualTo(AuditHasher.GENESIS);
	}

	@Test
	void linkWhenCalledThenKeepsPlaceAndHashesIt() {
		AuditEvent event = event();

		StoredEvent linked = StoredEvent.link(event, CHAIN, 7, PREVIOUS);

		assertThat(linked.event()).isSameAs(event);
		assertThat(linked.chainId()).isEqualTo(CHAIN);
		assertThat(linked.chainSeq()).isEqualTo(7);
		assertThat(linked.previousHash()).isEqualTo(PREVIOUS);
		assertThat(linked.hash()).isEqualTo(AuditHasher.hash(new StoredEvent(event, CHAIN, CHAIN, 7, PREVIOUS, "")));
	}

	@Test
	void hashWhenPlaceInChainDiffersThenDiffers() {
		AuditEvent event = event();

		assertThat(List.of(hash(event), StoredEvent.link(event, UUID.randomUUID().toString(), 1, PREVIOUS).hash(),
				StoredEvent.link(event, CHAIN, 2, PREVIOUS).hash(),
				StoredEvent.link(event, CHAIN, 1, AuditHasher.GENESIS).hash()))
			.doesNotHaveDuplicates();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("requestChanges")
	void hashWhenAnyRequestValueDiffersThenDiffers(String value, UnaryOperator<TestAuditEvents.Builder> change) {
		AuditEvent changed = TestAuditEvents.succeeded(change.apply(TestAuditEvents.pending().id(ID)).build());

		assertThat(hash(changed)).isNotEqualTo(hash(event()));
	}

	static Stream<Arguments> requestChanges() {
		return Stream.of(arguments("id", change((event) -> event.id(UUID.randomUUID()))),
				arguments("activityDateTime",
						change((event) -> event.arrived(TestAuditEvents.ARRIVED.plusNanos(1000)))),
				arguments("activity", change((event) -> event.activity("Delete user", "Patch"))),
				arguments("activityOperationType", change((event) -> event.activity(AuditEvent.ACTIVITY, "Delete"))),
				arguments("correlationId", change((event) -> event.correlationId(UUID.randomUUID().toString()))),
				arguments("tenantId", change((event) -> event.tenantId(null))),
				arguments("actor",
						change((event) -> event.actor(AuditEvent.Actor.unknown(TestAuditEvents.IP_ADDRESS)))),
				arguments("actor ip address",
						change((event) -> event.actor(actor("198.51.100.66", TestAuditEvents.PERMISSION)))),
				arguments("actor permissions",
						change((event) -> event.actor(
								actor(TestAuditEvents.IP_ADDRESS, TestAuditEvents.PERMISSION, "User.ReadWrite.All")))),
				arguments("targetUserId", change((event) -> event.targetUserId("mallory@contoso.com"))),
				arguments("modifiedProperties",
						change((event) -> event.properties(new AuditEvent.ModifiedProperty("jobTitle", null, "CEO")))),
				arguments("policyVersion", change((event) -> event.policyVersion("2026-12-01"))),
				arguments("traceId", change((event) -> event.traceId(null))),
				arguments("operation", change(
						(event) -> event.operation(OperationCatalogue.DEVICE_WIPE, AuditEvent.SEED_RESOURCE_TYPE))),
				arguments("resourceType",
						change((event) -> event.operation(AuditEvent.SEED_OPERATION, OperationAudit.MANAGED_DEVICE))),
				arguments("operation and resource type unset",
						change(TestAuditEvents.Builder::recordedBeforeOperations)));
	}

	@Test
	void hashWhenAnyOutcomeValueDiffersThenDiffers() {
		AuditEvent pending = TestAuditEvents.pending().id(ID).build();

		assertThat(List.of(hash(pending.completed("success", "allow", "allowed", 204, "g", 42L)),
				hash(pending.completed("failure", "allow", "allowed", 204, "g", 42L)),
				hash(pending.completed("success", "refuse", "allowed", 204, "g", 42L)),
				hash(pending.completed("success", "allow", "allowed_by_admin", 204, "g", 42L)),
				hash(pending.completed("success", "allow", "allowed", 200, "g", 42L)),
				hash(pending.completed("success", "allow", "allowed", null, "g", 42L)),
				hash(pending.completed("success", "allow", "allowed", 204, "h", 42L)),
				hash(pending.completed("success", "allow", "allowed", 204, "g", 43L)),
				hash(pending.completed("success", "allow", "allowed", 204, "g", null)), hash(pending)))
			.doesNotHaveDuplicates();
	}

	@Test
	void hashWhenTextMovesBetweenNeighbouringValuesThenDiffers() {
		AuditEvent first = TestAuditEvents.pending().id(ID).activity("Patch userP", "atch").build();
		AuditEvent second = TestAuditEvents.pending().id(ID).activity("Patch user", "PPatch").build();

		assertThat(hash(first)).isNotEqualTo(hash(second));
	}

	@Test
	void hashWhenNullOrEmptyOrDashThenAllDiffer() {
		assertThat(List.of(hash(TestAuditEvents.pending().id(ID).policyVersion(null).build()),
				hash(TestAuditEvents.pending().id(ID).policyVersion("").build()),
				hash(TestAuditEvents.pending().id(ID).policyVersion("-").build())))
			.doesNotHaveDuplicates();
	}

	/**
	 * Rows stored before the trail stored the operation (NULL operation and resource
	 * type) keep the hashes they were stored with: these were computed by the hasher of
	 * then.
	 */
	@Test
	void hashWhenRecordedBeforeOperationsThenTheHashItWasStoredWith() {
		AuditEvent pending = TestAuditEvents.pending().id(ID).recordedBeforeOperations().build();
		AuditEvent summary = new AuditEvent(ID, TestAuditEvents.ARRIVED, AuditEvent.ACTIVITY, "Patch", "refused",
				"User", null, AuditEvent.Actor.unknown(null), TestAuditEvents.TENANT, null, List.of(), "refuse",
				"target_protected", null, null, null, null, null,
				new AuditEvent.Summary(12, TestAuditEvents.ARRIVED, TestAuditEvents.ARRIVED.plusSeconds(30)), null,
				null);

		assertThat(hash(TestAuditEvents.succeeded(pending)))
			.isEqualTo("d84067b1ab07f2acdfb15e38dc5febb3263992dc48c3bfb89beb281410673f0a");
		assertThat(hash(summary)).isEqualTo("b1aedf8adb7399f92667f7605b4377a3c76bdf1e535793ed9b166d071cc2b48c");
		assertThat(AuditHasher.pendingMacContent(pending, CHAIN))
			.isEqualTo("pending\n85dd842ce7edf5ff20d7301254ca40322fe606588f8b6d4db9cea4d74db40ea9");
	}

	@Test
	void hashWhenOperationOrResourceTypeDiffersOrUnsetThenAllDiffer() {
		assertThat(List.of(hash(operation(AuditEvent.SEED_OPERATION, AuditEvent.SEED_RESOURCE_TYPE)),
				hash(operation(null, null)), hash(operation(AuditEvent.SEED_OPERATION, null)),
				hash(operation(null, AuditEvent.SEED_RESOURCE_TYPE)),
				hash(operation(AuditEvent.SEED_RESOURCE_TYPE, null)),
				hash(operation(null, OperationAudit.MANAGED_DEVICE)),
				hash(operation(OperationCatalogue.DEVICE_WIPE, OperationAudit.MANAGED_DEVICE)),
				hash(operation("operation", null))))
			.doesNotHaveDuplicates();
	}

	@Test
	void hashWhenBeforeImageOrOldValueDiffersOrUnsetThenAllDiffer() {
		AuditEvent event = event();
		List<AuditEvent.ModifiedProperty> read = List.of(new AuditEvent.ModifiedProperty("displayName", "Adele V.",
				event.modifiedProperties().get(0).newValue()));
		List<AuditEvent.ModifiedProperty> rewritten = List.of(new AuditEvent.ModifiedProperty("displayName",
				"Someone else", event.modifiedProperties().get(0).newValue()));

		assertThat(List.of(hash(event),
				hash(event.withBeforeImage(read, new AuditEvent.BeforeImage("captured", null, 12L))),
				hash(event.withBeforeImage(rewritten, new AuditEvent.BeforeImage("captured", null, 12L))),
				hash(event.withBeforeImage(read, new AuditEvent.BeforeImage("captured", null, 13L))),
				hash(event.withBeforeImage(read, new AuditEvent.BeforeImage("captured", null, null))),
				hash(event.withBeforeImage(event.modifiedProperties(),
						new AuditEvent.BeforeImage("unavailable", "timeout", 12L))),
				hash(event.withBeforeImage(event.modifiedProperties(),
						new AuditEvent.BeforeImage("unavailable", "graph_404", 12L))),
				hash(event.withBeforeImage(event.modifiedProperties(),
						new AuditEvent.BeforeImage("unavailable", null, 12L)))))
			.doesNotHaveDuplicates();
	}

	/**
	 * An event without a before-image hashes as before before-images existed: its
	 * canonical form holds no trace of them.
	 */
	@Test
	void hashWhenNoBeforeImageThenTheSameAsAnEventBuiltWithoutOne() {
		AuditEvent e = event();
		AuditEvent without = new AuditEvent(e.id(), e.activityDateTime(), e.activity(), e.activityOperationType(),
				e.activityResult(), e.category(), e.correlationId(), e.actor(), e.tenantId(), e.targetUserId(),
				e.modifiedProperties(), e.decision(), e.reason(), e.policyVersion(), e.upstreamStatus(),
				e.graphRequestId(), e.latencyMillis(), e.traceId(), e.summary(), e.operation(), e.resourceType());

		assertThat(without.beforeImage()).isNull();
		assertThat(hash(without)).isEqualTo(hash(e));
		assertThat(hash(TestAuditEvents.succeeded(TestAuditEvents.pending().id(ID).recordedBeforeOperations().build())))
			.isEqualTo("d84067b1ab07f2acdfb15e38dc5febb3263992dc48c3bfb89beb281410673f0a");
	}

	/** The database keeps microseconds, so the hash must not depend on what it drops. */
	@Test
	void hashWhenTimeDiffersBelowMicrosecondThenSame() {
		AuditEvent nanos = TestAuditEvents.pending().id(ID).arrived(TestAuditEvents.ARRIVED.plusNanos(999)).build();

		assertThat(hash(nanos)).isEqualTo(hash(TestAuditEvents.pending().id(ID).build()));
	}

	private static AuditEvent operation(String operation, String resourceType) {
		return TestAuditEvents.succeeded(TestAuditEvents.pending().id(ID).operation(operation, resourceType).build());
	}

	private static AuditEvent event() {
		return TestAuditEvents.succeeded(TestAuditEvents.pending().id(ID).build());
	}

	private static String hash(AuditEvent event) {
		return StoredEvent.link(event, CHAIN, 1, PREVIOUS).hash();
	}

	private static UnaryOperator<TestAuditEvents.Builder> change(UnaryOperator<TestAuditEvents.Builder> change) {
		return change;
	}

	private static AuditEvent.Actor actor(String ipAddress, String... permissions) {
		return new AuditEvent.Actor("Delegated", TestAuditEvents.USER_ID, TestAuditEvents.USER_PRINCIPAL_NAME,
				TestAuditEvents.APPLICATION_ID, ipAddress, List.of(permissions));
	}

}
