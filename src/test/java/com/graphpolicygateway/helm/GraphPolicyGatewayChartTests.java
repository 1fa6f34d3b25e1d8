package com.graphpolicygateway.helm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import static com.graphpolicygateway.helm.RenderedChart.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for the Helm chart {@code helm/graph-policy-gateway}: lint, the objects an
 * install creates, how the pod is locked down and probed, and how secrets are referenced.
 */
class GraphPolicyGatewayChartTests {

	@TempDir
	Path directory;

	@Test
	void lintWhenStrictThenPasses() {
		LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();

		assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
	}

	@Test
	void renderWhenDefaultValuesThenEveryObjectOfAnInstall() {
		RenderedChart chart = RenderedChart.render(null);

		assertThat(chart.kinds()).containsExactlyInAnyOrder("ServiceAccount", "ConfigMap", "Service", "Service",
				"Deployment", "PodDisruptionBudget", "NetworkPolicy");
		Map<String, Object> deployment = chart.get("Deployment");
		assertThat(at(deployment, "metadata.name").toString()).isEqualTo("graph-policy-gateway");
		assertThat((Integer) at(deployment, "spec.replicas")).isEqualTo(2);
		assertThat((Map<String, Object>) at(deployment, "spec.strategy")).containsEntry("type", "RollingUpdate")
			.containsEntry("rollingUpdate", Map.of("maxUnavailable", 0, "maxSurge", 1));
		assertThat((Integer) at(deployment, "spec.template.spec.terminationGracePeriodSeconds")).isEqualTo(60);
		assertThat((List<String>) at(chart.container(), "lifecycle.preStop.exec.command")).containsExactly("sleep",
				"10");
		assertThat((Map<String, Object>) at(chart.get("PodDisruptionBudget"), "spec")).containsEntry("minAvailable", 1);
	}

	@Test
	void renderWhenDefaultValuesThenLogLinesAreJson() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults().writeTo(this.directory));

		assertThat(chart.env().get("LOGGING_STRUCTURED_FORMAT_CONSOLE")).containsEntry("value", "ecs");
	}

	@Test
	void renderWhenLogFormatTextThenLogLinesArePlain() {
		RenderedChart chart = RenderedChart
			.render(ChartValues.defaults().with("logFormat", "text").writeTo(this.directory));

		assertThat(chart.env().get("LOGGING_STRUCTURED_FORMAT_CONSOLE")).containsEntry("value", "");
	}

	@Test
	void renderWhenDefaultValuesThenPodIsLockedDown() {
		RenderedChart chart = RenderedChart.render(null);

		Map<String, Object> pod = at(chart.get("Deployment"), "spec.template.spec");
		assertThat((Map<String, Object>) at(pod, "securityContext")).containsEntry("runAsNonRoot", true)
			.containsEntry("runAsUser", 10001)
			.containsEntry("seccompProfile", Map.of("type", "RuntimeDefault"));
		assertThat((Map<String, Object>) at(chart.container(), "securityContext")).containsEntry("runAsNonRoot", true)
			.containsEntry("runAsUser", 10001)
			.containsEntry("readOnlyRootFilesystem", true)
			.containsEntry("allowPrivilegeEscalation", false)
			.containsEntry("capabilities", Map.of("drop", List.of("ALL")))
			.containsEntry("seccompProfile", Map.of("type", "RuntimeDefault"));
		assertThat((Boolean) at(pod, "automountServiceAccountToken")).isFalse();
		assertThat((Boolean) at(chart.get("ServiceAccount"), "automountServiceAccountToken")).isFalse();
		assertThat(at(pod, "serviceAccountName").toString()).isEqualTo("graph-policy-gateway");
	}

	@Test
	void renderWhenDefaultValuesThenProbesAskTheManagementPort() {
		Map<String, Object> container = RenderedChart.render(null).container();

		assertThat((Map<String, Object>) at(container, "livenessProbe.httpGet"))
			.isEqualTo(Map.of("path", "/actuator/health/liveness", "port", 8081));
		assertThat((Map<String, Object>) at(container, "readinessProbe.httpGet"))
			.isEqualTo(Map.of("path", "/actuator/health/readiness", "port", 8081));
		assertThat((Map<String, Object>) at(container, "startupProbe.httpGet"))
			.isEqualTo(Map.of("path", "/actuator/health/liveness", "port", 8081));
		assertThat((List<Map<String, Object>>) at(container, "ports")).containsExactly(
				Map.of("name", "http", "containerPort", 8080, "protocol", "TCP"),
				Map.of("name", "management", "containerPort", 8081, "protocol", "TCP"));
	}

	@Test
	void renderWhenDefaultValuesThenConfigIsADirectoryAndScratchSpaceIsWritable() {
		RenderedChart chart = RenderedChart.render(null);

		// subPath mounts never see ConfigMap updates: the policy reload needs the
		// directory.
		assertThat((List<Map<String, Object>>) at(chart.container(), "volumeMounts")).containsExactlyInAnyOrder(
				Map.of("name", "config", "mountPath", "/app/config", "readOnly", true),
				Map.of("name", "tmp", "mountPath", "/tmp"), Map.of("name", "data", "mountPath", "/app/data"),
				Map.of("name", "audit-signing", "mountPath", "/app/secrets/audit-signing", "readOnly", true));
		List<Map<String, Object>> volumes = at(chart.get("Deployment"), "spec.template.spec.volumes");
		assertThat(volumes).extracting((volume) -> volume.get("name"))
			.containsExactly("config", "tmp", "data", "audit-signing");
		assertThat(at(volumes.get(0), "configMap.name").toString()).isEqualTo("graph-policy-gateway");
		assertThat(volumes.get(1)).containsKey("emptyDir");
		assertThat(volumes.get(2)).containsKey("emptyDir");
	}

	@Test
	void renderWhenDefaultValuesThenPostgresqlHoldsTheAuditTrail() {
		Map<String, Map<String, Object>> env = RenderedChart.render(null).env();

		assertThat(env.get("SPRING_DATASOURCE_URL")).containsEntry("value",
				"jdbc:postgresql://postgresql:5432/gateway?prepareThreshold=0");
		assertThat(env.get("SPRING_DATASOURCE_USERNAME")).containsEntry("value", "gateway");
		assertThat(env.get("GRAPH_GATEWAY_UPSTREAM_AUTH")).containsEntry("value", "on-behalf-of");
		assertThat(env).doesNotContainKeys("SPRING_DATASOURCE_PASSWORD", "GRAPH_GATEWAY_IDENTITY_CLIENT_SECRET",
				"SPRING_DATA_REDIS_HOST");
	}

	@Test
	void renderWhenEmbeddedStoreThenNoDatasourceAndNoDatabaseEgress() {
		RenderedChart chart = RenderedChart.render(
				ChartValues.defaults().with("database.embedded", true).with("replicaCount", 1).writeTo(this.directory));

		assertThat(chart.env()).doesNotContainKeys("SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME");
		assertThat(egressPorts(chart)).doesNotContain(5432);
	}

	@Test
	void renderWhenEmbeddedH2AskedForThenRefusedNamingWhatToUseInstead() {
		Path values = ChartValues.defaults()
			.with("database.embeddedH2", true)
			.with("replicaCount", 1)
			.writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining(
					"database.embeddedH2 asks for the embedded H2 audit store, which the gateway no " + "longer has")
			.withMessageContaining("database.embedded=true")
			.withMessageContaining("PostgreSQL");
	}

	@Test
	void renderWhenEmbeddedH2OffThenPostgresqlHoldsTheAuditTrail() {
		RenderedChart chart = RenderedChart
			.render(ChartValues.defaults().with("database.embeddedH2", false).writeTo(this.directory));

		assertThat(chart.env().get("SPRING_DATASOURCE_URL")).containsEntry("value",
				"jdbc:postgresql://postgresql:5432/gateway?prepareThreshold=0");
	}

	@Test
	void renderWhenDefaultValuesThenASigningKeyGeneratedAtInstallIsMounted() throws IOException {
		RenderedChart chart = RenderedChart.render(null);

		// A pre-install hook: created at install only, so that upgrades never make a new
		// key and uninstall keeps it. helm-java's template leaves hooks out; rendered
		// again without its hook annotations, it shows its content.
		Path template = RenderedChart.CHART.resolve("templates/audit-signing-secret.yaml");
		assertThat(Files.readString(template)).contains("helm.sh/hook: pre-install");
		Map<String, Object> secret = RenderedChart.renderWithoutHooks(this.directory, null)
			.get("Secret", "graph-policy-gateway-audit-signing");
		String pem = new String(
				Base64.getDecoder().decode((String) ((Map<String, Object>) at(secret, "data")).get("signing-key.pem")),
				StandardCharsets.US_ASCII);
		assertThat(pem).startsWith("-----BEGIN EC PRIVATE KEY-----");
		assertThat(chart.env().get("GRAPH_GATEWAY_AUDIT_SIGNING_KEY")).containsEntry("value",
				"/app/secrets/audit-signing/signing-key.pem");
		assertThat(volume(chart, "audit-signing")).containsEntry("secret",
				Map.of("secretName", "graph-policy-gateway-audit-signing", "defaultMode", 0440));
		assertThat((List<Map<String, Object>>) at(chart.container(), "volumeMounts"))
			.contains(Map.of("name", "audit-signing", "mountPath", "/app/secrets/audit-signing", "readOnly", true));
	}

	@Test
	void renderWhenSigningKeySecretNamedThenNoneIsGenerated() throws IOException {
		Path values = ChartValues.production().writeTo(this.directory);

		assertThat(RenderedChart.renderWithoutHooks(this.directory, values).kinds()).doesNotContain("Secret");
	}

	@Test
	void renderWhenSigningKeySecretNamedThenItIsMountedAndNoneGenerated() {
		RenderedChart chart = RenderedChart.render(ChartValues.production().writeTo(this.directory));

		assertThat(chart.kinds()).doesNotContain("Secret");
		assertThat(volume(chart, "audit-signing")).containsEntry("secret",
				Map.of("secretName", ChartValues.AUDIT_SIGNING_SECRET, "defaultMode", 0440));
		assertThat(chart.env()).containsKey("GRAPH_GATEWAY_AUDIT_SIGNING_KEY");
	}

	@Test
	void renderWhenSigningKeyNeitherNamedNorGeneratedThenTheTrailIsUnkeyed() {
		RenderedChart chart = RenderedChart
			.render(ChartValues.defaults().with("auditSigning.generate", false).writeTo(this.directory));

		assertThat(chart.kinds()).doesNotContain("Secret");
		assertThat(chart.env()).doesNotContainKey("GRAPH_GATEWAY_AUDIT_SIGNING_KEY");
		assertThat((List<Map<String, Object>>) at(chart.get("Deployment"), "spec.template.spec.volumes"))
			.noneMatch((volume) -> "audit-signing".equals(volume.get("name")));
	}

	@Test
	void renderWhenDefaultValuesThenNoSecretValueAnywhere() {
		assertNoSecretValue(RenderedChart.render(null));
	}

	@Test
	void renderWhenProductionValuesThenSecretsAreReferencedNeverCopied() {
		RenderedChart chart = RenderedChart.render(ChartValues.production().writeTo(this.directory));

		Map<String, Map<String, Object>> env = chart.env();
		assertThat(env.get("SPRING_DATASOURCE_PASSWORD"))
			.isEqualTo(secretEnv("SPRING_DATASOURCE_PASSWORD", ChartValues.DATABASE_SECRET, "password"));
		assertThat(env.get("GRAPH_GATEWAY_IDENTITY_CLIENT_SECRET"))
			.isEqualTo(secretEnv("GRAPH_GATEWAY_IDENTITY_CLIENT_SECRET", ChartValues.IDENTITY_SECRET, "client-secret"));
		assertThat(env.get("SPRING_DATA_REDIS_PASSWORD"))
			.isEqualTo(secretEnv("SPRING_DATA_REDIS_PASSWORD", ChartValues.REDIS_SECRET, "redis-password"));
		assertThat(env.get("GRAPH_GATEWAY_IDENTITY_CLIENT_ID")).containsEntry("value",
				"8d9a2f61-0c55-4d6e-9e0b-1f2a3b4c5d6e");
		assertNoSecretValue(chart);
	}

	@Test
	void renderWhenProductionValuesThenAutoscalerAndServiceMonitor() {
		RenderedChart chart = RenderedChart.render(ChartValues.production().writeTo(this.directory));

		Map<String, Object> autoscaler = chart.get("HorizontalPodAutoscaler");
		assertThat(autoscaler).containsEntry("apiVersion", "autoscaling/v2");
		assertThat((Map<String, Object>) at(autoscaler, "spec.scaleTargetRef")).containsEntry("kind", "Deployment")
			.containsEntry("name", "graph-policy-gateway");
		// The autoscaler owns the replica count; the Deployment must not fight it.
		assertThat((Map<String, Object>) at(chart.get("Deployment"), "spec")).doesNotContainKey("replicas");
		Map<String, Object> monitor = chart.get("ServiceMonitor");
		assertThat(monitor).containsEntry("apiVersion", "monitoring.coreos.com/v1");
		assertThat((Map<String, Object>) at(monitor, "metadata.labels")).containsEntry("release",
				"kube-prometheus-stack");
		assertThat((List<Map<String, Object>>) at(monitor, "spec.endpoints")).singleElement()
			.satisfies((endpoint) -> assertThat(endpoint).containsEntry("port", "management")
				.containsEntry("path", "/actuator/prometheus"));
		Map<String, Object> management = chart.get("Service", "graph-policy-gateway-management");
		assertThat((Map<String, Object>) at(management, "metadata.labels"))
			.containsAllEntriesOf(at(monitor, "spec.selector.matchLabels"));
	}

	@Test
	void renderWhenReplicasSetWithoutAutoscalingThenDeploymentHasThem() {
		RenderedChart chart = RenderedChart
			.render(ChartValues.production().with("autoscaling.enabled", false).writeTo(this.directory));

		assertThat((Integer) at(chart.get("Deployment"), "spec.replicas")).isEqualTo(3);
		assertThat(chart.find("HorizontalPodAutoscaler")).isEmpty();
	}

	@Test
	void renderWhenRedisStoreThenRedisEnvAndEgress() {
		RenderedChart chart = RenderedChart.render(ChartValues.production().writeTo(this.directory));

		Map<String, Map<String, Object>> env = chart.env();
		assertThat(env.get("GRAPH_GATEWAY_RATE_LIMIT_STORE")).containsEntry("value", "redis");
		assertThat(env.get("SPRING_DATA_REDIS_HOST")).containsEntry("value", ChartValues.REDIS_HOST);
		assertThat(env.get("SPRING_DATA_REDIS_PORT")).containsEntry("value", "6379");
		assertThat(egressPorts(chart)).contains(6379);
	}

	@Test
	void renderWhenDefaultValuesThenServicesSeparateGatewayAndManagement() {
		RenderedChart chart = RenderedChart.render(null);

		assertThat((List<Map<String, Object>>) at(chart.get("Service", "graph-policy-gateway"), "spec.ports"))
			.containsExactly(Map.of("name", "http", "port", 8080, "targetPort", "http", "protocol", "TCP"));
		assertThat(
				(List<Map<String, Object>>) at(chart.get("Service", "graph-policy-gateway-management"), "spec.ports"))
			.containsExactly(Map.of("name", "management", "port", 8081, "targetPort", "management", "protocol", "TCP"));
	}

	@Test
	void renderWhenDefaultValuesThenNetworkPolicyOpensOnlyWhatTheGatewayNeeds() {
		RenderedChart chart = RenderedChart.render(null);

		Map<String, Object> policy = chart.get("NetworkPolicy");
		assertThat((List<String>) at(policy, "spec.policyTypes")).containsExactly("Ingress", "Egress");
		List<Map<String, Object>> ingress = at(policy, "spec.ingress");
		assertThat(ingress).hasSize(3);
		assertThat(ingress.get(0)).doesNotContainKey("from")
			.containsEntry("ports", List.of(Map.of("port", "http", "protocol", "TCP")));
		assertThat(ingress.get(1)).containsEntry("ports", List.of(Map.of("port", "management", "protocol", "TCP")))
			.containsEntry("from", List.of(Map.of("namespaceSelector",
					Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring")))));
		// The `helm test` pod of this release, alone of its namespace.
		assertThat(ingress.get(2)).containsEntry("ports", List.of(Map.of("port", "management", "protocol", "TCP")))
			.containsEntry("from",
					List.of(Map.of("podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/instance",
							"graph-policy-gateway", "app.kubernetes.io/component", "helm-test")))));
		List<Map<String, Object>> egress = at(policy, "spec.egress");
		assertThat((List<Map<String, Object>>) egress.get(0).get("ports"))
			.containsExactly(Map.of("port", 53, "protocol", "UDP"), Map.of("port", 53, "protocol", "TCP"));
		assertThat(egressPorts(chart)).containsExactlyInAnyOrder(53, 53, 443, 443, 5432);
	}

	@Test
	void renderWhenNetworkPolicyCidrsSetThenEgressLimitedToThem() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("networkPolicy.egress.postgresql.cidrs", List.of("10.20.0.0/24"))
			.with("networkPolicy.ingress.from",
					List.of(Map.of("namespaceSelector", Map.of("matchLabels", Map.of("name", "ingress-nginx")))))
			.writeTo(this.directory));

		List<Map<String, Object>> egress = at(chart.get("NetworkPolicy"), "spec.egress");
		assertThat(egress)
			.filteredOn((rule) -> rule.get("ports").equals(List.of(Map.of("port", 5432, "protocol", "TCP"))))
			.singleElement()
			.satisfies((rule) -> assertThat(rule).containsEntry("to",
					List.of(Map.of("ipBlock", Map.of("cidr", "10.20.0.0/24")))));
		List<Map<String, Object>> ingress = at(chart.get("NetworkPolicy"), "spec.ingress");
		assertThat(ingress.get(0)).containsKey("from");
	}

	@Test
	void renderWhenDefaultValuesThenNoPublicBaseUrl() {
		assertThat(RenderedChart.render(null).env()).doesNotContainKey("GRAPH_GATEWAY_PUBLIC_BASE_URL");
	}

	@Test
	void renderWhenPublicBaseUrlSetThenTheGatewayGetsIt() {
		RenderedChart chart = RenderedChart.render(ChartValues.production()
			.with("publicBaseUrl", "https://graph-gateway.contoso.example")
			.writeTo(this.directory));

		assertThat(chart.env().get("GRAPH_GATEWAY_PUBLIC_BASE_URL")).containsEntry("value",
				"https://graph-gateway.contoso.example");
	}

	@Test
	void renderWhenPublicBaseUrlNotHttpsOrWithAPathThenSchemaRefuses() {
		for (String url : List.of("http://graph-gateway.contoso.example", "https://graph-gateway.contoso.example/audit",
				"graph-gateway.contoso.example")) {
			Path values = ChartValues.defaults().with("publicBaseUrl", url).writeTo(this.directory);

			assertThatIllegalStateException().as(url)
				.isThrownBy(() -> RenderedChart.render(values))
				.withMessageContaining("schema")
				.withMessageContaining("publicBaseUrl");
		}
	}

	@Test
	void renderWhenUpstreamAuthUnknownThenSchemaRefuses() {
		Path values = ChartValues.defaults().with("upstream.auth", "bogus").writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("schema")
			.withMessageContaining("upstream");
	}

	@Test
	void renderWhenRateLimitStoreUnknownThenSchemaRefuses() {
		Path values = ChartValues.defaults().with("rateLimit.store", "memcached").writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("schema")
			.withMessageContaining("store");
	}

	@Test
	void renderWhenRedisStoreWithoutHostThenSchemaRefuses() {
		Path values = ChartValues.defaults().with("rateLimit.store", "redis").writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("schema")
			.withMessageContaining("host");
	}

	@Test
	void renderWhenClientIdWithoutClientSecretThenSchemaRefuses() {
		Path values = ChartValues.defaults()
			.with("identity.clientId", "8d9a2f61-0c55-4d6e-9e0b-1f2a3b4c5d6e")
			.writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("schema")
			.withMessageContaining("existingSecret");
	}

	@Test
	void renderWhenPasswordGivenAsValueThenSchemaRefuses() {
		Path values = ChartValues.defaults().with("database.password", "s3cr3t").writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("schema")
			.withMessageContaining("password");
	}

	@Test
	void renderWhenApplicationConfigHoldsAPasswordThenRefused() {
		Path values = ChartValues.defaults()
			.with("applicationConfig.spring.datasource.password", "s3cr3t")
			.writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("applicationConfig must not hold passwords or secrets");
	}

	@Test
	void renderWhenServiceMonitorWithoutManagementServiceThenRefused() {
		Path values = ChartValues.defaults()
			.with("serviceMonitor.enabled", true)
			.with("managementService.enabled", false)
			.writeTo(this.directory);

		assertThatIllegalStateException().isThrownBy(() -> RenderedChart.render(values))
			.withMessageContaining("serviceMonitor.enabled needs managementService.enabled");
	}

	private static Map<String, Object> secretEnv(String name, String secret, String key) {
		return Map.of("name", name, "valueFrom", Map.of("secretKeyRef", Map.of("name", secret, "key", key)));
	}

	@SuppressWarnings("unchecked")
	private static List<Integer> egressPorts(RenderedChart chart) {
		List<Integer> ports = new ArrayList<>();
		for (Map<String, Object> rule : (List<Map<String, Object>>) at(chart.get("NetworkPolicy"), "spec.egress")) {
			((List<Map<String, Object>>) rule.get("ports")).forEach((port) -> ports.add((Integer) port.get("port")));
		}
		return ports;
	}

	/**
	 * No Secret object, every password or secret variable a reference, and no password or
	 * secret key in the mounted configuration.
	 */
	private static void assertNoSecretValue(RenderedChart chart) {
		assertThat(chart.kinds()).doesNotContain("Secret");
		chart.env().forEach((name, variable) -> {
			if (isSecretName(name)) {
				assertThat(variable).as(name).doesNotContainKey("value");
				assertThat((Map<String, Object>) at(variable, "valueFrom")).as(name).containsKey("secretKeyRef");
			}
		});
		for (String file : List.of("application.yml", "tenants.yml")) {
			assertThat(keys(new Yaml().load(chart.configFile(file)), "")).as(file)
				.noneMatch(GraphPolicyGatewayChartTests::isSecretName);
		}
	}

	private static Map<String, Object> volume(RenderedChart chart, String name) {
		List<Map<String, Object>> volumes = at(chart.get("Deployment"), "spec.template.spec.volumes");
		return volumes.stream()
			.filter((volume) -> name.equals(volume.get("name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no volume " + name));
	}

	private static boolean isSecretName(String name) {
		String lower = name.toLowerCase(Locale.ROOT);
		return lower.contains("password") || lower.contains("secret");
	}

	private static List<String> keys(Object yaml, String prefix) {
		List<String> keys = new ArrayList<>();
		if (yaml instanceof Map<?, ?> map) {
			map.forEach((key, value) -> {
				keys.add(prefix + key);
				keys.addAll(keys(value, prefix + key + "."));
			});
		}
		else if (yaml instanceof List<?> list) {
			list.forEach((item) -> keys.addAll(keys(item, prefix)));
		}
		return keys;
	}

}
