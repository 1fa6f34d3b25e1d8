package com.graphpolicygateway.ratelimit;

import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

/**
 * Sliding windows of operation calls in this process's memory: exact for one replica, per
 * replica when several run (and the fallback while Redis is unreachable). Each window is
 * the log of the calls it allowed, so that "at most {@code max} in any {@code per}" holds
 * for every window of that length, not only for fixed buckets.
 * <p>
 * Bounded, and never cleared whole: a window is dropped once its newest call has left it
 * (then it no longer limits anything), and when more windows than the bound are live the
 * least used ones are evicted one by one.
 */
final class LocalOperationWindows {

	static final int MAX_WINDOWS = 100_000;

	private final Cache<String, Window> windows;

	private final LongSupplier nanoTime;

	LocalOperationWindows(LongSupplier nanoTime) {
		this(nanoTime, MAX_WINDOWS);
	}

	LocalOperationWindows(LongSupplier nanoTime, long maxWindows) {
		this.nanoTime = nanoTime;
		this.windows = Caffeine.newBuilder()
			.maximumSize(maxWindows)
			.ticker(nanoTime::getAsLong)
			.expireAfter(new UntilTheNewestCallLeaves())
			.build();
	}

	/**
	 * Counts the call in the window of {@code key} when fewer than {@code max} calls are
	 * in its last {@code per}; a refused call is not counted.
	 */
	OperationWindowResult take(String key, int max, Duration per) {
		long perNanos = per.toNanos();
		OperationWindowResult[] result = new OperationWindowResult[1];
		this.windows.asMap().compute(key, (ignored, window) -> {
			// Read the clock under the key's lock: an earlier reading applied after a
			// later one would put the log out of order.
			long now = this.nanoTime.getAsLong();
			Window current = ((window != null) ? window : Window.EMPTY).trimmed(now, perNanos);
			if (current.calls.length < max) {
				result[0] = OperationWindowResult.ALLOWED;
				return current.with(now, perNanos);
			}
			result[0] = OperationWindowResult.full(current.untilASlotFrees(now, max, perNanos));
			return (current.calls.length > 0) ? current : null;
		});
		return result[0];
	}

	/** The number of windows held, once expired and evicted ones are gone. */
	long size() {
		this.windows.cleanUp();
		return this.windows.estimatedSize();
	}

	/**
	 * One key's window: the times (nanoseconds) of the calls it allowed, oldest first,
	 * and the length it was last used with. Never changed once made.
	 */
	private static final class Window {

		static final Window EMPTY = new Window(new long[0], 0);

		final long[] calls;

		final long perNanos;

		Window(long[] calls, long perNanos) {
			this.calls = calls;
			this.perNanos = perNanos;
		}

		/**
		 * Without the calls that left the window: those made {@code per} ago or earlier.
		 */
		Window trimmed(long now, long perNanos) {
			int first = 0;
			while (first < this.calls.length && now - this.calls[first] >= perNanos) {
				first++;
			}
			return new Window(Arrays.copyOfRange(this.calls, first, this.calls.length), perNanos);
		}

		Window with(long now, long perNanos) {
			long[] longer = Arrays.copyOf(this.calls, this.calls.length + 1);
			longer[this.calls.length] = now;
			return new Window(longer, perNanos);
		}

		/**
		 * With {@code max} or more calls in the window, a slot frees when the call
		 * {@code max} places before the newest one leaves it (the oldest, unless the
		 * limit was lowered).
		 */
		Duration untilASlotFrees(long now, int max, long perNanos) {
			if (this.calls.length == 0 || max < 1) {
				return Duration.ofNanos(perNanos);
			}
			long freeing = this.calls[this.calls.length - max];
			return Duration.ofNanos(Math.max(1, freeing + perNanos - now));
		}

		long nanosUntilEmpty(long now) {
			if (this.calls.length == 0) {
				return 0;
			}
			return Math.max(0, this.calls[this.calls.length - 1] + this.perNanos - now);
		}

	}

	/**
	 * A window is kept until its newest call leaves it, however it was last touched.
	 */
	private static final class UntilTheNewestCallLeaves implements Expiry<String, Window> {

		@Override
		public long expireAfterCreate(String key, Window window, long currentTime) {
			return window.nanosUntilEmpty(currentTime);
		}

		@Override
		public long expireAfterUpdate(String key, Window window, long currentTime, long currentDuration) {
			return window.nanosUntilEmpty(currentTime);
		}

		@Override
		public long expireAfterRead(String key, Window window, long currentTime, long currentDuration) {
			return window.nanosUntilEmpty(currentTime);
		}

	}

}
