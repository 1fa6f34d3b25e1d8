package com.graphpolicygateway.audit.sinks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.graphpolicygateway.audit.query.TestAuditTrail;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateway replicas delivering one sink from one PostgreSQL schema: the lease lets one
 * of them deliver at a time, and the other takes over once a dead replica's lease has
 * expired.
 */
class AuditSinkLeaseTests {

	private static final Duration LEASE = Duration.ofSeconds(3);

	private AuditDatabases.Database database;

	private final List<AuditSinks> replicas = new ArrayList<>();

	@BeforeEach
	void createDatabase() {
		this.database = AuditDatabases.create(AuditDatabases.Engine.POSTGRESQL);
	}

	@AfterEach
	void dropDatabase() {
		this.replicas.forEach(AuditSinks::stop);
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void deliverWhenTwoReplicasThenEachEventIsDeliveredOnceByOneOfThem() {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		RecordingSink first = new RecordingSink();
		RecordingSink second = new RecordingSink();
		replica(first);
		replica(second);
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			ids.addAll(trail.append(5));
		}

		await().atMost(Duration.ofSeconds(20)).until(() -> first.eventIds().size() + second.eventIds().size() >= 50);

		List<String> delivered = new ArrayList<>(first.eventIds());
		delivered.addAll(second.eventIds());
		assertThat(delivered).containsExactlyInAnyOrderElementsOf(ids);
		assertThat(first.eventIds().isEmpty() || second.eventIds().isEmpty()).isTrue();
		List<String> inOrder = first.eventIds().isEmpty() ? second.eventIds() : first.eventIds();
		assertThat(inOrder).containsExactlyElementsOf(ids);
	}

	@Test
	void deliverWhenTheDeliveringReplicaDiesThenTheOtherTakesOverOnceItsLeaseExpiredAndNothingIsLeftBehind() {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		RecordingSink first = new RecordingSink();
		AuditSinks dying = replica(first);
		List<String> before = trail.append(5);
		await().atMost(Duration.ofSeconds(10)).until(() -> first.eventIds().size() == 5);
		RecordingSink second = new RecordingSink();
		AuditSinks survivor = replica(second);

		dying.halt();
		long died = System.nanoTime();
		List<String> after = trail.append(7);

		await().atMost(Duration.ofSeconds(20)).until(() -> second.eventIds().size() >= 7);
		assertThat(Duration.ofNanos(System.nanoTime() - died)).isGreaterThan(LEASE.minusMillis(500));
		Set<String> delivered = new HashSet<>(first.eventIds());
		delivered.addAll(second.eventIds());
		List<String> all = new ArrayList<>(before);
		all.addAll(after);
		assertThat(delivered).containsExactlyInAnyOrderElementsOf(all);
		assertThat(second.eventIds()).containsExactlyElementsOf(after);
		assertThat(survivor.deliveries().get(0).state().holder()).isEqualTo(SinkLease.Holder.THIS_REPLICA);
	}

	@Test
	void stopWhenAReplicaStopsThenItReleasesItsLeaseAndTheOtherTakesOverAtOnce() {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		RecordingSink first = new RecordingSink();
		AuditSinks stopping = replica(first);
		trail.append(1);
		await().atMost(Duration.ofSeconds(10)).until(() -> first.eventIds().size() == 1);
		RecordingSink second = new RecordingSink();
		replica(second);

		stopping.stop();
		long stopped = System.nanoTime();
		List<String> after = trail.append(3);

		await().atMost(Duration.ofSeconds(10)).until(() -> second.eventIds().size() == 3);
		assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(LEASE);
		assertThat(second.eventIds()).containsExactlyElementsOf(after);
	}

	private AuditSinks replica(RecordingSink sink) {
		AuditSinkDelivery delivery = TestDeliveries.delivery(this.database, "siem", sink, 4, LEASE,
				new SimpleMeterRegistry());
		AuditSinks replica = new AuditSinks(List.of(delivery), LEASE);
		replica.start();
		this.replicas.add(replica);
		return replica;
	}

}
