package com.graphpolicygateway.upstream;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link FederatedClientAssertion}: the file checked at start-up, read again
 * for each token request, and failures that name the key and file but never the content.
 */
class FederatedClientAssertionTests {

	static final URI TOKEN_ENDPOINT = URI
		.create("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token");

	@TempDir
	Path directory;

	@Test
	void parametersWhenFileHoldsATokenThenJwtBearerClientAssertion() throws IOException {
		Path file = Files.writeString(this.directory.resolve("azure-identity-token"), "eyJ.first.token\n");

		StepVerifier.create(FederatedClientAssertion.fromFile(file).parameters(TOKEN_ENDPOINT))
			.assertNext((parameters) -> assertThat(parameters)
				.containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
				.containsEntry("client_assertion", "eyJ.first.token")
				.hasSize(2))
			.verifyComplete();
	}

	@Test
	void parametersWhenFileReplacedThenTheNewToken() throws IOException {
		Path file = Files.writeString(this.directory.resolve("azure-identity-token"), "eyJ.first.token");
		FederatedClientAssertion assertion = FederatedClientAssertion.fromFile(file);

		Files.writeString(file, "eyJ.second.token");

		StepVerifier.create(assertion.parameters(TOKEN_ENDPOINT))
			.assertNext((parameters) -> assertThat(parameters).containsEntry("client_assertion", "eyJ.second.token"))
			.verifyComplete();
	}

	@Test
	void fromFileWhenMissingThenRefusedNamingKeyAndFile() {
		Path file = this.directory.resolve("missing");

		assertThatIllegalStateException().isThrownBy(() -> FederatedClientAssertion.fromFile(file))
			.withMessageContaining("graph-gateway.identity.client-assertion-file")
			.withMessageContaining("AZURE_FEDERATED_TOKEN_FILE")
			.withMessageContaining(file.toString())
			.withMessageContaining("NoSuchFileException");
	}

	@Test
	void fromFileWhenEmptyThenRefused() throws IOException {
		Path file = Files.writeString(this.directory.resolve("azure-identity-token"), " \n");

		assertThatIllegalStateException().isThrownBy(() -> FederatedClientAssertion.fromFile(file))
			.withMessageContaining("graph-gateway.identity.client-assertion-file")
			.withMessageContaining("the file is empty");
	}

	@Test
	void fromFileWhenADirectoryThenRefused() {
		assertThatIllegalStateException().isThrownBy(() -> FederatedClientAssertion.fromFile(this.directory))
			.withMessageContaining("graph-gateway.identity.client-assertion-file");
	}

	@Test
	void fromFileWhenNotTextThenRefusedWithoutTheContent() throws IOException {
		Path file = Files.write(this.directory.resolve("azure-identity-token"),
				new byte[] { 'e', 'y', 'J', (byte) 0xC3, (byte) 0xA9 });

		assertThatIllegalStateException().isThrownBy(() -> FederatedClientAssertion.fromFile(file))
			.withMessageContaining("graph-gateway.identity.client-assertion-file")
			.withMessageNotContaining("eyJ");
	}

	@Test
	void parametersWhenFileGoneThenTokenExchangeFailsNotBlamingTheCaller() throws IOException {
		Path file = Files.writeString(this.directory.resolve("azure-identity-token"), "eyJ.first.token");
		FederatedClientAssertion assertion = FederatedClientAssertion.fromFile(file);
		Files.delete(file);

		StepVerifier.create(assertion.parameters(TOKEN_ENDPOINT))
			.expectErrorSatisfies(
					(ex) -> assertThat(ex).isInstanceOfSatisfying(TokenExchangeException.class, (refusal) -> {
						assertThat(refusal.error()).isEqualTo(FederatedClientAssertion.UNREADABLE);
						assertThat(refusal.callerIsTheProblem()).isFalse();
						assertThat(refusal.description()).doesNotContain(file.toString());
					}))
			.verify();
	}

}
