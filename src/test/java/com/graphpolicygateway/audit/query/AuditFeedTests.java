package com.graphpolicygateway.audit.query;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import com.graphpolicygateway.audit.event.AuditCheckpoint;
import com.graphpolicygateway.test.AuditDatabases;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AuditFeed}, on SQLite and PostgreSQL: chain heads, closed events after
 * a position in chain order (never a pending one), checkpoints after a number.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AuditDatabases.Engine.class)
class AuditFeedTests {

	private final AuditDatabases.Engine engine;

	private AuditDatabases.Database database;

	private AuditFeed feed;

	AuditFeedTests(AuditDatabases.Engine engine) {
		this.engine = engine;
	}

	@BeforeEach
	void createDatabase() {
		this.database = AuditDatabases.create(this.engine);
		this.feed = new AuditFeed(this.database.jdbc());
	}

	@AfterEach
	void dropDatabase() {
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void chainsWhenEventsAndCheckpointsThenHeadsOldestFirst() {
		TestAuditTrail first = TestAuditTrail.start(this.database);
		first.append(4);
		first.checkpoint(1, 2);
		first.checkpoint(2, 4);
		TestAuditTrail second = TestAuditTrail.start(this.database);

		List<AuditFeed.Chain> chains = this.feed.chains();

		assertThat(chains).extracting(AuditFeed.Chain::chainId)
			.containsExactlyInAnyOrder(first.chainId(), second.chainId());
		AuditFeed.Chain head = chains.stream().filter((c) -> c.chainId().equals(first.chainId())).findFirst().get();
		assertThat(head.firstSeq()).isEqualTo(1);
		assertThat(head.lastSeq()).isEqualTo(4);
		assertThat(head.lastCheckpointSeq()).isEqualTo(2);
		AuditFeed.Chain empty = chains.stream().filter((c) -> c.chainId().equals(second.chainId())).findFirst().get();
		assertThat(empty.lastSeq()).isZero();
		assertThat(empty.lastCheckpointSeq()).isZero();
	}

	@Test
	void eventsWhenAfterAPositionThenTheNextOnesInChainOrderAsTheApiShowsThem() {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		List<String> ids = trail.append(5);
		trail.pending();

		List<AuditEventView> events = this.feed.events(trail.chainId(), 1, 3);

		assertThat(events).extracting(AuditEventView::id).containsExactlyElementsOf(ids.subList(1, 4));
		assertThat(events).extracting(AuditEventView::chainSeq).containsExactly(2L, 3L, 4L);
		assertThat(events.get(0).resources().get(0).modifiedProperties().get(0).newValue())
			.isEqualTo(TestAuditTrail.AWKWARD_VALUE);
		assertThat(this.feed.events(trail.chainId(), 5, 10)).isEmpty();
		assertThat(this.feed.nextEventTime(trail.chainId(), 1)).contains(events.get(0).activityDateTime());
		assertThat(this.feed.nextEventTime(trail.chainId(), 5)).isEmpty();
	}

	@Test
	void checkpointsWhenAfterANumberThenTheNextOnesInOrder() {
		TestAuditTrail trail = TestAuditTrail.start(this.database);
		trail.append(3);
		AuditCheckpoint first = trail.checkpoint(1, 1);
		AuditCheckpoint second = trail.checkpoint(2, 3);

		assertThat(this.feed.checkpoints(trail.chainId(), 0, 10)).containsExactly(first, second);
		assertThat(this.feed.checkpoints(trail.chainId(), 1, 10)).containsExactly(second);
		assertThat(this.feed.checkpoints(trail.chainId(), 0, 1)).containsExactly(first);
	}

}
