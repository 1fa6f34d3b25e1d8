package com.graphpolicygateway.system;

import java.util.Properties;

import reactor.netty.ReactorNetty;

import org.springframework.util.Assert;

/**
 * How many Netty event loops serve the gateway's connections (callers' and Graph's): one
 * per core. Reactor Netty's own default is one per core but at least four, so on the one-
 * and two-core pods a gateway typically gets, more loops than cores take turns on the
 * same cores, and a call that is ready waits for its loop to be scheduled again. On two
 * cores, bench/run's bare route used 3–14 % less CPU per request with two loops than with
 * four, in three pairs of runs, and its p99 at half rate was 12.7, 13.1 and 16.0 ms
 * against 30.3, 27.3 and 16.5 ms (bench/RESULTS.md).
 * <p>
 * Reactor Netty reads the count once, from its {@link ReactorNetty#IO_WORKER_COUNT}
 * system property, when its loops are first made; a value given on the command line
 * ({@code -D}) or in {@code JAVA_TOOL_OPTIONS} is kept.
 */
public final class EventLoopThreads {

	private EventLoopThreads() {
	}

	/**
	 * Sets {@link ReactorNetty#IO_WORKER_COUNT} to {@code processors} in
	 * {@code systemProperties} unless it is set already.
	 * @return the count that will be used
	 */
	public static String defaultToOnePerCore(Properties systemProperties, int processors) {
		Assert.notNull(systemProperties, "systemProperties cannot be null");
		Assert.isTrue(processors > 0, "processors must be positive");
		String given = systemProperties.getProperty(ReactorNetty.IO_WORKER_COUNT);
		if (given != null) {
			return given;
		}
		String count = Integer.toString(processors);
		systemProperties.setProperty(ReactorNetty.IO_WORKER_COUNT, count);
		return count;
	}

}
