package com.graphpolicygateway.identity;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtIssuerReactiveAuthenticationManagerResolver;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.test.TestTokens;

/**
 * Decoding and validating caller tokens as the gateway's resource server does, with the
 * issuers' keys already fetched: a pool of distinct RS256 tokens (Entra v1 and v2,
 * delegated and app-only, eight tenants, four signing keys) is authenticated through the
 * same resolver, decoders, validators and authorities converter that
 * {@code IdentityConfiguration} wires. The key set is answered in memory by the
 * {@link WebClient} the key sources fetch through, once per issuer in the setup; a fetch
 * during the measurement fails the trial.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
public class TokenValidationBenchmark {

	private static final int TOKENS = 512;

	private static final String AUDIENCE = "api://graph-policy-gateway";

	private static final String PERMISSION = "DeviceManagementApps.ReadWrite.All";

	private static final String V2_ISSUER = "https://login.microsoftonline.com/{tenantid}/v2.0";

	private static final String V1_ISSUER = "https://sts.windows.net/{tenantid}/";

	private static final String KEYS_URI = "https://login.microsoftonline.com/common/discovery/v2.0/keys";

	private final AtomicInteger keyFetches = new AtomicInteger();

	private int fetchesInSetup;

	private JwtIssuerReactiveAuthenticationManagerResolver resolver;

	private MockServerWebExchange exchange;

	private String[] tokens;

	private RSASSAVerifier[] verifiers;

	private Authentication[] authenticated;

	private int next;

	@Setup(Level.Trial)
	public void loadKeysAndMintTokens() throws Exception {
		List<RSAKey> keys = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			keys.add(new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate());
		}
		String keySet = new JWKSet(keys.stream().map(RSAKey::toPublicJWK).map(JWK.class::cast).toList()).toString();
		WebClient identityProvider = WebClient.builder().exchangeFunction((request) -> {
			this.keyFetches.incrementAndGet();
			return Mono.just(ClientResponse.create(HttpStatus.OK)
				.header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
				.body(keySet)
				.build());
		}).build();
		Map<String, String> settings = new LinkedHashMap<>();
		settings.put("graph-gateway.identity.audiences[0]", AUDIENCE);
		settings.put("graph-gateway.identity.issuers[0].issuer", V2_ISSUER);
		settings.put("graph-gateway.identity.issuers[0].jwk-set-uri", KEYS_URI);
		settings.put("graph-gateway.identity.issuers[1].issuer", V1_ISSUER);
		settings.put("graph-gateway.identity.issuers[1].jwk-set-uri", KEYS_URI);
		GraphGatewayProperties properties = new Binder(new MapConfigurationPropertySource(settings))
			.bindOrCreate("graph-gateway", GraphGatewayProperties.class);
		// As IdentityConfiguration#gatewaySecurity wires the resource server.
		TrustedIssuers issuers = new TrustedIssuers(properties.identity(), identityProvider, Clock.systemUTC(),
				CallerAuthenticationToken.converter());
		this.resolver = new JwtIssuerReactiveAuthenticationManagerResolver(issuers);
		this.exchange = MockServerWebExchange
			.from(MockServerHttpRequest.patch("/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd"));
		this.tokens = new String[TOKENS];
		this.verifiers = new RSASSAVerifier[TOKENS];
		for (int i = 0; i < TOKENS; i++) {
			RSAKey key = keys.get(i % keys.size());
			this.tokens[i] = token(i, key);
			this.verifiers[i] = new RSASSAVerifier(key.toRSAPublicKey());
		}
		this.authenticated = new Authentication[TOKENS];
		for (int i = 0; i < TOKENS; i++) {
			Authentication authenticated = authenticate(this.tokens[i]);
			if (authenticated == null || authenticated.getAuthorities()
				.stream()
				.map(GrantedAuthority::getAuthority)
				.noneMatch((authority) -> authority.endsWith(PERMISSION))) {
				throw new IllegalStateException("A pool token was not accepted: " + authenticated);
			}
			this.authenticated[i] = authenticated;
		}
		this.fetchesInSetup = this.keyFetches.get();
	}

	/**
	 * Every fourth token is app-only, every other one from the v1 issuer; eight tenants.
	 */
	private static String token(int i, RSAKey key) {
		String tenant = UUID.nameUUIDFromBytes(("tenant-" + (i % 8)).getBytes()).toString();
		boolean v1 = (i % 2) == 1;
		TestTokens.Builder token = TestTokens.builder(key)
			.issuer((v1 ? V1_ISSUER : V2_ISSUER).replace("{tenantid}", tenant))
			.tenant(tenant)
			.audience(AUDIENCE)
			.claim("oid", UUID.randomUUID().toString())
			.claim("ver", v1 ? "1.0" : "2.0");
		if (v1) {
			token.without("azp").claim("appid", "d3590ed6-52b3-4102-aeff-aad2292ab01c");
		}
		return (((i % 4) == 3) ? token.roles(PERMISSION, "User.Read.All")
				: token.scopes("User.Read " + PERMISSION + " openid profile"))
			.build();
	}

	@TearDown(Level.Trial)
	public void checkNoKeyFetch() {
		if (this.keyFetches.get() != this.fetchesInSetup) {
			throw new IllegalStateException("The keys were fetched again during the measurement");
		}
	}

	private Authentication authenticate(String token) {
		return this.resolver.resolve(this.exchange)
			.flatMap((manager) -> manager.authenticate(new BearerTokenAuthenticationToken(token)))
			.block();
	}

	/**
	 * One caller token, from bearer string to authenticated principal with authorities.
	 */
	@Benchmark
	public Authentication authenticate() {
		int i = this.next++ & (TOKENS - 1);
		return authenticate(this.tokens[i]);
	}

	/**
	 * Reference: Nimbus parsing the same token and checking its RS256 signature, nothing
	 * else.
	 */
	@Benchmark
	public boolean nimbusParseAndVerifyOnly() throws Exception {
		int i = this.next++ & (TOKENS - 1);
		return SignedJWT.parse(this.tokens[i]).verify(this.verifiers[i]);
	}

	/**
	 * Reading the caller from an authenticated token, which several filters of the route
	 * do again for each request.
	 */
	@Benchmark
	public Optional<Caller> callerOf() {
		return Caller.of(this.authenticated[this.next++ & (TOKENS - 1)]);
	}

}
