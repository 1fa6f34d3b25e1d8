package com.graphpolicygateway.audit.write;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.graphpolicygateway.audit.store.JdbcAuditStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anySet;
import static org.mockito.Mockito.doAnswer;

/**
 * Holds a spied store's first write until the test releases it, so that a test can queue
 * more events behind a busy writer; later writes run at once.
 */
final class HeldFirstWrite {

	private final Duration wait;

	private final CountDownLatch started = new CountDownLatch(1);

	private final CountDownLatch released = new CountDownLatch(1);

	private HeldFirstWrite(Duration wait) {
		this.wait = wait;
	}

	/** A hold that {@link #hold} arms on a store. */
	static HeldFirstWrite within(Duration wait) {
		return new HeldFirstWrite(wait);
	}

	/** Makes the spied store's first write wait for {@link #release()}. */
	void hold(JdbcAuditStore spiedStore) {
		doAnswer((invocation) -> {
			this.started.countDown();
			assertThat(this.released.await(this.wait.toSeconds(), TimeUnit.SECONDS)).isTrue();
			return invocation.callRealMethod();
		}).doCallRealMethod().when(spiedStore).write(anyList(), anyList(), anySet());
	}

	/** Waits until the writer is inside its first (held) write. */
	void awaitStarted() {
		try {
			assertThat(this.started.await(this.wait.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Lets the first write go on; harmless when it never started. */
	void release() {
		this.released.countDown();
	}

}
