package com.graphpolicygateway.sandbox;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * Starts the sandbox's Graph simulator and token issuer. Refuses to start unless the
 * gateway and its management port are bound to loopback: the sandbox trusts tokens anyone
 * on the machine can mint, so it must never be reachable from elsewhere.
 */
@Configuration(proxyBeanMethods = false)
@Profile("sandbox")
class SandboxConfiguration {

	private static final Log logger = LogFactory.getLog(SandboxConfiguration.class);

	SandboxConfiguration(@Value("${server.address:}") String serverAddress,
			@Value("${management.server.address:}") String managementAddress) {
		requireLoopback("server.address", serverAddress);
		requireLoopback("management.server.address", managementAddress);
	}

	@Bean(destroyMethod = "close")
	GraphSimulator graphSimulator(@Value("${sandbox.graph-port}") int port) {
		GraphSimulator simulator = new GraphSimulator(port);
		logger.warn("SANDBOX: Graph simulator on http://127.0.0.1:" + simulator.port() + " - not for production");
		return simulator;
	}

	@Bean(destroyMethod = "close")
	TokenIssuer sandboxTokenIssuer(@Value("${sandbox.token-issuer-port}") int port,
			@Value("${sandbox.audience}") String audience) {
		TokenIssuer issuer = new TokenIssuer(port, audience);
		logger.warn("SANDBOX: token issuer on http://127.0.0.1:" + issuer.port()
				+ " - mint a caller token with: curl -s -X POST http://127.0.0.1:" + issuer.port() + "/sandbox/token");
		return issuer;
	}

	private static void requireLoopback(String key, String address) {
		boolean loopback;
		try {
			loopback = !address.isBlank() && InetAddress.getByName(address).isLoopbackAddress();
		}
		catch (UnknownHostException ex) {
			loopback = false;
		}
		if (!loopback) {
			throw new IllegalStateException("The sandbox profile only runs bound to loopback: " + key
					+ " must be 127.0.0.1 (was '" + address + "')");
		}
	}

}
