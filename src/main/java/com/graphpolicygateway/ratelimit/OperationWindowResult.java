package com.graphpolicygateway.ratelimit;

import java.time.Duration;

/**
 * Whether one more call of an operation fits its tenant's sliding window.
 *
 * @param outcome allowed (and counted), refused because the window is full (not counted),
 * or not decided because the shared store did not answer
 * @param retryAfter when full: the time until the call that frees a slot leaves the
 * window; zero otherwise
 */
record OperationWindowResult(Outcome outcome, Duration retryAfter) {

	static final OperationWindowResult ALLOWED = new OperationWindowResult(Outcome.ALLOWED, Duration.ZERO);

	static final OperationWindowResult UNAVAILABLE = new OperationWindowResult(Outcome.UNAVAILABLE, Duration.ZERO);

	static OperationWindowResult full(Duration retryAfter) {
		return new OperationWindowResult(Outcome.FULL, retryAfter);
	}

	boolean allowed() {
		return this.outcome == Outcome.ALLOWED;
	}

	/** What became of the call. */
	enum Outcome {

		/** The window had a free slot: the call is counted in it. */
		ALLOWED,

		/** The window holds its maximum: the call is not counted. */
		FULL,

		/** The shared store did not answer and no fallback decided. */
		UNAVAILABLE

	}

}
