package com.graphpolicygateway.upstream;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.util.Assert;

/**
 * Proves the app registration with a token of another identity provider that the app
 * registration trusts (a federated identity credential): on AKS, the service-account
 * token that Azure Workload Identity projects into the pod. The kubelet replaces that
 * file before the token expires, so it is read again for each token request (off the
 * event loop). Its content is never logged.
 */
final class FederatedClientAssertion implements ClientAuthentication {

	/**
	 * {@link TokenExchangeException#error()} when the file cannot be read at request
	 * time.
	 */
	static final String UNREADABLE = "client_assertion_unreadable";

	private static final Log logger = LogFactory.getLog(FederatedClientAssertion.class);

	private final Path file;

	private FederatedClientAssertion(Path file) {
		this.file = file;
	}

	/**
	 * The assertion read from {@code file}; fails, naming the key, unless the file holds
	 * one now.
	 */
	static FederatedClientAssertion fromFile(Path file) {
		Assert.notNull(file, "file cannot be null");
		try {
			read(file);
		}
		catch (IOException ex) {
			throw new IllegalStateException("graph-gateway.identity.client-assertion-file (" + file
					+ "; AZURE_FEDERATED_TOKEN_FILE by default) cannot be read: " + reason(ex), ex);
		}
		return new FederatedClientAssertion(file);
	}

	@Override
	public Mono<Map<String, String>> parameters(URI tokenEndpoint) {
		return Mono
			.fromCallable(() -> Map.of("client_assertion_type", ASSERTION_TYPE, "client_assertion", read(this.file)))
			.subscribeOn(Schedulers.boundedElastic())
			.onErrorMap(IOException.class, (ex) -> {
				logger.warn("The client assertion file " + this.file + " cannot be read (" + reason(ex)
						+ "): no Graph token can be requested until it can");
				return new TokenExchangeException(UNREADABLE, "the gateway's client assertion file cannot be read",
						null);
			});
	}

	private static String read(Path file) throws IOException {
		String assertion = Files.readString(file, StandardCharsets.US_ASCII).strip();
		if (assertion.isEmpty()) {
			throw new IOException("the file is empty");
		}
		return assertion;
	}

	/** Why the file cannot be read, never with its content. */
	private static String reason(IOException ex) {
		return ex.getClass().getSimpleName() + ": " + ex.getMessage();
	}

}
