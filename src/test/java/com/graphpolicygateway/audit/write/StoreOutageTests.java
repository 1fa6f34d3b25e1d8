package com.graphpolicygateway.audit.write;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.junit.jupiter.api.Test;

import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

class StoreOutageTests {

	final Log logger = mock(Log.class);

	@Test
	void failedWhenTheWriterRetriesWithinTheIntervalThenTheOutageIsToldOnceAndItsEndOnce() {
		StoreOutage outage = new StoreOutage(this.logger, Duration.ofMinutes(1));

		for (int i = 0; i < 500; i++) {
			outage.failed("Audit batch failed to commit: CannotCreateTransactionException");
		}
		outage.ended();

		verify(this.logger, times(1)).error(
				"Audit batch failed to commit: CannotCreateTransactionException; retrying until the database is back");
		verify(this.logger, times(1)).warn(contains("The audit database is back after 500 failed commits"));
	}

	@Test
	void failedWhenTheIntervalHasPassedThenTheOutageIsToldAgainWithItsCount() {
		StoreOutage outage = new StoreOutage(this.logger, Duration.ZERO);

		outage.failed("failed to commit");
		outage.failed("failed to commit");
		outage.failed("failed to commit");

		verify(this.logger, times(1)).error("failed to commit; retrying until the database is back");
		verify(this.logger, times(1)).error(contains("still unreachable: 2 commits failed"));
		verify(this.logger, times(1)).error(contains("still unreachable: 3 commits failed"));
	}

	@Test
	void failedWhenASecondOutageFollowsTheFirstThenItIsToldAsNew() {
		StoreOutage outage = new StoreOutage(this.logger, Duration.ofMinutes(1));
		outage.failed("first");
		outage.ended();

		outage.failed("second");

		verify(this.logger, times(1)).error("second; retrying until the database is back");
		verify(this.logger, never()).error(contains("still unreachable"));
	}

	@Test
	void endedWhenNothingFailedThenNothingIsSaid() {
		StoreOutage outage = new StoreOutage(this.logger, Duration.ofMinutes(1));

		outage.ended();

		verifyNoInteractions(this.logger);
	}

}
