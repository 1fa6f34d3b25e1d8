package com.graphpolicygateway.system;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.validation.Validation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.bind.handler.IgnoreTopLevelConverterNotFoundBindHandler;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.FileSystemResource;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;

import com.graphpolicygateway.GraphPolicyGatewayApplication;
import com.graphpolicygateway.system.GraphGatewayProperties.UpstreamAuth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests for {@link GraphGatewayProperties}: binding with a plain {@link Binder}, the
 * repository's {@code config/application.yml}, validation messages and start-up without
 * an audience.
 */
@ExtendWith(OutputCaptureExtension.class)
class GraphGatewayPropertiesTests {

	private static final String PREFIX = "graph-gateway";

	@Test
	void bindWhenNothingSetThenDefaults() {
		GraphGatewayProperties properties = bind(Map.of());

		assertThat(properties.upstream().baseUri()).isEqualTo(URI.create("https://graph.microsoft.com"));
		assertThat(properties.upstream().auth()).isEqualTo(UpstreamAuth.ON_BEHALF_OF);
		assertThat(properties.upstream().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(properties.upstream().responseTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(properties.requiredPermission()).isEqualTo("DeviceManagementApps.ReadWrite.All");
		assertThat(properties.identity().issuers()).containsExactly(GraphGatewayProperties.Identity.ENTRA_V2);
		assertThat(GraphGatewayProperties.Identity.ENTRA_V2.issuer())
			.isEqualTo("https://login.microsoftonline.com/{tenantid}/v2.0");
		assertThat(GraphGatewayProperties.Identity.ENTRA_V2.isTemplate()).isTrue();
		assertThat(properties.identity().audiences()).isNull();
		assertThat(properties.identity().acceptedAudiences()).isEmpty();
		assertThat(properties.identity().tokenUri())
			.isEqualTo("https://login.microsoftonline.com/{tenantid}/oauth2/v2.0/token");
		assertThat(properties.identity().clockSkew()).isEqualTo(Duration.ofSeconds(60));
		assertThat(properties.identity().jwksRefreshInterval()).isEqualTo(Duration.ofMinutes(5));
		assertThat(properties.identity().validatedTokenCacheSize()).isEqualTo(10000);
		assertThat(properties.request().maxBodySize()).isEqualTo(DataSize.ofMegabytes(1));
		assertThat(properties.request().maxIdLength()).isEqualTo(256);
		assertThat(properties.request().maxJsonDepth()).isEqualTo(32);
		assertThat(properties.request().headTimeout()).isEqualTo(Duration.ofSeconds(10));
		assertThat(properties.request().bodyTimeout()).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void bindWhenRequestTimeoutsSetThenBound() {
		GraphGatewayProperties.Request request = bind(
				Map.of("graph-gateway.request.head-timeout", "500ms", "graph-gateway.request.body-timeout", "2m"))
			.request();

		assertThat(request.headTimeout()).isEqualTo(Duration.ofMillis(500));
		assertThat(request.bodyTimeout()).isEqualTo(Duration.ofMinutes(2));
	}

	@ParameterizedTest
	@CsvSource({ "head-timeout, 0s, 100ms and 5m", "head-timeout, 99ms, 100ms and 5m", "head-timeout, 6m, 100ms and 5m",
			"body-timeout, -1s, 100ms and 10m", "body-timeout, 11m, 100ms and 10m" })
	void bindWhenRequestTimeoutOutOfRangeThenRefusedNamingKeyAndRange(String key, String value, String range) {
		assertRefused(Map.of("graph-gateway.request." + key, value),
				"graph-gateway.request." + key + " must be between " + range + ", but was " + value);
	}

	@Test
	void bindWhenEverythingSetThenBound() {
		GraphGatewayProperties properties = bind(
				Map.ofEntries(Map.entry("graph-gateway.upstream.base-uri", "http://127.0.0.1:8089"),
						Map.entry("graph-gateway.upstream.connect-timeout", "2s"),
						Map.entry("graph-gateway.upstream.response-timeout", "1m"),
						Map.entry("graph-gateway.identity.audiences[0]", "api://graph-policy-gateway"),
						Map.entry("graph-gateway.identity.audiences[1]", "8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"),
						Map.entry("graph-gateway.identity.issuers[0].issuer",
								"https://sts.contoso.example/{tenantid}/"),
						Map.entry("graph-gateway.identity.issuers[0].jwk-set-uri", "https://sts.contoso.example/keys"),
						Map.entry("graph-gateway.identity.clock-skew", "5m"),
						Map.entry("graph-gateway.required-permission", "User.ReadWrite.All"),
						Map.entry("graph-gateway.request.max-body-size", "64KB")));

		assertThat(properties.upstream().baseUri()).isEqualTo(URI.create("http://127.0.0.1:8089"));
		assertThat(properties.upstream().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
		assertThat(properties.upstream().responseTimeout()).isEqualTo(Duration.ofMinutes(1));
		assertThat(properties.identity().acceptedAudiences()).containsExactly("api://graph-policy-gateway",
				"8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
		assertThat(properties.identity().issuers()).singleElement().satisfies((issuer) -> {
			assertThat(issuer.issuer()).isEqualTo("https://sts.contoso.example/{tenantid}/");
			assertThat(issuer.jwkSetUri()).isEqualTo(URI.create("https://sts.contoso.example/keys"));
		});
		assertThat(properties.identity().clockSkew()).isEqualTo(Duration.ofMinutes(5));
		assertThat(properties.requiredPermission()).isEqualTo("User.ReadWrite.All");
		assertThat(properties.request().maxBodySize()).isEqualTo(DataSize.ofKilobytes(64));
	}

	@ParameterizedTest
	@CsvSource({ "on-behalf-of, ON_BEHALF_OF", "ON_BEHALF_OF, ON_BEHALF_OF", "onbehalfof, ON_BEHALF_OF",
			"passthrough, PASSTHROUGH", "PASSTHROUGH, PASSTHROUGH", "client-credentials, CLIENT_CREDENTIALS" })
	void bindWhenAuthInRelaxedFormThenBound(String value, UpstreamAuth expected) {
		GraphGatewayProperties properties = bind(Map.of("graph-gateway.upstream.auth", value));

		assertThat(properties.upstream().auth()).isEqualTo(expected);
	}

	@Test
	void bindWhenRepositoryConfigThenAudienceAndPassthrough() throws IOException {
		List<PropertySource<?>> sources = new YamlPropertySourceLoader().load("config/application.yml",
				new FileSystemResource("config/application.yml"));
		Binder binder = new Binder(ConfigurationPropertySources.from(sources),
				new PropertySourcesPlaceholdersResolver(sources));

		GraphGatewayProperties properties = binder.bindOrCreate(PREFIX, GraphGatewayProperties.class);

		assertThat(properties.identity().acceptedAudiences()).containsExactly("api://graph-policy-gateway");
		assertThat(properties.upstream().baseUri()).isEqualTo(URI.create("https://graph.microsoft.com"));
		assertThat(properties.upstream().auth()).isEqualTo(UpstreamAuth.PASSTHROUGH);
		assertThat(properties.identity().issuers()).containsExactly(GraphGatewayProperties.Identity.ENTRA_V2);
		assertThat(properties.upstream().responseTimeout()).isEqualTo(Duration.ofSeconds(30));
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://127.0.0.1:8089", "http://localhost:8089", "http://[::1]:8089",
			"https://graph.microsoft.com/", "https://graph.microsoft.us" })
	void bindWhenBaseUriHttpsOrLoopbackThenAccepted(String baseUri) {
		GraphGatewayProperties properties = bind(Map.of("graph-gateway.upstream.base-uri", baseUri));

		assertThat(properties.upstream().baseUri()).isEqualTo(URI.create(baseUri));
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://graph.microsoft.com", "http://10.0.0.7:8080", "http://127.0.0.1.nip.io" })
	void bindWhenBaseUriHttpToOtherHostThenRefusedNamingKey(String baseUri) {
		assertRefused(Map.of("graph-gateway.upstream.base-uri", baseUri),
				"graph-gateway.upstream.base-uri must use https");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://graph.microsoft.com/v1.0", "https://graph.microsoft.com/beta/",
			"https://graph.microsoft.com?x=1", "https://graph.microsoft.com#top" })
	void bindWhenBaseUriHasPathQueryOrFragmentThenRefusedNamingKey(String baseUri) {
		assertRefused(Map.of("graph-gateway.upstream.base-uri", baseUri),
				"graph-gateway.upstream.base-uri must be scheme, host and port only");
	}

	@Test
	void bindWhenBaseUriNotAbsoluteThenRefusedNamingKey() {
		assertRefused(Map.of("graph-gateway.upstream.base-uri", "graph.microsoft.com"),
				"graph-gateway.upstream.base-uri must be an absolute http(s) URI");
	}

	@Test
	void bindWhenNoPublicBaseUrlThenNone() {
		assertThat(bind(Map.of()).publicBaseUrl()).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://gateway.contoso.example", "https://gateway.contoso.example:8443/",
			"http://localhost:8080", "http://127.0.0.1:8080" })
	void bindWhenPublicBaseUrlHttpsOrLoopbackThenAccepted(String url) {
		assertThat(bind(Map.of("graph-gateway.public-base-url", url)).publicBaseUrl()).isEqualTo(URI.create(url));
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://gateway.contoso.example", "http://10.0.0.7:8080" })
	void bindWhenPublicBaseUrlHttpToOtherHostThenRefusedNamingKey(String url) {
		assertRefused(Map.of("graph-gateway.public-base-url", url), "graph-gateway.public-base-url must use https");
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://gateway.contoso.example/audit", "https://gateway.contoso.example?x=1",
			"https://gateway.contoso.example#top", "https://user@gateway.contoso.example" })
	void bindWhenPublicBaseUrlHasPathQueryFragmentOrUserThenRefusedNamingKey(String url) {
		assertRefused(Map.of("graph-gateway.public-base-url", url),
				"graph-gateway.public-base-url must be scheme, host and port only");
	}

	@ParameterizedTest
	@ValueSource(strings = { "gateway.contoso.example", "/audit", "ftp://gateway.contoso.example" })
	void bindWhenPublicBaseUrlNotAbsoluteHttpThenRefusedNamingKey(String url) {
		assertRefused(Map.of("graph-gateway.public-base-url", url),
				"graph-gateway.public-base-url must be an absolute http(s) URI");
	}

	@Test
	void bindWhenIssuerHoldsTenantPlaceholderTwiceThenRefusedNamingKey() {
		assertRefused(
				Map.of("graph-gateway.identity.issuers[0].issuer",
						"https://login.microsoftonline.com/{tenantid}/{tenantid}/v2.0",
						"graph-gateway.identity.issuers[0].jwk-set-uri",
						"https://login.microsoftonline.com/common/discovery/v2.0/keys"),
				"graph-gateway.identity.issuers[].issuer may hold {tenantid} at most once");
	}

	@Test
	void bindWhenIssuerHttpToOtherHostThenRefusedNamingKey() {
		assertRefused(
				Map.of("graph-gateway.identity.issuers[0].issuer", "http://sts.contoso.example/{tenantid}/",
						"graph-gateway.identity.issuers[0].jwk-set-uri", "https://sts.contoso.example/keys"),
				"graph-gateway.identity.issuers[].issuer must use https");
	}

	@Test
	void bindWhenJwkSetUriHttpToOtherHostThenRefusedNamingKey() {
		assertRefused(
				Map.of("graph-gateway.identity.issuers[0].issuer", "https://sts.contoso.example/{tenantid}/",
						"graph-gateway.identity.issuers[0].jwk-set-uri", "http://sts.contoso.example/keys"),
				"graph-gateway.identity.issuers[].jwk-set-uri must use https");
	}

	@Test
	void bindWhenTokenUriHttpToOtherHostThenRefusedNamingKey() {
		assertRefused(Map.of("graph-gateway.identity.token-uri", "http://login.contoso.example/{tenantid}/token"),
				"graph-gateway.identity.token-uri must use https");
	}

	@ParameterizedTest
	@CsvSource({ "connect-timeout, -1s", "connect-timeout, 0s", "response-timeout, -30s", "response-timeout, 0ms" })
	void bindWhenTimeoutNotPositiveThenRefusedNamingKey(String key, String value) {
		assertRefused(Map.of("graph-gateway.upstream." + key, value),
				"graph-gateway.upstream." + key + " must be a positive duration");
	}

	@ParameterizedTest
	@ValueSource(strings = { "6m", "301s", "-1s" })
	void bindWhenClockSkewOutsideZeroToFiveMinutesThenRefusedNamingKey(String clockSkew) {
		assertRefused(Map.of("graph-gateway.identity.clock-skew", clockSkew),
				"graph-gateway.identity.clock-skew must be between 0s and 5m");
	}

	@Test
	void bindWhenJwksRefreshIntervalZeroThenRefusedNamingKey() {
		assertRefused(Map.of("graph-gateway.identity.jwks-refresh-interval", "0s"),
				"graph-gateway.identity.jwks-refresh-interval must be a positive duration");
	}

	@Test
	void bindWhenValidatedTokenCacheSizeNegativeThenRefusedNamingKey() {
		assertRefused(Map.of("graph-gateway.identity.validated-token-cache-size", "-1"),
				"graph-gateway.identity.validated-token-cache-size must be 0 (off) or more");
	}

	@ParameterizedTest
	@CsvSource({ "max-body-size, 1B", "max-body-size, 65MB", "max-id-length, 35", "max-id-length, 1025",
			"max-json-depth, 1", "max-json-depth, 1001" })
	void bindWhenRequestLimitOutOfRangeThenRefusedNamingKey(String key, String value) {
		assertRefused(Map.of("graph-gateway.request." + key, value), "graph-gateway.request." + key + " must be");
	}

	@Test
	void bindWhenProtectedUsersNotSetThenShortTtlRefreshedAheadAndAShortLookupTimeout() {
		GraphGatewayProperties.ProtectedUsers protectedUsers = bind(Map.of()).policy().protectedUsers();

		assertThat(protectedUsers.ttl()).isEqualTo(Duration.ofMinutes(5));
		assertThat(protectedUsers.refreshAfter()).isEqualTo(Duration.ofMinutes(1));
		assertThat(protectedUsers.notFoundTtl()).isEqualTo(Duration.ofSeconds(30));
		assertThat(protectedUsers.lookupTimeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(protectedUsers.cacheSize()).isEqualTo(50_000);
	}

	@ParameterizedTest
	@CsvSource({ "ttl, 0s, must be a positive duration", "refresh-after, -1s, must be a positive duration",
			"not-found-ttl, 0ms, must be a positive duration", "lookup-timeout, 0s, must be a positive duration",
			"refresh-after, 5m, must be shorter than graph-gateway.policy.protected-users.ttl",
			"cache-size, 0, must be at least 1" })
	void bindWhenProtectedUsersSettingInvalidThenRefusedNamingKey(String key, String value, String message) {
		assertRefused(Map.of("graph-gateway.policy.protected-users." + key, value),
				"graph-gateway.policy.protected-users." + key);
		assertRefused(Map.of("graph-gateway.policy.protected-users." + key, value), message);
	}

	@Test
	void validateWhenNoAudienceThenErrorOnAudiencesWithExplanation() {
		assertThatExceptionOfType(BindException.class).isThrownBy(() -> bindValidated(Map.of()))
			.havingCause()
			.isInstanceOf(BindValidationException.class)
			.satisfies((ex) -> assertThat(fieldErrors((BindValidationException) ex))
				.anySatisfy((error) -> assertThat(error).contains("audiences")
					.contains("must name at least one accepted token audience")));
	}

	@Test
	void validateWhenAudienceAndPermissionSetThenValid() {
		GraphGatewayProperties properties = bindValidated(
				Map.of("graph-gateway.identity.audiences", "api://graph-policy-gateway"));

		assertThat(properties.identity().acceptedAudiences()).containsExactly("api://graph-policy-gateway");
	}

	@Test
	void validateWhenRequiredPermissionBlankThenError() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bindValidated(Map.of("graph-gateway.identity.audiences", "api://graph-policy-gateway",
					"graph-gateway.required-permission", " ")))
			.havingCause()
			.isInstanceOf(BindValidationException.class)
			.satisfies((ex) -> assertThat(fieldErrors((BindValidationException) ex))
				.anySatisfy((error) -> assertThat(error).contains("requiredPermission")));
	}

	@Test
	void toStringWhenClientSecretSetThenMasked() {
		GraphGatewayProperties properties = bind(Map.of("graph-gateway.identity.audiences", "api://gateway",
				"graph-gateway.identity.client-id", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
				"graph-gateway.identity.client-secret", "Zq8~s3cr3t.VALUE_never-logged"));

		assertThat(properties.identity().clientSecret()).isEqualTo("Zq8~s3cr3t.VALUE_never-logged");
		assertThat(properties.identity().toString()).doesNotContain("s3cr3t")
			.contains("clientSecret=******")
			.contains("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
		assertThat(properties.toString()).doesNotContain("s3cr3t");
	}

	@Test
	void toStringWhenNoClientSecretThenNull() {
		GraphGatewayProperties properties = bind(Map.of());

		assertThat(properties.identity().toString()).contains("clientSecret=null");
	}

	@Test
	void bindWhenClientAssertionFileSetThenBound() {
		GraphGatewayProperties properties = bind(Map.of("graph-gateway.identity.client-assertion-file",
				"/var/run/secrets/azure/tokens/azure-identity-token"));

		assertThat(properties.identity().clientAssertionFile())
			.isEqualTo(Path.of("/var/run/secrets/azure/tokens/azure-identity-token"));
		assertThat(properties.identity().toString())
			.contains("clientAssertionFile=/var/run/secrets/azure/tokens/azure-identity-token");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "client-secret=s3cr3t | client-assertion-file=/tokens/azure-identity-token",
					"client-certificate-file=/certs/gateway.crt | client-assertion-file=/tokens/azure-identity-token",
					"client-secret=s3cr3t | client-certificate-file=/certs/gateway.crt" })
	void bindWhenTwoCredentialsSetThenRefusedNamingBoth(String first, String second) {
		Map<String, String> properties = new LinkedHashMap<>();
		for (String setting : List.of(first, second)) {
			String[] keyAndValue = setting.split("=", 2);
			properties.put("graph-gateway.identity." + keyAndValue[0], keyAndValue[1]);
		}
		if (properties.containsKey("graph-gateway.identity.client-certificate-file")) {
			properties.put("graph-gateway.identity.client-key-file", "/certs/gateway.key");
		}

		assertThatExceptionOfType(BindException.class).isThrownBy(() -> bind(properties))
			.havingRootCause()
			.isInstanceOf(IllegalArgumentException.class)
			.withMessageContaining("takes one credential")
			.withMessageContaining("graph-gateway.identity." + first.split("=")[0])
			.withMessageContaining("graph-gateway.identity." + second.split("=")[0])
			.withMessageNotContaining("s3cr3t");
	}

	@Test
	void bindWhenAzureWorkloadIdentityVariablesSetThenClientIdAndAssertionFileFollowThem() throws IOException {
		Map<String, Object> environment = Map.of("AZURE_CLIENT_ID", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
				"AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token");

		GraphGatewayProperties.Identity identity = bindBuiltInDefaults(environment).identity();

		assertThat(identity.clientId()).isEqualTo("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
		assertThat(identity.clientAssertionFile())
			.isEqualTo(Path.of("/var/run/secrets/azure/tokens/azure-identity-token"));
	}

	@Test
	void bindWhenAzureWorkloadIdentityVariablesUnsetThenNoClientIdAndNoAssertionFile() throws IOException {
		GraphGatewayProperties.Identity identity = bindBuiltInDefaults(Map.of()).identity();

		assertThat(identity.clientId()).isNullOrEmpty();
		assertThat(identity.clientAssertionFile()).isNull();
	}

	@Test
	void bindWhenFederatedTokenFileSetButAssertionFileEmptiedThenTheSecretIsTheCredential() throws IOException {
		Map<String, Object> environment = Map.of("AZURE_FEDERATED_TOKEN_FILE",
				"/var/run/secrets/azure/tokens/azure-identity-token", "GRAPH_GATEWAY_IDENTITY_CLIENT_ASSERTION_FILE",
				"", "GRAPH_GATEWAY_IDENTITY_CLIENT_SECRET", "s3cr3t");

		GraphGatewayProperties.Identity identity = bindBuiltInDefaults(environment).identity();

		assertThat(identity.clientAssertionFile()).isNull();
		assertThat(identity.clientSecret()).isEqualTo("s3cr3t");
	}

	@Test
	void startWhenNoAudienceConfiguredThenFailsNamingAudiencesKey(@TempDir Path directory, CapturedOutput output)
			throws IOException {
		Path empty = Files.createFile(directory.resolve("application.yml"));
		SpringApplicationBuilder application = new SpringApplicationBuilder(GraphPolicyGatewayApplication.class)
			.properties("server.port=0", "management.server.port=0");

		// Command-line arguments win over ./config/application.yml, which names an
		// audience.
		assertThatException()
			.isThrownBy(() -> application.run("--spring.config.location=file:" + empty.toAbsolutePath(),
					"--graph-gateway.upstream.auth=passthrough"))
			.satisfies((ex) -> assertThat(causeMessages(ex)).contains("graph-gateway.identity.audiences"));
		assertThat(output).contains("Property: graph-gateway.identity.audiences")
			.contains("must name at least one accepted token audience");
	}

	private static GraphGatewayProperties bind(Map<String, String> properties) {
		return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate(PREFIX,
				GraphGatewayProperties.class);
	}

	/**
	 * Binds the built-in {@code application.yml} below environment variables, as the
	 * gateway starts.
	 */
	private static GraphGatewayProperties bindBuiltInDefaults(Map<String, Object> environment) throws IOException {
		List<PropertySource<?>> sources = new ArrayList<>();
		sources.add(new SystemEnvironmentPropertySource("environment", environment));
		sources.addAll(new YamlPropertySourceLoader().load("application.yml",
				new FileSystemResource("src/main/resources/application.yml")));
		return new Binder(ConfigurationPropertySources.from(sources), new PropertySourcesPlaceholdersResolver(sources))
			.bindOrCreate(PREFIX, GraphGatewayProperties.class);
	}

	private static GraphGatewayProperties bindValidated(Map<String, String> properties) {
		SpringValidatorAdapter validator = new SpringValidatorAdapter(
				Validation.buildDefaultValidatorFactory().getValidator());
		ValidationBindHandler handler = new ValidationBindHandler(new IgnoreTopLevelConverterNotFoundBindHandler(),
				validator);
		return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate(PREFIX,
				Bindable.of(GraphGatewayProperties.class), handler);
	}

	private static void assertRefused(Map<String, String> properties, String message) {
		assertThatExceptionOfType(BindException.class).isThrownBy(() -> bind(properties))
			.havingRootCause()
			.isInstanceOf(IllegalArgumentException.class)
			.withMessageContaining(message);
	}

	private static List<String> fieldErrors(BindValidationException ex) {
		return ex.getValidationErrors().getAllErrors().stream().map(Object::toString).toList();
	}

	private static String causeMessages(Throwable ex) {
		List<String> messages = new ArrayList<>();
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			messages.add(String.valueOf(cause.getMessage()));
		}
		return String.join("\n", messages);
	}

}
