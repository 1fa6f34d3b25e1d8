package com.graphpolicygateway.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import static com.graphpolicygateway.helm.RenderedChart.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for the chart as AKS users run it: workload identity, extra volumes and
 * environment (a mounted certificate), the Ingress, the {@code helm test} pod, and the
 * network policy's egress to the stores, scoped to what the values name.
 */
class ChartOnAksTests {

	static final String CLIENT_ID = "8d9a2f61-0c55-4d6e-9e0b-1f2a3b4c5d6e";

	static final String OTHER_CLIENT_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

	@TempDir
	Path directory;

	@Test
	void lintWhenEveryAksSwitchOnThenPasses() throws IOException {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("workloadIdentity", Map.of("enabled", true, "clientId", CLIENT_ID));
		values.put("serviceAccount", Map.of("create", false, "name", "graph-gateway", "annotations", Map.of()));
		values.put("ingress", Map.of("enabled", true, "className", "nginx", "annotations", Map.of(), "host",
				"graph-gateway.contoso.example", "tls", Map.of("enabled", true, "secretName", "graph-gateway-tls")));
		values.put("publicBaseUrl", "https://graph-gateway.contoso.example");

		LintResult result = new Helm(chartWithDefaults(values)).lint().strict().call();

		assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
	}

	@Test
	void renderWhenWorkloadIdentityEnabledThenPodLabelServiceAccountAnnotationAndNoSecret() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("workloadIdentity.enabled", true)
			.with("workloadIdentity.clientId", CLIENT_ID)
			.with("serviceAccount.annotations", Map.of("team", "identity"))
			.writeTo(this.directory));

		assertThat((Map<String, Object>) at(chart.get("Deployment"), "spec.template.metadata.labels"))
			.containsEntry("azure.workload.identity/use", "true");
		assertThat((Map<String, Object>) at(chart.get("ServiceAccount"), "metadata.annotations"))
			.containsEntry("azure.workload.identity/client-id", CLIENT_ID)
			.containsEntry("team", "identity");
		assertThat(chart.env().get("GRAPH_GATEWAY_IDENTITY_CLIENT_ID")).containsEntry("value", CLIENT_ID);
		assertThat(chart.env()).doesNotContainKey("GRAPH_GATEWAY_IDENTITY_CLIENT_SECRET");
		// The label never reaches the selectors: they are immutable.
		assertThat((Map<String, Object>) at(chart.get("Deployment"), "spec.selector.matchLabels"))
			.doesNotContainKey("azure.workload.identity/use");
	}

	@Test
	void renderWhenWorkloadIdentityOffThenNoLabelAndNoAnnotation() {
		RenderedChart chart = RenderedChart.render(null);

		assertThat((Map<String, Object>) at(chart.get("Deployment"), "spec.template.metadata.labels"))
			.doesNotContainKey("azure.workload.identity/use");
		assertThat(chart.get("ServiceAccount")).extracting("metadata")
			.satisfies((metadata) -> assertThat((Map<String, Object>) metadata).doesNotContainKey("annotations"));
	}

	@Test
	void renderWhenWorkloadIdentityWithoutItsOwnClientIdThenTheIdentityClientId() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("workloadIdentity.enabled", true)
			.with("identity.clientId", CLIENT_ID)
			.writeTo(this.directory));

		assertThat((Map<String, Object>) at(chart.get("ServiceAccount"), "metadata.annotations"))
			.containsEntry("azure.workload.identity/client-id", CLIENT_ID);
		assertThat(chart.env().get("GRAPH_GATEWAY_IDENTITY_CLIENT_ID")).containsEntry("value", CLIENT_ID);
	}

	@Test
	void renderWhenWorkloadIdentityAndClientSecretThenRefused() {
		Path values = ChartValues.production()
			.with("workloadIdentity.enabled", true)
			.with("workloadIdentity.clientId", CLIENT_ID)
			.writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("takes one credential")
			.withMessageContaining("identity.clientSecret.existingSecret and workloadIdentity.enabled");
	}

	@Test
	void renderWhenWorkloadIdentityAndIdentityNameDifferentClientIdsThenRefused() {
		Path values = ChartValues.defaults()
			.with("workloadIdentity.enabled", true)
			.with("workloadIdentity.clientId", CLIENT_ID)
			.with("identity.clientId", OTHER_CLIENT_ID)
			.writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("name different app registrations");
	}

	@Test
	void renderWhenWorkloadIdentityWithoutAnyClientIdThenRefused() {
		Path values = ChartValues.defaults().with("workloadIdentity.enabled", true).writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("workloadIdentity.enabled needs the app registration's client id");
	}

	@Test
	void renderWhenCertificateMountedThroughExtraValuesThenMountedNamedAndNoSecretNeeded() {
		RenderedChart chart = RenderedChart.render(certificate(ChartValues.defaults()).writeTo(this.directory));

		assertThat((List<Map<String, Object>>) at(chart.get("Deployment"), "spec.template.spec.volumes"))
			.contains(Map.of("name", "identity-certificate", "secret",
					Map.of("secretName", "graph-gateway-certificate", "defaultMode", 288)));
		assertThat((List<Map<String, Object>>) at(chart.container(), "volumeMounts"))
			.contains(Map.of("name", "identity-certificate", "mountPath", "/app/secrets/identity", "readOnly", true));
		assertThat(chart.env().get("GRAPH_GATEWAY_IDENTITY_CLIENT_CERTIFICATE_FILE")).containsEntry("value",
				"/app/secrets/identity/tls.crt");
		assertThat(chart.env().get("GRAPH_GATEWAY_IDENTITY_CLIENT_KEY_FILE")).containsEntry("value",
				"/app/secrets/identity/tls.key");
		assertThat(chart.env()).doesNotContainKey("GRAPH_GATEWAY_IDENTITY_CLIENT_SECRET");
	}

	@Test
	void renderWhenCertificateAndClientSecretThenRefused() {
		Path values = certificate(ChartValues.production()).writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("takes one credential")
			.withMessageContaining("extraEnv GRAPH_GATEWAY_IDENTITY_CLIENT_CERTIFICATE_FILE");
	}

	@Test
	void renderWhenIngressOffThenNone() {
		assertThat(RenderedChart.render(null).find("Ingress")).isEmpty();
	}

	@Test
	void renderWhenIngressWithTlsThenTheHostServedOverTlsByTheGatewayService() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("ingress.enabled", true)
			.with("ingress.className", "webapprouting.kubernetes.azure.com")
			.with("ingress.host", "graph-gateway.contoso.example")
			.with("ingress.tls.secretName", "graph-gateway-tls")
			.with("ingress.annotations", Map.of("cert-manager.io/cluster-issuer", "letsencrypt"))
			.writeTo(this.directory));

		Map<String, Object> ingress = chart.get("Ingress");
		assertThat(ingress).containsEntry("apiVersion", "networking.k8s.io/v1");
		assertThat((Map<String, Object>) at(ingress, "metadata.annotations"))
			.containsEntry("cert-manager.io/cluster-issuer", "letsencrypt");
		assertThat(at(ingress, "spec.ingressClassName").toString()).isEqualTo("webapprouting.kubernetes.azure.com");
		assertThat((List<Map<String, Object>>) at(ingress, "spec.tls")).containsExactly(
				Map.of("hosts", List.of("graph-gateway.contoso.example"), "secretName", "graph-gateway-tls"));
		List<Map<String, Object>> rules = at(ingress, "spec.rules");
		assertThat(rules).singleElement().satisfies((rule) -> {
			assertThat(rule).containsEntry("host", "graph-gateway.contoso.example");
			assertThat((List<Map<String, Object>>) at(rule, "http.paths"))
				.containsExactly(Map.of("path", "/", "pathType", "Prefix", "backend",
						Map.of("service", Map.of("name", "graph-policy-gateway", "port", Map.of("name", "http")))));
		});
	}

	@Test
	void renderWhenIngressTlsWithoutSecretThenTheControllersDefaultCertificate() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("ingress.enabled", true)
			.with("ingress.host", "graph-gateway.contoso.example")
			.writeTo(this.directory));

		assertThat((List<Map<String, Object>>) at(chart.get("Ingress"), "spec.tls"))
			.containsExactly(Map.of("hosts", List.of("graph-gateway.contoso.example")));
	}

	@Test
	void renderWhenIngressTlsOffThenNoTlsSection() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("ingress.enabled", true)
			.with("ingress.host", "graph-gateway.contoso.example")
			.with("ingress.tls.enabled", false)
			.writeTo(this.directory));

		assertThat((Map<String, Object>) at(chart.get("Ingress"), "spec")).doesNotContainKey("tls");
	}

	@Test
	void renderWhenIngressWithoutHostThenSchemaRefuses() {
		Path values = ChartValues.defaults().with("ingress.enabled", true).writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("schema")
			.withMessageContaining("host");
	}

	@Test
	void renderWhenTestsOnThenAHelmTestPodAsksTheManagementServiceForReadiness() throws IOException {
		Path template = RenderedChart.CHART.resolve("templates/tests/health.yaml");
		assertThat(Files.readString(template)).contains("helm.sh/hook: test");

		RenderedChart chart = RenderedChart.renderWithoutHooks(this.directory, null);

		Map<String, Object> pod = chart.get("Pod", "graph-policy-gateway-test-health");
		assertThat(at(pod, "spec.restartPolicy").toString()).isEqualTo("Never");
		List<Map<String, Object>> containers = at(pod, "spec.containers");
		assertThat(containers).singleElement()
			.satisfies((container) -> assertThat((List<String>) container.get("command")).startsWith("wget")
				.endsWith("http://graph-policy-gateway-management.gateway.svc:8081/actuator/health/readiness"));
		assertThat((Map<String, Object>) at(containers.get(0), "securityContext")).containsEntry("runAsNonRoot", true)
			.containsEntry("readOnlyRootFilesystem", true);
		// Never the gateway's selector labels: its ReplicaSet would adopt the pod and its
		// Service send calls to it.
		Map<String, Object> selector = at(chart.get("Deployment"), "spec.selector.matchLabels");
		assertThat((Map<String, Object>) at(pod, "metadata.labels")).doesNotContainEntry("app.kubernetes.io/name",
				selector.get("app.kubernetes.io/name"));
		// The network policy lets this pod, by its labels, reach the management port.
		List<Map<String, Object>> ingress = at(chart.get("NetworkPolicy"), "spec.ingress");
		assertThat(ingress)
			.filteredOn((rule) -> rule.get("from") != null && rule.get("from").toString().contains("helm-test"))
			.singleElement()
			.satisfies((rule) -> {
				assertThat(rule).containsEntry("ports", List.of(Map.of("port", "management", "protocol", "TCP")));
				Map<String, Object> podSelector = at(((List<Map<String, Object>>) rule.get("from")).get(0),
						"podSelector.matchLabels");
				assertThat((Map<String, Object>) at(pod, "metadata.labels")).containsAllEntriesOf(podSelector);
			});
	}

	@Test
	void renderWhenTestsOffThenNoTestPodAndNoPolicyOpeningForIt() throws IOException {
		Path values = ChartValues.defaults().with("tests.enabled", false).writeTo(this.directory);

		RenderedChart chart = RenderedChart.renderWithoutHooks(this.directory, values);

		assertThat(chart.kinds()).doesNotContain("Pod");
		assertThat((List<Map<String, Object>>) at(chart.get("NetworkPolicy"), "spec.ingress")).hasSize(2);
	}

	@Test
	void renderWhenManagementServiceOffThenNoTestPod() throws IOException {
		Path values = ChartValues.defaults().with("managementService.enabled", false).writeTo(this.directory);

		assertThat(RenderedChart.renderWithoutHooks(this.directory, values).kinds()).doesNotContain("Pod");
	}

	@Test
	void renderWhenDatabaseIsAServiceOfTheNamespaceThenEgressToItsPodsOnly() {
		RenderedChart chart = RenderedChart.render(null);

		assertThat(storeRule(chart, 5432)).containsEntry("to", List.of(Map.of("podSelector", Map.of())));
	}

	@Test
	void renderWhenStoresAreServicesOfOtherNamespacesThenEgressToThoseNamespacesOnly() {
		RenderedChart chart = RenderedChart.render(ChartValues.production().writeTo(this.directory));

		assertThat(storeRule(chart, 5432)).containsEntry("to", List.of(namespace("data")));
		assertThat(storeRule(chart, 6379)).containsEntry("to", List.of(namespace("cache")));
	}

	@Test
	void renderWhenDatabaseUrlNamesAnAddressAndPortThenEgressToThatAddressAndPort() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("database.url", "jdbc:postgresql://10.40.0.5:6432/gateway?prepareThreshold=0")
			.writeTo(this.directory));

		assertThat(storeRule(chart, 6432)).containsEntry("to",
				List.of(Map.of("ipBlock", Map.of("cidr", "10.40.0.5/32"))));
		assertThat(egressPorts(chart)).doesNotContain(5432);
	}

	@Test
	void renderWhenDatabaseUrlNamesSeveralHostsThenEgressToEach() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("database.url", "jdbc:postgresql://10.40.0.5:5432,10.40.0.6:5432/gateway?targetServerType=primary")
			.writeTo(this.directory));

		assertThat(storeRule(chart, 5432)).containsEntry("to", List
			.of(Map.of("ipBlock", Map.of("cidr", "10.40.0.5/32")), Map.of("ipBlock", Map.of("cidr", "10.40.0.6/32"))));
	}

	@Test
	void renderWhenDatabaseOutsideTheClusterAndNothingNamedThenRefusedNamingTheValues() {
		Path values = ChartValues.defaults()
			.with("database.url", "jdbc:postgresql://audit.postgres.database.azure.com:5432/gateway?sslmode=require")
			.writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("audit.postgres.database.azure.com")
			.withMessageContaining("networkPolicy.egress.postgresql.cidrs");
	}

	@Test
	void renderWhenDatabaseOutsideTheClusterAndItsSubnetNamedThenEgressToTheSubnetOnly() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("database.url", "jdbc:postgresql://audit.postgres.database.azure.com:5432/gateway?sslmode=require")
			.with("networkPolicy.egress.postgresql.cidrs", List.of("10.50.1.0/28"))
			.writeTo(this.directory));

		assertThat(storeRule(chart, 5432)).containsEntry("to",
				List.of(Map.of("ipBlock", Map.of("cidr", "10.50.1.0/28"))));
	}

	@Test
	void renderWhenTracingEndpointIsAServiceThenSpansGoThereOnlyWithTheSamplingAsked() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("tracing.endpoint", "http://otel-collector.observability.svc:4318/v1/traces")
			.with("tracing.samplingProbability", 0.25)
			.writeTo(this.directory));

		assertThat(chart.env())
			.containsEntry("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT",
					Map.of("name", "MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT", "value",
							"http://otel-collector.observability.svc:4318/v1/traces"))
			.containsEntry("MANAGEMENT_TRACING_SAMPLING_PROBABILITY",
					Map.of("name", "MANAGEMENT_TRACING_SAMPLING_PROBABILITY", "value", "0.25"));
		assertThat(storeRule(chart, 4318)).containsEntry("to", List.of(namespace("observability")));
	}

	@Test
	void renderWhenTracingEndpointNamesNoPortThenOtlpsHttpPort() {
		RenderedChart chart = RenderedChart.render(
				ChartValues.defaults().with("tracing.endpoint", "http://10.60.0.9/v1/traces").writeTo(this.directory));

		assertThat(storeRule(chart, 4318)).containsEntry("to",
				List.of(Map.of("ipBlock", Map.of("cidr", "10.60.0.9/32"))));
	}

	@Test
	void renderWhenTracingCollectorOutsideTheClusterAndNothingNamedThenRefusedNamingTheValues() {
		Path values = ChartValues.defaults()
			.with("tracing.endpoint", "https://collector.example.com/v1/traces")
			.writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("tracing.endpoint")
			.withMessageContaining("networkPolicy.egress.tracing.cidrs");
	}

	@Test
	void renderWhenTracingOffThenNoTracingSettingAndNoCollectorEgress() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults().writeTo(this.directory));

		assertThat(chart.env()).doesNotContainKeys("MANAGEMENT_OPENTELEMETRY_TRACING_EXPORT_OTLP_ENDPOINT",
				"MANAGEMENT_TRACING_SAMPLING_PROBABILITY");
		assertThat(egressPorts(chart)).doesNotContain(4318);
	}

	@Test
	void renderWhenRedisPeersAndPortsNamedThenTheyReplaceTheDerivedOnes() {
		Map<String, Object> redisPods = Map.of("namespaceSelector",
				Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "cache")), "podSelector",
				Map.of("matchLabels", Map.of("app.kubernetes.io/name", "redis")));
		RenderedChart chart = RenderedChart.render(ChartValues.production()
			.with("networkPolicy.egress.redis.to", List.of(redisPods))
			.with("networkPolicy.egress.redis.ports", List.of(6380))
			.writeTo(this.directory));

		assertThat(storeRule(chart, 6380)).containsEntry("to", List.of(redisPods));
		assertThat(egressPorts(chart)).doesNotContain(6379);
	}

	/**
	 * A copy of the chart whose values.yaml holds {@code overrides}: lint takes no values
	 * file.
	 */
	@SuppressWarnings("unchecked")
	private Path chartWithDefaults(Map<String, Object> overrides) throws IOException {
		Path copy = Files.createTempDirectory(this.directory, "chart-");
		try (Stream<Path> files = Files.walk(RenderedChart.CHART)) {
			for (Path file : files.toList()) {
				Path target = copy.resolve(RenderedChart.CHART.relativize(file).toString());
				if (Files.isDirectory(file)) {
					Files.createDirectories(target);
				}
				else {
					Files.copy(file, target);
				}
			}
		}
		Path valuesFile = copy.resolve("values.yaml");
		Map<String, Object> values = new Yaml().load(Files.readString(valuesFile));
		values.putAll(overrides);
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		Files.writeString(valuesFile, new Yaml(options).dump(values));
		return copy;
	}

	private static ChartValues certificate(ChartValues values) {
		return values.with("identity.clientId", CLIENT_ID)
			.with("extraVolumes",
					List.of(Map.of("name", "identity-certificate", "secret",
							Map.of("secretName", "graph-gateway-certificate", "defaultMode", 288))))
			.with("extraVolumeMounts",
					List.of(Map.of("name", "identity-certificate", "mountPath", "/app/secrets/identity", "readOnly",
							true)))
			.with("extraEnv",
					List.of(Map.of("name", "GRAPH_GATEWAY_IDENTITY_CLIENT_CERTIFICATE_FILE", "value",
							"/app/secrets/identity/tls.crt"),
							Map.of("name", "GRAPH_GATEWAY_IDENTITY_CLIENT_KEY_FILE", "value",
									"/app/secrets/identity/tls.key")));
	}

	private static Map<String, Object> namespace(String name) {
		return Map.of("namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", name)));
	}

	/** The only egress rule for {@code port}. */
	private static Map<String, Object> storeRule(RenderedChart chart, int port) {
		List<Map<String, Object>> egress = at(chart.get("NetworkPolicy"), "spec.egress");
		return egress.stream()
			.filter((rule) -> List.of(Map.of("port", port, "protocol", "TCP")).equals(rule.get("ports")))
			.reduce((first, second) -> {
				throw new AssertionError("more than one egress rule for port " + port);
			})
			.orElseThrow(() -> new AssertionError("no egress rule for port " + port + " in " + egress));
	}

	private static List<Integer> egressPorts(RenderedChart chart) {
		List<Map<String, Object>> egress = at(chart.get("NetworkPolicy"), "spec.egress");
		return egress.stream()
			.flatMap((rule) -> ((List<Map<String, Object>>) rule.get("ports")).stream())
			.map((port) -> (Integer) port.get("port"))
			.toList();
	}

}
