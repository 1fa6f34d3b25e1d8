package com.graphpolicygateway.system;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * Where an exchange goes on after another thread (the audit writer) has answered it: the
 * event loop of the caller's connection. The request then reaches Graph from the loop
 * that already holds its connection (an upstream connection the pool opens for it is made
 * on that loop too; a reused one may live on another), instead of waking a thread of a
 * shared pool that hands every call to a loop again (bench/run: a sixth of the gateway's
 * CPU samples ran there).
 * <p>
 * An exchange that is not served by Reactor Netty (tests with a mock server) goes on on
 * {@link Schedulers#parallel()}: in neither case on the writer's thread.
 */
public final class ConnectionEventLoops {

	private static final Map<EventExecutor, Scheduler> schedulers = new ConcurrentHashMap<>();

	private ConnectionEventLoops() {
	}

	/** The scheduler of the exchange's connection's event loop. */
	public static Scheduler schedulerOf(ServerWebExchange exchange) {
		EventLoop loop = eventLoopOf(exchange);
		if (loop == null) {
			return Schedulers.parallel();
		}
		Scheduler scheduler = schedulers.get(loop);
		if (scheduler != null) {
			return scheduler;
		}
		// Loops are few and live as long as their server. Tests start several servers:
		// drop the loops of stopped ones so that their threads are not kept reachable.
		schedulers.keySet().removeIf(EventExecutor::isShuttingDown);
		return schedulers.computeIfAbsent(loop, (key) -> Schedulers.fromExecutorService(key, "event-loop " + key));
	}

	private static @Nullable EventLoop eventLoopOf(ServerWebExchange exchange) {
		Object nativeRequest;
		try {
			nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			// Neither a server's request nor a decorator of one, or a mock without a
			// server.
			return null;
		}
		return (nativeRequest instanceof Connection connection) ? connection.channel().eventLoop() : null;
	}

}
