package com.graphpolicygateway.policy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Ticker;

/** A cache ticker that stands still until a test moves it. */
final class TestTicker implements Ticker {

	private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

	void advance(Duration duration) {
		this.nanos.addAndGet(duration.toNanos());
	}

	@Override
	public long read() {
		return this.nanos.get();
	}

}
