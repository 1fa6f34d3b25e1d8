package com.graphpolicygateway.system;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under the {@code graph-gateway} prefix: the public configuration contract of
 * the gateway, validated once at start-up and immutable afterwards.
 *
 * @param upstream where allowed calls are forwarded and how the gateway authenticates
 * there
 * @param identity which caller tokens are accepted
 * @param requiredPermission permission a caller must hold in {@code scp} (delegated) or
 * {@code roles} (application)
 * @param request limits the request guard applies before anything is forwarded
 * @param audit how the audit trail is written and kept
 * @param policy where the tenant policy comes from and how licenses are checked
 * @param rateLimit where rate-limit buckets live
 * @param publicBaseUrl where clients reach the gateway (scheme, host and port, as the
 * load balancer or ingress serves it): absolute links and the audit page's sign-in
 * redirect URI are built from it, never from a request's {@code Host} or forwarding
 * headers; http only for loopback. Without it, links are root-relative
 * @param operations the Graph operations routed, by id: the built-in ones changed or
 * switched off, and the operator's own
 */
@ConfigurationProperties("graph-gateway")
@Validated
public record GraphGatewayProperties(@Valid @DefaultValue Upstream upstream, @Valid @DefaultValue Identity identity,
		@NotBlank @DefaultValue("DeviceManagementApps.ReadWrite.All") String requiredPermission,
		@Valid @DefaultValue Request request, @Valid @DefaultValue Audit audit, @Valid @DefaultValue Policy policy,
		@Valid @DefaultValue RateLimit rateLimit, @Nullable URI publicBaseUrl,
		@Nullable Map<String, OperationDeclaration> operations) {

	public GraphGatewayProperties {
		operations = (operations != null) ? Collections.unmodifiableMap(new TreeMap<>(operations)) : Map.of();
		operations.forEach((id, operation) -> operation.validate("graph-gateway.operations." + id));
		requireHttpsUnlessLoopback("graph-gateway.public-base-url", publicBaseUrl);
		if (publicBaseUrl != null
				&& (StringUtils.hasText(publicBaseUrl.getRawPath()) && !"/".equals(publicBaseUrl.getRawPath())
						|| publicBaseUrl.getRawQuery() != null || publicBaseUrl.getRawFragment() != null
						|| publicBaseUrl.getRawUserInfo() != null)) {
			throw new IllegalArgumentException("graph-gateway.public-base-url must be scheme, host and port only "
					+ "(the gateway serves its paths at the root), but was " + publicBaseUrl);
		}
	}

	/**
	 * Where allowed calls go.
	 *
	 * @param baseUri scheme, host and port of Microsoft Graph (no path); http only for
	 * loopback
	 * @param auth how the gateway authenticates to the upstream
	 * @param connectTimeout time allowed to open a connection to the upstream
	 * @param responseTimeout time allowed for the upstream to answer
	 * @param circuitBreaker when calls stop being sent to an upstream that keeps failing
	 * @param retry the optional retry of calls Graph throttled with {@code Retry-After}
	 * @param beforeImageTimeout time allowed to read a change's before-image from Graph,
	 * for tenants whose policy sets {@code capture-before}
	 */
	public record Upstream(@NotNull @DefaultValue("https://graph.microsoft.com") URI baseUri,
			@NotNull @DefaultValue("on-behalf-of") UpstreamAuth auth,
			@NotNull @DefaultValue("5s") Duration connectTimeout,
			@NotNull @DefaultValue("30s") Duration responseTimeout, @Valid @DefaultValue CircuitBreaker circuitBreaker,
			@Valid @DefaultValue Retry retry, @NotNull @DefaultValue("2s") Duration beforeImageTimeout) {

		public Upstream {
			requireHttpsUnlessLoopback("graph-gateway.upstream.base-uri", baseUri);
			if (baseUri != null && (StringUtils.hasText(baseUri.getRawPath()) && !"/".equals(baseUri.getRawPath())
					|| baseUri.getRawQuery() != null || baseUri.getRawFragment() != null)) {
				throw new IllegalArgumentException("graph-gateway.upstream.base-uri must be scheme, host and port only "
						+ "(the gateway adds /v1.0 or /beta itself), but was " + baseUri);
			}
			requirePositive("graph-gateway.upstream.connect-timeout", connectTimeout);
			requirePositive("graph-gateway.upstream.response-timeout", responseTimeout);
			requirePositive("graph-gateway.upstream.before-image-timeout", beforeImageTimeout);
		}

	}

	/**
	 * The upstream circuit breaker: counts connection failures and timeouts (not Graph's
	 * own answers, which are relayed) and, past the threshold, answers 503 without
	 * calling Graph.
	 *
	 * @param failureRateThreshold percentage of failed calls that opens the circuit
	 * @param minimumCalls calls recorded before the rate is judged
	 * @param slidingWindow calls the failure rate is computed over
	 * @param openDuration how long the circuit stays open before trying again (half-open)
	 * @param halfOpenCalls trial calls let through while half-open
	 */
	public record CircuitBreaker(@DefaultValue("50") float failureRateThreshold, @DefaultValue("20") int minimumCalls,
			@DefaultValue("50") int slidingWindow, @NotNull @DefaultValue("30s") Duration openDuration,
			@DefaultValue("5") int halfOpenCalls) {

		public CircuitBreaker {
			if (failureRateThreshold <= 0 || failureRateThreshold > 100) {
				throw new IllegalArgumentException(
						"graph-gateway.upstream.circuit-breaker.failure-rate-threshold must be in (0, 100], but was "
								+ failureRateThreshold);
			}
			if (minimumCalls < 1 || slidingWindow < 1 || halfOpenCalls < 1) {
				throw new IllegalArgumentException("graph-gateway.upstream.circuit-breaker.minimum-calls, "
						+ ".sliding-window and .half-open-calls must be at least 1");
			}
			requirePositive("graph-gateway.upstream.circuit-breaker.open-duration", openDuration);
		}

	}

	/**
	 * The optional retry of calls Graph answers 429 or 503 with {@code Retry-After}. Off
	 * by default: Graph SDKs retry these themselves.
	 *
	 * @param enabled whether throttled calls are sent again by the gateway
	 * @param maxAttempts most attempts per call, the first included
	 * @param budget longest total time a call may spend waiting for retries
	 */
	public record Retry(@DefaultValue("false") boolean enabled, @DefaultValue("3") int maxAttempts,
			@NotNull @DefaultValue("10s") Duration budget) {

		public Retry {
			if (maxAttempts < 1 || maxAttempts > 10) {
				throw new IllegalArgumentException(
						"graph-gateway.upstream.retry.max-attempts must be between 1 and 10, but was " + maxAttempts);
			}
			requirePositive("graph-gateway.upstream.retry.budget", budget);
		}

	}

	/** How the gateway authenticates to the upstream. */
	public enum UpstreamAuth {

		/**
		 * Exchange a delegated caller's token for a Graph token (OAuth 2.0 On-Behalf-Of).
		 */
		ON_BEHALF_OF,

		/** Use the gateway's own app-only token for the caller's tenant. */
		CLIENT_CREDENTIALS,

		/**
		 * Forward the caller's token; only for upstreams that accept the gateway's
		 * audience.
		 */
		PASSTHROUGH

	}

	/**
	 * Which caller tokens are accepted.
	 *
	 * @param issuers trusted token issuers; an issuer may hold {@code {tenantid}}
	 * @param audiences accepted {@code aud} values: the gateway's own API, never Graph
	 * @param tokenUri token endpoint for On-Behalf-Of and client credentials (may hold
	 * {@code {tenantid}})
	 * @param clientId the gateway's own app registration (client id)
	 * @param clientSecret the gateway's own app registration (client secret)
	 * @param clientCertificateFile PEM certificate of the app registration, used instead
	 * of the client secret (with {@code client-key-file}) to sign client assertions
	 * @param clientKeyFile PEM (PKCS#8) RSA private key of that certificate
	 * @param clientAssertionFile file holding a token of another identity provider that
	 * the app registration trusts (a federated credential), sent as the client assertion
	 * instead of a secret or certificate and read again for each token request; Azure
	 * Workload Identity's {@code AZURE_FEDERATED_TOKEN_FILE} by default
	 * @param clockSkew tolerance applied to {@code exp} and {@code nbf}
	 * @param jwksRefreshInterval shortest time between two key fetches for one issuer
	 * when a token names an unknown {@code kid}
	 */
	public record Identity(@Nullable List<@Valid TrustedIssuer> issuers,
			@NotEmpty(message = "must name at least one accepted token audience, the gateway's own API "
					+ "(for example api://graph-policy-gateway)") @Nullable List<@NotBlank String> audiences,
			@NotBlank @DefaultValue("https://login.microsoftonline.com/{tenantid}/oauth2/v2.0/token") String tokenUri,
			@Nullable String clientId, @Nullable String clientSecret,
			java.nio.file.@Nullable Path clientCertificateFile, java.nio.file.@Nullable Path clientKeyFile,
			java.nio.file.@Nullable Path clientAssertionFile, @NotNull @DefaultValue("60s") Duration clockSkew,
			@NotNull @DefaultValue("5m") Duration jwksRefreshInterval,
			@DefaultValue("10000") int validatedTokenCacheSize) {

		/**
		 * Entra ID v2.0 tokens of any tenant, checked against Entra's common signing
		 * keys.
		 */
		public static final TrustedIssuer ENTRA_V2 = new TrustedIssuer(
				"https://login.microsoftonline.com/{tenantid}/v2.0",
				URI.create("https://login.microsoftonline.com/common/discovery/v2.0/keys"));

		public Identity {
			issuers = (issuers == null || issuers.isEmpty()) ? List.of(ENTRA_V2) : List.copyOf(issuers);
			audiences = (audiences != null) ? List.copyOf(audiences) : null;
			if (tokenUri != null) {
				requireHttpsUnlessLoopback("graph-gateway.identity.token-uri",
						URI.create(tokenUri.replace(TrustedIssuer.TENANT_PLACEHOLDER, "tenant")));
			}
			if (clockSkew != null && (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(5)) > 0)) {
				throw new IllegalArgumentException(
						"graph-gateway.identity.clock-skew must be between 0s and 5m, but was " + clockSkew);
			}
			requirePositive("graph-gateway.identity.jwks-refresh-interval", jwksRefreshInterval);
			if (validatedTokenCacheSize < 0) {
				throw new IllegalArgumentException(
						"graph-gateway.identity.validated-token-cache-size must be 0 (off) or more, but was "
								+ validatedTokenCacheSize);
			}
			if ((clientCertificateFile == null) != (clientKeyFile == null)) {
				throw new IllegalArgumentException("graph-gateway.identity.client-certificate-file and "
						+ "graph-gateway.identity.client-key-file go together: set both or neither");
			}
			List<String> credentials = new ArrayList<>();
			if (StringUtils.hasText(clientSecret)) {
				credentials.add("graph-gateway.identity.client-secret");
			}
			if (clientCertificateFile != null) {
				credentials.add("graph-gateway.identity.client-certificate-file");
			}
			if (clientAssertionFile != null) {
				credentials.add("graph-gateway.identity.client-assertion-file");
			}
			if (credentials.size() > 1) {
				throw new IllegalArgumentException("The gateway's app registration takes one credential, but "
						+ String.join(" and ", credentials) + " are set; unset all but one "
						+ "(client-assertion-file defaults to AZURE_FEDERATED_TOKEN_FILE, which Azure Workload Identity "
						+ "sets: set it empty to use another credential)");
			}
		}

		/** The accepted audiences; never empty once validation has passed. */
		public List<String> acceptedAudiences() {
			return (this.audiences != null) ? this.audiences : List.of();
		}

		@Override
		public String toString() {
			// The client secret never reaches a log through this record.
			return "Identity[issuers=" + this.issuers + ", audiences=" + this.audiences + ", tokenUri=" + this.tokenUri
					+ ", clientId=" + this.clientId + ", clientSecret="
					+ ((this.clientSecret != null) ? "******" : null) + ", clientCertificateFile="
					+ this.clientCertificateFile + ", clientAssertionFile=" + this.clientAssertionFile + "]";
		}

	}

	/**
	 * A trusted token issuer.
	 *
	 * @param issuer exact {@code iss} value, or a template holding {@code {tenantid}}
	 * that must equal the token's {@code iss} once filled with the token's own
	 * {@code tid}
	 * @param jwkSetUri where the issuer publishes its signing keys
	 */
	public record TrustedIssuer(@NotBlank String issuer, @NotNull URI jwkSetUri) {

		/** Placeholder for the token's own tenant id in an issuer template. */
		public static final String TENANT_PLACEHOLDER = "{tenantid}";

		public TrustedIssuer {
			if (issuer != null) {
				int first = issuer.indexOf(TENANT_PLACEHOLDER);
				if (first != issuer.lastIndexOf(TENANT_PLACEHOLDER)) {
					throw new IllegalArgumentException("graph-gateway.identity.issuers[].issuer may hold "
							+ TENANT_PLACEHOLDER + " at most once, but was " + issuer);
				}
				requireHttpsUnlessLoopback("graph-gateway.identity.issuers[].issuer",
						URI.create(issuer.replace(TENANT_PLACEHOLDER, "tenant")));
			}
			if (jwkSetUri != null) {
				requireHttpsUnlessLoopback("graph-gateway.identity.issuers[].jwk-set-uri", jwkSetUri);
			}
		}

		/** Whether the issuer is a template filled with each token's tenant id. */
		public boolean isTemplate() {
			return this.issuer.contains(TENANT_PLACEHOLDER);
		}

	}

	/**
	 * Limits of the request guard, and of the time a request may take to arrive.
	 *
	 * @param maxBodySize largest request body accepted, with or without Content-Length
	 * @param maxIdLength longest user id (GUID or user principal name) accepted in the
	 * path
	 * @param maxJsonDepth deepest nesting of objects and arrays accepted in the body
	 * @param headTimeout time a request's line and headers may take to arrive, from the
	 * connection's accept or, on a kept-alive connection, from the first byte of the
	 * request once the previous answer is complete; then the connection is closed (408)
	 * @param bodyTimeout time a request's body may take to arrive once its headers have;
	 * then the connection is closed
	 */
	public record Request(@NotNull @DefaultValue("1MB") DataSize maxBodySize, @DefaultValue("256") int maxIdLength,
			@DefaultValue("32") int maxJsonDepth, @NotNull @DefaultValue("10s") Duration headTimeout,
			@NotNull @DefaultValue("30s") Duration bodyTimeout) {

		public Request {
			requireBetween("graph-gateway.request.head-timeout", headTimeout, Duration.ofMillis(100),
					Duration.ofMinutes(5));
			requireBetween("graph-gateway.request.body-timeout", bodyTimeout, Duration.ofMillis(100),
					Duration.ofMinutes(10));
			if (maxBodySize != null
					&& (maxBodySize.toBytes() < 2 || maxBodySize.toBytes() > DataSize.ofMegabytes(64).toBytes())) {
				throw new IllegalArgumentException(
						"graph-gateway.request.max-body-size must be between 2B and 64MB, but was " + maxBodySize);
			}
			if (maxIdLength < 36 || maxIdLength > 1024) {
				throw new IllegalArgumentException(
						"graph-gateway.request.max-id-length must be between 36 and 1024, but was " + maxIdLength);
			}
			if (maxJsonDepth < 2 || maxJsonDepth > 1000) {
				throw new IllegalArgumentException(
						"graph-gateway.request.max-json-depth must be between 2 and 1000, but was " + maxJsonDepth);
			}
		}

	}

	/**
	 * How the audit trail is written and kept.
	 *
	 * @param failOpen forward calls even when their pending audit event cannot be
	 * committed (never the default: an unaudited change is what the gateway exists to
	 * prevent)
	 * @param queueCapacity pending events and refusals waiting for the audit writer
	 * before new calls are refused (outcomes of queued events always find room)
	 * @param batchSize most events committed in one transaction (group commit)
	 * @param writeTimeout time a pending event may take to commit before the call is
	 * refused
	 * @param redact body properties whose values are stored as {@code [redacted]}
	 * @param maxValueLength longest property value stored; longer ones are cut with a
	 * marker
	 * @param retentionDays days events are kept; 0 keeps them forever
	 * @param recoveryGrace margin, beyond the upstream response timeout and the write
	 * timeout, after which another process's pending event is taken for lost and closed
	 * as unknown
	 * @param globalAuditors object ids of users and application ids that see every
	 * tenant's events (other auditors see only their own tenant's)
	 * @param auditorPermission scope or app role that lets a caller verify the audit
	 * trail
	 * @param signing the key that authenticates every event and signs checkpoints
	 * @param sinks where the trail is streamed (SIEMs), by a name of the operator's
	 * choosing; none by default
	 */
	public record Audit(@DefaultValue("false") boolean failOpen, @DefaultValue("10000") int queueCapacity,
			@DefaultValue("500") int batchSize, @NotNull @DefaultValue("2s") Duration writeTimeout,
			@DefaultValue("passwordProfile") List<String> redact, @DefaultValue("1024") int maxValueLength,
			@DefaultValue("0") int retentionDays, @NotNull @DefaultValue("30s") Duration recoveryGrace,
			@NotBlank @DefaultValue("AuditLog.Read.All") String auditorPermission,
			@Nullable List<String> globalAuditors, @Valid @DefaultValue Signing signing,
			@Nullable Map<String, @Valid AuditSinkProperties> sinks) {

		public Audit {
			if (queueCapacity < 1 || queueCapacity > 1_000_000) {
				throw new IllegalArgumentException(
						"graph-gateway.audit.queue-capacity must be between 1 and 1000000, but was " + queueCapacity);
			}
			if (batchSize < 1 || batchSize > 10_000) {
				throw new IllegalArgumentException(
						"graph-gateway.audit.batch-size must be between 1 and 10000, but was " + batchSize);
			}
			requirePositive("graph-gateway.audit.write-timeout", writeTimeout);
			requirePositive("graph-gateway.audit.recovery-grace", recoveryGrace);
			if (maxValueLength < 16) {
				throw new IllegalArgumentException(
						"graph-gateway.audit.max-value-length must be at least 16, but was " + maxValueLength);
			}
			if (retentionDays < 0) {
				throw new IllegalArgumentException(
						"graph-gateway.audit.retention-days must be 0 (keep forever) or more, but was "
								+ retentionDays);
			}
			redact = (redact != null) ? List.copyOf(redact) : List.of();
			globalAuditors = (globalAuditors != null) ? List.copyOf(globalAuditors) : List.of();
			sinks = (sinks != null) ? Collections.unmodifiableMap(new TreeMap<>(sinks)) : Map.of();
			sinks.forEach((name, sink) -> sink.validate("graph-gateway.audit.sinks." + name));
			for (String name : sinks.keySet()) {
				if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
					throw new IllegalArgumentException("graph-gateway.audit.sinks." + name
							+ ": a sink's name must be 1 to 63 lower-case letters, digits and dashes");
				}
			}
		}

	}

	/**
	 * The audit signing key: with one, every event (pending ones included) carries a MAC
	 * under a key derived from it, and each gateway signs checkpoints of its chain with
	 * it.
	 *
	 * @param key PEM file of the private key, EC P-256 or Ed25519 (PKCS#8
	 * {@code PRIVATE KEY}, or {@code EC PRIVATE KEY}); none: the trail is only unkeyed
	 * hash chains
	 * @param createIfMissing create an EC P-256 key at {@code key} when the file does not
	 * exist (the sandbox does; a production key is mounted from a secret)
	 * @param checkpointEvents a checkpoint is signed after this many events of the chain
	 * @param checkpointInterval a checkpoint is signed at least this often while the
	 * chain grows
	 */
	public record Signing(java.nio.file.@Nullable Path key, @DefaultValue("false") boolean createIfMissing,
			@DefaultValue("1000") int checkpointEvents, @NotNull @DefaultValue("60s") Duration checkpointInterval) {

		public Signing {
			if (checkpointEvents < 1) {
				throw new IllegalArgumentException(
						"graph-gateway.audit.signing.checkpoint-events must be at least 1, but was "
								+ checkpointEvents);
			}
			requirePositive("graph-gateway.audit.signing.checkpoint-interval", checkpointInterval);
			if (createIfMissing && key == null) {
				throw new IllegalArgumentException(
						"graph-gateway.audit.signing.create-if-missing needs graph-gateway.audit.signing.key: "
								+ "the file to create");
			}
		}

	}

	/**
	 * The tenant policy.
	 *
	 * @param file the policy file (YAML), reloaded when its content changes
	 * @param reloadInterval how often the file is checked for changes
	 * @param adminPermission scope or app role that lets a caller use the what-if
	 * endpoint
	 * @param license how {@code license: auto} tenants are checked against Graph
	 * @param protectedUsers how a call's target and the {@code protected-users} entries
	 * are resolved to object ids with Graph
	 */
	public record Policy(@NotNull @DefaultValue("config/tenants.yml") java.nio.file.Path file,
			@NotNull @DefaultValue("2s") Duration reloadInterval,
			@NotBlank @DefaultValue("GraphGateway.Policy.Evaluate") String adminPermission,
			@Valid @DefaultValue License license, @Valid @DefaultValue ProtectedUsers protectedUsers) {

		public Policy {
			requirePositive("graph-gateway.policy.reload-interval", reloadInterval);
		}

	}

	/**
	 * The live Intune license check.
	 *
	 * @param positiveTtl how long a licensed answer is kept
	 * @param negativeTtl how long an unlicensed answer is kept
	 * @param lookupTimeout time allowed for one {@code subscribedSkus} lookup
	 * @param failOpen treat a tenant as licensed when its lookup fails (default: refuse,
	 * 503)
	 */
	public record License(@NotNull @DefaultValue("1h") Duration positiveTtl,
			@NotNull @DefaultValue("5m") Duration negativeTtl, @NotNull @DefaultValue("10s") Duration lookupTimeout,
			@DefaultValue("false") boolean failOpen) {

		public License {
			requirePositive("graph-gateway.policy.license.positive-ttl", positiveTtl);
			requirePositive("graph-gateway.policy.license.negative-ttl", negativeTtl);
			requirePositive("graph-gateway.policy.license.lookup-timeout", lookupTimeout);
		}

	}

	/**
	 * The resolution of protected users: a call's target and the principal names listed
	 * in {@code protected-users}, looked up with Graph ({@code GET
	 * /v1.0/users/{id}?$select=id,userPrincipalName}) and cached.
	 *
	 * @param ttl how long a found user is kept; a lookup older than this is never used
	 * @param refreshAfter age after which a user still asked for is looked up again in
	 * the background, its last answer served meanwhile
	 * @param notFoundTtl how long "no such user" is kept
	 * @param lookupTimeout time allowed for one lookup, app-only token included; then the
	 * call is refused (503) as unresolved
	 * @param cacheSize most resolutions kept (the least useful are evicted first)
	 */
	public record ProtectedUsers(@NotNull @DefaultValue("5m") Duration ttl,
			@NotNull @DefaultValue("1m") Duration refreshAfter, @NotNull @DefaultValue("30s") Duration notFoundTtl,
			@NotNull @DefaultValue("3s") Duration lookupTimeout, @DefaultValue("50000") int cacheSize) {

		public ProtectedUsers {
			requirePositive("graph-gateway.policy.protected-users.ttl", ttl);
			requirePositive("graph-gateway.policy.protected-users.refresh-after", refreshAfter);
			requirePositive("graph-gateway.policy.protected-users.not-found-ttl", notFoundTtl);
			requirePositive("graph-gateway.policy.protected-users.lookup-timeout", lookupTimeout);
			if (refreshAfter.compareTo(ttl) >= 0) {
				throw new IllegalArgumentException("graph-gateway.policy.protected-users.refresh-after (" + refreshAfter
						+ ") must be shorter than graph-gateway.policy.protected-users.ttl (" + ttl + ")");
			}
			if (cacheSize < 1) {
				throw new IllegalArgumentException(
						"graph-gateway.policy.protected-users.cache-size must be at least 1, but was " + cacheSize);
			}
		}

	}

	/**
	 * Where rate-limit buckets live (their sizes are set per tenant in the policy file).
	 *
	 * @param store {@code local} (this replica's memory) or {@code redis} (shared through
	 * {@code spring.data.redis.*})
	 * @param redisUnavailable what to do while Redis does not answer: {@code local}
	 * buckets, {@code deny} every call or {@code allow} every call
	 * @param redisTimeout time one Redis decision may take before it counts as
	 * unavailable
	 * @param redisKeyPrefix prefix of the gateway's Redis keys
	 */
	public record RateLimit(@NotNull @DefaultValue("local") Store store,
			@NotNull @DefaultValue("local") RedisUnavailable redisUnavailable,
			@NotNull @DefaultValue("250ms") Duration redisTimeout,
			@NotBlank @DefaultValue("graph-gateway:rate:") String redisKeyPrefix) {

		public RateLimit {
			requirePositive("graph-gateway.rate-limit.redis-timeout", redisTimeout);
		}

		/** Where buckets live. */
		public enum Store {

			/** This replica's memory. */
			LOCAL,

			/** Redis, shared by all replicas. */
			REDIS

		}

		/** What happens while Redis does not answer. */
		public enum RedisUnavailable {

			/** Fall back to this replica's own buckets. */
			LOCAL,

			/** Refuse every call (429). */
			DENY,

			/** Let every call through. */
			ALLOW

		}

	}

	static void requirePositive(String key, Duration duration) {
		if (duration == null || duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException(key + " must be a positive duration, but was " + duration);
		}
	}

	static void requireBetween(String key, Duration duration, Duration least, Duration most) {
		if (duration == null || duration.compareTo(least) < 0 || duration.compareTo(most) > 0) {
			throw new IllegalArgumentException(key + " must be between " + text(least) + " and " + text(most)
					+ ", but was " + ((duration != null) ? text(duration) : null));
		}
	}

	/** A duration as it would be written in the configuration. */
	private static String text(Duration duration) {
		long millis = duration.toMillis();
		if (millis != 0 && millis % 60_000 == 0) {
			return (millis / 60_000) + "m";
		}
		return (millis % 1000 == 0) ? (millis / 1000) + "s" : millis + "ms";
	}

	static void requireHttpsUnlessLoopback(String key, @Nullable URI uri) {
		if (uri == null) {
			return;
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!uri.isAbsolute() || uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
			throw new IllegalArgumentException(key + " must be an absolute http(s) URI, but was " + uri);
		}
		if (scheme.equals("http") && !isLoopback(uri.getHost())) {
			throw new IllegalArgumentException(
					key + " must use https (http is allowed only for loopback addresses), but was " + uri);
		}
	}

	private static boolean isLoopback(String host) {
		if (host.equalsIgnoreCase("localhost")) {
			return true;
		}
		String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
		if (!literal.matches("[0-9.]+|[0-9a-fA-F:]+")) {
			return false; // never resolve names at start-up to decide this
		}
		try {
			return InetAddress.getByName(literal).isLoopbackAddress();
		}
		catch (UnknownHostException ex) {
			return false;
		}
	}

}
