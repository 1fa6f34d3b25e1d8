package com.graphpolicygateway.system;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * The order in which the gateway stops, read top to bottom: each step may only begin once
 * the one above has ended, because it would otherwise lose what the one above still
 * produces. Spring stops lifecycles from the highest phase to the lowest, one phase at a
 * time, and starts them the other way round.
 * <ol>
 * <li>{@link #WEB_SERVER_GRACEFUL_SHUTDOWN}: Spring Boot closes the listening socket and
 * waits for the requests it sees in flight.</li>
 * <li>{@link #WEB_SERVER_STOP}: Spring Boot stops the web server; the event loops go on
 * serving the connections it left open.</li>
 * <li>{@link #CONNECTIONS_DRAINED}: the gateway waits for every request still in flight
 * and closes every connection, so that nothing is served any more.</li>
 * <li>{@link #AUDIT_MAINTENANCE} and {@link #AUDIT_SINKS}, then {@link #AUDIT_WRITER}:
 * the audit trail's background work and its deliveries to SIEMs end, then its writer
 * commits what the requests queued (the sinks deliver those on the next start, from their
 * durable cursors).</li>
 * </ol>
 */
public final class ShutdownPhases {

	/** Spring Boot's graceful shutdown of the web server (when configured). */
	public static final int WEB_SERVER_GRACEFUL_SHUTDOWN = WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE;

	/** Spring Boot stops (and, going up, starts) the web server. */
	public static final int WEB_SERVER_STOP = WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE;

	/**
	 * Every request has ended and every server connection is closed: below the web
	 * server, above everything that requests feed.
	 */
	public static final int CONNECTIONS_DRAINED = SmartLifecycle.DEFAULT_PHASE - 3072;

	/**
	 * The audit writer, which must outlive every request: it stops once none can queue an
	 * event any more, and starts before the first can arrive.
	 */
	public static final int AUDIT_WRITER = SmartLifecycle.DEFAULT_PHASE - 4096;

	/** Audit maintenance: starts after, and stops before, the writer it feeds. */
	public static final int AUDIT_MAINTENANCE = AUDIT_WRITER + 1;

	/** Audit sinks: start after, and stop before, the writer whose trail they read. */
	public static final int AUDIT_SINKS = AUDIT_WRITER + 1;

	private ShutdownPhases() {
	}

}
