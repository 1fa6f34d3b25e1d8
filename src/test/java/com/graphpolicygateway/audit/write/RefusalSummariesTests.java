package com.graphpolicygateway.audit.write;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.graphpolicygateway.audit.event.AuditEvent;
import com.graphpolicygateway.audit.event.TestAuditEvents;

import static org.assertj.core.api.Assertions.assertThat;

class RefusalSummariesTests {

	private final RefusalSummaries summaries = new RefusalSummaries();

	@Test
	void takeWhenRefusalsOfTwoReasonsAndTenantsThenOneSummaryEachWithCountAndTimes() {
		this.summaries.add(refusal("token_invalid", "t1", 2));
		this.summaries.add(refusal("token_invalid", "t1", 0));
		this.summaries.add(refusal("token_invalid", "t1", 5));
		this.summaries.add(refusal("rate_limited", "t1", 1));
		this.summaries.add(refusal("token_invalid", "t2", 3));

		List<AuditEvent> taken = this.summaries.take();

		assertThat(taken).hasSize(3).allSatisfy((summary) -> {
			assertThat(summary.activityResult()).isEqualTo("refused");
			assertThat(summary.decision()).isEqualTo("refuse");
			assertThat(summary.activity()).isEqualTo(AuditEvent.ACTIVITY);
			assertThat(summary.correlationId()).isNull();
			assertThat(summary.actor().type()).isEqualTo("Unknown");
		});
		AuditEvent invalid = taken.stream()
			.filter((s) -> s.reason().equals("token_invalid") && "t1".equals(s.tenantId()))
			.findFirst()
			.orElseThrow();
		assertThat(invalid.summary())
			.isEqualTo(new AuditEvent.Summary(3, TestAuditEvents.ARRIVED, TestAuditEvents.ARRIVED.plusSeconds(5)));
		assertThat(invalid.activityDateTime()).isEqualTo(TestAuditEvents.ARRIVED);
		assertThat(this.summaries.isEmpty()).isTrue();
		assertThat(this.summaries.take()).isEmpty();
	}

	@Test
	void takeWhileRefusalsAreAddedThenEachIsInExactlyOneSummary() throws Exception {
		ExecutorService loops = Executors.newFixedThreadPool(4);
		for (int i = 0; i < 4; i++) {
			loops.submit(() -> {
				for (int j = 0; j < 25_000; j++) {
					this.summaries.add(refusal("audit_unavailable", "t", j % 7));
				}
			});
		}
		List<AuditEvent> taken = new ArrayList<>();
		loops.shutdown();
		while (!loops.awaitTermination(1, TimeUnit.MILLISECONDS)) {
			taken.addAll(this.summaries.take());
		}
		taken.addAll(this.summaries.take());

		assertThat(taken.stream().mapToLong((summary) -> summary.summary().count()).sum()).isEqualTo(100_000);
	}

	private static AuditEvent refusal(String reason, String tenant, int second) {
		return TestAuditEvents.pending()
			.tenantId(tenant)
			.arrived(TestAuditEvents.ARRIVED.plusSeconds(second))
			.build()
			.completed("refused", "refuse", reason, null, null, 1L);
	}

}
