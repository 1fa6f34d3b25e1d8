package com.graphpolicygateway.system;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectionEventLoops}, against a real Reactor Netty server.
 */
class ConnectionEventLoopsTests {

	private final List<String> handlerThreads = new CopyOnWriteArrayList<>();

	private final List<String> resumedThreads = new CopyOnWriteArrayList<>();

	private final List<Scheduler> schedulers = new CopyOnWriteArrayList<>();

	private DisposableServer server;

	@AfterEach
	void stopServer() {
		if (this.server != null) {
			this.server.disposeNow();
		}
	}

	@Test
	void schedulerOfWhenAnotherThreadAnsweredThenGoesOnOnTheConnectionsEventLoop() {
		// Mono.delay answers on a thread of Schedulers.parallel(), as the audit writer
		// answers on its own.
		serve((exchange) -> Mono.delay(Duration.ofMillis(20)).publishOn(ConnectionEventLoops.schedulerOf(exchange)));

		get(1);

		assertThat(this.handlerThreads).hasSize(1);
		assertThat(this.resumedThreads).containsExactlyElementsOf(this.handlerThreads);
		assertThat(this.resumedThreads.get(0)).startsWith("reactor-http-");
	}

	@Test
	void schedulerOfWhenTimeoutOnItThenFiresOnTheConnectionsEventLoop() {
		serve((exchange) -> Mono.never()
			.timeout(Duration.ofMillis(20), ConnectionEventLoops.schedulerOf(exchange))
			.onErrorResume(TimeoutException.class, (ex) -> Mono.just(0L)));

		get(1);

		assertThat(this.resumedThreads).containsExactlyElementsOf(this.handlerThreads);
	}

	@Test
	void schedulerOfWhenSameConnectionTwiceThenSameScheduler() {
		serve((exchange) -> Mono.just(0L));

		get(2);

		assertThat(this.schedulers).hasSize(2);
		assertThat(this.schedulers.get(1)).isSameAs(this.schedulers.get(0));
	}

	@Test
	void schedulerOfWhenNotServedByReactorNettyThenParallel() {
		ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.patch("/users/1"));

		assertThat(ConnectionEventLoops.schedulerOf(exchange)).isSameAs(Schedulers.parallel());
	}

	private void serve(Function<ServerWebExchange, Mono<?>> answer) {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle(new ReactorHttpHandlerAdapter(WebHttpHandlerBuilder.webHandler((exchange) -> {
				this.handlerThreads.add(Thread.currentThread().getName());
				this.schedulers.add(ConnectionEventLoops.schedulerOf(exchange));
				return answer.apply(exchange)
					.doOnNext((value) -> this.resumedThreads.add(Thread.currentThread().getName()))
					.then();
			}).build()))
			.bindNow();
	}

	/** Sends the requests one after another on one kept-alive connection. */
	private void get(int requests) {
		ConnectionProvider oneConnection = ConnectionProvider.create("one-connection", 1);
		try {
			HttpClient client = HttpClient.create(oneConnection).baseUrl("http://127.0.0.1:" + this.server.port());
			List<Integer> statuses = Flux.range(0, requests)
				.concatMap((i) -> client.get()
					.uri("/")
					.responseSingle((response, body) -> body.then(Mono.just(response.status().code()))))
				.collectList()
				.block(Duration.ofSeconds(10));
			assertThat(statuses).hasSize(requests).containsOnly(200);
		}
		finally {
			oneConnection.disposeLater().block(Duration.ofSeconds(10));
		}
	}

}
