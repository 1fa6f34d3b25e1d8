package com.graphpolicygateway.system;

import java.time.Duration;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.Assert;

/**
 * Ends the serving of requests before what they feed (the audit writer) stops, so that no
 * request is answered whose audit event nobody would write. From the moment the
 * application context closes, every answer carries {@code Connection: close}, so that
 * callers stop reusing their connections; at {@link ShutdownPhases#CONNECTIONS_DRAINED},
 * after Spring Boot stopped the web server, it waits for the requests still in flight
 * (until the shutdown grace period, {@code spring.lifecycle.timeout-per-shutdown-phase},
 * has passed since the close began), closes every server connection, and waits for the
 * requests cut short by that to end, which records their audit events.
 * <p>
 * Spring Boot's graceful shutdown alone is not enough: kept-alive connections went on
 * being served for up to 0.7 s after it had logged "Graceful shutdown complete", when the
 * audit writer had stopped (Reactor Netty 1.3, 16 kept-alive callers).
 * <p>
 * Requests are counted around the whole {@link HttpHandler}, not in a web filter: the
 * answers of the exception handlers, and the audit events queued as they are committed,
 * come after the filter chain has ended.
 */
final class ServerDrain implements SmartLifecycle, ApplicationListener<ContextClosedEvent> {

	private static final Log logger = LogFactory.getLog(ServerDrain.class);

	/**
	 * How long closing the connections, and then the end of the requests that closing cut
	 * short, may take: both only wait for event loops to run what is queued on them.
	 */
	private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

	private final ApplicationContext context;

	private final Duration gracePeriod;

	private final Duration closeWait;

	private final InFlightRequests requests = new InFlightRequests();

	private final ChannelGroup connections = new DefaultChannelGroup("gateway-connections",
			GlobalEventExecutor.INSTANCE);

	private volatile boolean draining;

	/** When draining began, as {@link System#nanoTime()}; set with {@link #draining}. */
	private volatile long drainingSince;

	private volatile boolean running;

	/**
	 * @param context the context whose close begins the drain
	 * @param gracePeriod how long requests in flight get to end, from the moment the
	 * context begins to close
	 */
	ServerDrain(ApplicationContext context, Duration gracePeriod) {
		this(context, gracePeriod, CLOSE_WAIT);
	}

	/**
	 * A drain that waits {@code closeWait} for connections to close, and then for the
	 * requests that closing them cut short.
	 */
	ServerDrain(ApplicationContext context, Duration gracePeriod, Duration closeWait) {
		Assert.notNull(context, "context cannot be null");
		Assert.notNull(gracePeriod, "gracePeriod cannot be null");
		Assert.isTrue(!gracePeriod.isNegative(), "gracePeriod cannot be negative");
		Assert.notNull(closeWait, "closeWait cannot be null");
		this.context = context;
		this.gracePeriod = gracePeriod;
		this.closeWait = closeWait;
	}

	/**
	 * {@code handler}, with its requests counted and, while draining, its answers closing
	 * their connections.
	 */
	HttpHandler decorate(HttpHandler handler) {
		Assert.notNull(handler, "handler cannot be null");
		return (request, response) -> {
			InFlightRequests.Request inFlight = this.requests.started(response, connectionOf(request));
			try {
				response.beforeCommit(() -> {
					if (this.draining) {
						response.getHeaders().set(HttpHeaders.CONNECTION, "close");
					}
					return Mono.empty();
				});
				return handler.handle(request, response).doFinally((signal) -> this.requests.ended(inFlight));
			}
			catch (RuntimeException ex) {
				this.requests.ended(inFlight);
				throw ex;
			}
		};
	}

	private static @Nullable Channel connectionOf(ServerHttpRequest request) {
		Object nativeRequest;
		try {
			nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			return null; // not served by a server (a mock)
		}
		return (nativeRequest instanceof Connection connection) ? connection.channel() : null;
	}

	/** Keeps {@code connection} until it closes, so that the drain can close it. */
	void track(Channel connection) {
		this.connections.add(connection);
	}

	/** Whether answers close their connections now. */
	boolean isDraining() {
		return this.draining;
	}

	int requestsInFlight() {
		return this.requests.count();
	}

	int openConnections() {
		return this.connections.size();
	}

	/** The context is closing: from now on every answer closes its connection. */
	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		// A child context's (the management server's) close reaches its parent's
		// listeners too.
		if (event.getApplicationContext() == this.context) {
			startDraining();
		}
	}

	private synchronized void startDraining() {
		if (!this.draining) {
			this.drainingSince = System.nanoTime();
			this.draining = true;
		}
	}

	/**
	 * Serves normally again: after a stop of the context that did not close it (a paused
	 * test context, {@code ConfigurableApplicationContext#stop()}), answers keep their
	 * connections open once more.
	 */
	@Override
	public synchronized void start() {
		this.draining = false;
		this.running = true;
	}

	/**
	 * Waits for the requests in flight until the grace period ends, closes every server
	 * connection, then waits for the requests that this cut short.
	 */
	@Override
	public void stop() {
		startDraining();
		if (!this.requests.awaitNone(this.drainingSince + this.gracePeriod.toNanos())) {
			logger.warn(this.requests.count() + " requests were still in flight when the shutdown grace period ("
					+ this.gracePeriod + ", spring.lifecycle.timeout-per-shutdown-phase) ended; their connections "
					+ "are closed now, and each is audited as its caller having left (client_disconnected)");
		}
		int open = this.connections.size();
		if (!this.connections.close().awaitUninterruptibly(this.closeWait.toMillis())) {
			logger.warn("Some of the gateway's " + open + " connections did not close within " + this.closeWait);
		}
		if (!this.requests.awaitNone(System.nanoTime() + this.closeWait.toNanos())) {
			logger.error(this.requests.count() + " requests did not end within " + this.closeWait
					+ " of their connections being closed; the audit writer stops now");
		}
		logger.info("Server drained " + Duration.ofNanos(System.nanoTime() - this.drainingSince).toMillis()
				+ " ms after the shutdown began; " + open + " connections were still open and are closed");
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return ShutdownPhases.CONNECTIONS_DRAINED;
	}

}
