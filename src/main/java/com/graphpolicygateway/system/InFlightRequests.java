package com.graphpolicygateway.system;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;

import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.Assert;

/**
 * The requests the server is handling, and a wait for the end of them: what the shutdown
 * waits for before it closes the server's connections. A request is over once its handler
 * has ended, or once its answer is committed and its connection closed: Reactor Netty
 * does not always end the handler of a request whose connection was closed after its
 * answer went out (seen for forwarded calls whose connection Spring Boot's graceful
 * shutdown closed), and such a request is served all the same. Its audit event was queued
 * as its answer was committed.
 */
final class InFlightRequests {

	/**
	 * Longest sleep between two looks at the requests: answers committed and connections
	 * closed wake no one, and a waiter that starts watching as the last request ends may
	 * miss its wake-up.
	 */
	private static final long MAX_SLEEP_MILLIS = 50;

	private final Set<Request> requests = ConcurrentHashMap.newKeySet();

	private final Object idle = new Object();

	private volatile boolean watched;

	/**
	 * A request has begun; {@code connection} is the channel it came on, null when it is
	 * not served by Netty (then it is over only when its handler ends).
	 */
	Request started(ServerHttpResponse response, @Nullable Channel connection) {
		Request request = new Request(response, connection);
		this.requests.add(request);
		return request;
	}

	/** The handler of {@code request} has ended. */
	void ended(Request request) {
		this.requests.remove(request);
		if (this.watched && this.requests.isEmpty()) {
			synchronized (this.idle) {
				this.idle.notifyAll();
			}
		}
	}

	/** How many requests are not over. */
	int count() {
		int count = 0;
		for (Request request : this.requests) {
			if (!request.answered()) {
				count++;
			}
		}
		return count;
	}

	/**
	 * Waits until every request is over, or until {@code deadline} (a
	 * {@link System#nanoTime()}) has passed; whether every one is.
	 */
	boolean awaitNone(long deadline) {
		this.watched = true;
		synchronized (this.idle) {
			while (count() > 0) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					return false;
				}
				try {
					this.idle.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), MAX_SLEEP_MILLIS)));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return count() == 0;
				}
			}
			return true;
		}
	}

	/** One request being handled. */
	static final class Request {

		private final ServerHttpResponse response;

		private final @Nullable Channel connection;

		private Request(ServerHttpResponse response, @Nullable Channel connection) {
			Assert.notNull(response, "response cannot be null");
			this.response = response;
			this.connection = connection;
		}

		/** Its answer is committed and its connection closed: nothing more is served. */
		boolean answered() {
			Channel connection = this.connection;
			return connection != null && !connection.isActive() && this.response.isCommitted();
		}

	}

}
