package com.graphpolicygateway.routing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import org.springframework.web.server.session.DefaultWebSessionManager;
import org.springframework.web.server.session.WebSessionManager;

import com.graphpolicygateway.audit.write.AuditWebFilter;
import com.graphpolicygateway.test.StubGraph;

import static org.assertj.core.api.Assertions.assertThat;
import com.graphpolicygateway.system.GatewayProfiles;

/**
 * The {@code bare} benchmark profile: the route forwards without a token, and none of the
 * features it leaves out is running.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles(GatewayProfiles.BARE)
class BareRouteProfileTests {

	private static final StubGraph graph = StubGraph.start();

	@LocalServerPort
	private int port;

	@Autowired
	private ApplicationContext context;

	private WebTestClient client;

	@DynamicPropertySource
	static void upstream(DynamicPropertyRegistry registry) {
		registry.add("graph-gateway.upstream.base-uri", graph::baseUri);
		registry.add("management.server.port", () -> "0");
	}

	@AfterAll
	static void stopGraph() {
		graph.close();
	}

	@BeforeEach
	void resetGraph() {
		graph.reset();
		this.client = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

	@Test
	void patchWithoutTokenWhenBareThenForwardedToVersionedPath() {
		patchSomeone().expectStatus().isNoContent();
		assertThat(graph.onlyRequest().uri().getPath()).isEqualTo("/v1.0/users/someone@contoso.com");
		assertThat(graph.onlyRequest().bodyText()).isEqualTo("{\"displayName\":\"x\"}");
	}

	@Test
	void patchWhenBareThenNoWebSessionOpened() {
		int before = SessionCounting.opened.get();
		patchSomeone().expectStatus().isNoContent();
		assertThat(SessionCounting.opened.get() - before).isZero();
	}

	@Test
	void contextWhenBareThenNoAuditPolicyOrDatabase() {
		assertThat(this.context.getBeanNamesForType(AuditWebFilter.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(javax.sql.DataSource.class)).isEmpty();
		assertThat(this.context.containsBean("graphRoute")).isFalse();
		assertThat(this.context.containsBean("gatewaySecurity")).isFalse();
	}

	private WebTestClient.ResponseSpec patchSomeone() {
		return this.client.patch()
			.uri("/users/someone@contoso.com")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"displayName\":\"x\"}")
			.exchange();
	}

	/** Counts the web sessions that anything in the chain asks the exchange for. */
	@TestConfiguration(proxyBeanMethods = false)
	static class SessionCounting {

		static final AtomicInteger opened = new AtomicInteger();

		@Bean(WebHttpHandlerBuilder.WEB_SESSION_MANAGER_BEAN_NAME)
		WebSessionManager webSessionManager() {
			DefaultWebSessionManager sessions = new DefaultWebSessionManager();
			return (exchange) -> Mono.defer(() -> {
				opened.incrementAndGet();
				return sessions.getSession(exchange);
			});
		}

	}

}
