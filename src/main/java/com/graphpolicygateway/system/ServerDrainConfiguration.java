package com.graphpolicygateway.system;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;

/**
 * The drain that ends the serving of requests on shutdown (see {@link ServerDrain}): the
 * lifecycle, the count of requests around the server's handler, and the server
 * connections it closes.
 */
@Configuration(proxyBeanMethods = false)
class ServerDrainConfiguration {

	private static final Log logger = LogFactory.getLog(ServerDrainConfiguration.class);

	@Bean
	ServerDrain serverDrain(ApplicationContext context,
			@Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration gracePeriod,
			GraphGatewayProperties properties) {
		Duration longestCall = properties.upstream().responseTimeout().plus(properties.audit().writeTimeout());
		if (gracePeriod.compareTo(longestCall) < 0) {
			logger.warn("spring.lifecycle.timeout-per-shutdown-phase (" + gracePeriod + ") is shorter than "
					+ "graph-gateway.upstream.response-timeout plus graph-gateway.audit.write-timeout (" + longestCall
					+ "): on shutdown, a call still waiting for Graph may be cut short, its outcome audited as unknown");
		}
		return new ServerDrain(context, gracePeriod);
	}

	@Bean
	HttpHandlerDecoratorFactory drainedRequests(ServerDrain drain) {
		return drain::decorate;
	}

	@Bean
	NettyServerCustomizer drainedConnections(ServerDrain drain) {
		return (server) -> server.doOnChannelInit((observer, channel, remoteAddress) -> drain.track(channel));
	}

}
