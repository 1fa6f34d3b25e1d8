package com.graphpolicygateway.system;

import java.util.Properties;

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
 * Reactor Netty reads the count once, from the {@value #PROPERTY} system property, when
 * its loops are first made; a value given on the command line ({@code -D}) or in
 * {@code JAVA_TOOL_OPTIONS} is kept.
 */
public final class EventLoopThreads {

	/** Reactor Netty's system property for the number of event loops. */
	public static final String PROPERTY = "reactor.netty.ioWorkerCount";

	private EventLoopThreads() {
	}

	/**
	 * Sets {@value #PROPERTY} to {@code processors} in {@code systemProperties} unless it
	 * is set already.
	 * @return the count that will be used
	 */
	public static String defaultToOnePerCore(Properties systemProperties, int processors) {
		Assert.notNull(systemProperties, "systemProperties cannot be null");
		Assert.isTrue(processors > 0, "processors must be positive");
		String given = systemProperties.getProperty(PROPERTY);
		if (given != null) {
			return given;
		}
		String count = Integer.toString(processors);
		systemProperties.setProperty(PROPERTY, count);
		return count;
	}

}
