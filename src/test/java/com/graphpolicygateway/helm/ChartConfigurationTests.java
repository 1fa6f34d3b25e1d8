package com.graphpolicygateway.helm;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ByteArrayResource;

import com.graphpolicygateway.system.GraphGatewayProperties;
import com.graphpolicygateway.system.GraphGatewayProperties.RateLimit;
import com.graphpolicygateway.system.GraphGatewayProperties.UpstreamAuth;

import static com.graphpolicygateway.helm.RenderedChart.at;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the configuration the chart hands the gateway: the mounted application.yml
 * and tenants.yml, the environment, and the checksum that decides when pods roll.
 */
class ChartConfigurationTests {

	private static final String CHECKSUM = "checksum/application-config";

	/**
	 * How long a stop takes once the calls in flight are over: the audit writer's drain,
	 * the event loops' quiet period (2 s) and the JVM's exit, with a margin
	 * (docs/kubernetes.md, "Stopping").
	 */
	private static final Duration AFTER_THE_CALLS = Duration.ofSeconds(10);

	@TempDir
	Path directory;

	@Test
	void applicationYamlWhenRenderedThenPointsThePolicyAtTheMountedTenantsFile() {
		Map<String, Object> application = new Yaml().load(RenderedChart.render(null).configFile("application.yml"));

		assertThat(at(application, "graph-gateway.policy.file").toString()).isEqualTo("/app/config/tenants.yml");
		assertThat((Integer) at(application, "server.port")).isEqualTo(8080);
		assertThat((Integer) at(application, "management.server.port")).isEqualTo(8081);
		assertThat(at(application, "graph-gateway.policy.reload-interval").toString()).isEqualTo("2s");
	}

	@Test
	void applicationYamlWhenValuesMoveThePolicyFileThenChartKeepsTheMountedOne() {
		RenderedChart chart = RenderedChart.render(ChartValues.defaults()
			.with("applicationConfig",
					Map.of("graph-gateway",
							Map.of("policy", Map.of("file", "/elsewhere/tenants.yml"), "audit",
									Map.of("retention-days", 365))))
			.writeTo(this.directory));

		Map<String, Object> application = new Yaml().load(chart.configFile("application.yml"));
		assertThat(at(application, "graph-gateway.policy.file").toString()).isEqualTo("/app/config/tenants.yml");
		assertThat((Integer) at(application, "graph-gateway.audit.retention-days")).isEqualTo(365);
	}

	@Test
	void tenantsYamlWhenDefaultValuesThenRefusesUnknownTenants() {
		Map<String, Object> policy = new Yaml().load(RenderedChart.render(null).configFile("tenants.yml"));

		assertThat(at(policy, "defaults.unknown-tenants").toString()).isEqualTo("refuse");
		assertThat((List<?>) at(policy, "tenants")).isEmpty();
	}

	@Test
	void tenantsYamlWhenPolicySetThenConfigMapHoldsItUnchanged() throws IOException {
		String tenants = Files.readString(Path.of("config/tenants.yml"), StandardCharsets.UTF_8);

		RenderedChart chart = RenderedChart
			.render(ChartValues.defaults().with("policy.tenants", tenants).writeTo(this.directory));

		assertThat(chart.configFile("tenants.yml")).isEqualTo(tenants.strip() + "\n");
	}

	@Test
	void checksumWhenApplicationConfigChangesThenChanges() {
		String before = checksum(RenderedChart.render(null));

		String after = checksum(RenderedChart.render(ChartValues.defaults()
			.with("applicationConfig.graph-gateway.audit.retention-days", 365)
			.writeTo(this.directory)));

		assertThat(before).matches("[0-9a-f]{64}");
		assertThat(after).matches("[0-9a-f]{64}").isNotEqualTo(before);
	}

	@Test
	void checksumWhenOnlyTenantsChangeThenPodTemplateUnchanged() {
		RenderedChart before = RenderedChart.render(null);

		RenderedChart after = RenderedChart.render(ChartValues.defaults()
			.with("policy.tenants", "defaults:\n  unknown-tenants: allow\n  license: active\n")
			.writeTo(this.directory));

		assertThat(after.configFile("tenants.yml")).isNotEqualTo(before.configFile("tenants.yml"));
		assertThat(checksum(after)).isEqualTo(checksum(before));
		// Nothing in the pod template changes, so Kubernetes rolls no pod.
		assertThat(after.get("Deployment")).isEqualTo(before.get("Deployment"));
	}

	@Test
	void bindWhenRenderedConfigurationThenGatewaySeesTheValues() throws IOException {
		RenderedChart chart = RenderedChart.render(ChartValues.production()
			.with("identity.issuers",
					List.of(Map.of("issuer", "https://sts.windows.net/{tenantid}/", "jwkSetUri",
							"https://login.microsoftonline.com/common/discovery/keys")))
			.with("upstream.baseUri", "https://graph.microsoft.us")
			.writeTo(this.directory));

		Binder binder = binderOf(chart);
		GraphGatewayProperties properties = binder.bindOrCreate("graph-gateway", GraphGatewayProperties.class);

		assertThat(properties.identity().audiences()).containsExactly("api://graph-policy-gateway",
				"8d9a2f61-0c55-4d6e-9e0b-1f2a3b4c5d6e");
		assertThat(properties.identity().issuers()).singleElement()
			.satisfies((issuer) -> assertThat(issuer.jwkSetUri())
				.isEqualTo(URI.create("https://login.microsoftonline.com/common/discovery/keys")));
		assertThat(properties.identity().clientId()).isEqualTo("8d9a2f61-0c55-4d6e-9e0b-1f2a3b4c5d6e");
		assertThat(properties.upstream().baseUri()).isEqualTo(URI.create("https://graph.microsoft.us"));
		assertThat(properties.upstream().auth()).isEqualTo(UpstreamAuth.CLIENT_CREDENTIALS);
		assertThat(properties.rateLimit().store()).isEqualTo(RateLimit.Store.REDIS);
		assertThat(properties.policy().file()).isEqualTo(Path.of("/app/config/tenants.yml"));
		assertThat(binder.bind("spring.data.redis.host", String.class).get()).isEqualTo(ChartValues.REDIS_HOST);
		assertThat(binder.bind("spring.datasource.url", String.class).get())
			.isEqualTo("jdbc:postgresql://audit-db.data.svc:5432/gateway");
	}

	@Test
	@SuppressWarnings("unchecked")
	void terminationGracePeriodWhenDefaultValuesThenFitsTheGatewaysStop() throws IOException {
		RenderedChart chart = RenderedChart.render(null);
		Binder binder = binderOf(chart);
		GraphGatewayProperties properties = binder.bindOrCreate("graph-gateway", GraphGatewayProperties.class);
		Duration shutdownPhase = binder.bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class).get();
		List<String> preStop = at(chart.container(), "lifecycle.preStop.exec.command");
		Integer gracePeriod = at(chart.get("Deployment"), "spec.template.spec.terminationGracePeriodSeconds");

		// A forwarded call that arrived before the stop may finish...
		assertThat(shutdownPhase)
			.isGreaterThanOrEqualTo(properties.upstream().responseTimeout().plus(properties.audit().writeTimeout()));
		// ...and the pod is not killed before the audit writer has committed its event.
		assertThat(Duration.ofSeconds(gracePeriod)).isGreaterThanOrEqualTo(
				Duration.ofSeconds(Long.parseLong(preStop.get(1))).plus(shutdownPhase).plus(AFTER_THE_CALLS));
	}

	private static String checksum(RenderedChart chart) {
		return at(chart.get("Deployment"), "spec.template.metadata.annotations." + CHECKSUM);
	}

	/**
	 * What the gateway's environment holds in the pod: the container's plain variables
	 * (secret references left out) above the mounted application.yml.
	 */
	private static Binder binderOf(RenderedChart chart) throws IOException {
		Map<String, Object> variables = new LinkedHashMap<>();
		chart.env().forEach((name, variable) -> {
			if (variable.containsKey("value")) {
				variables.put(name, variable.get("value"));
			}
		});
		List<PropertySource<?>> sources = new ArrayList<>();
		sources.add(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				variables));
		sources.addAll(new YamlPropertySourceLoader().load("application.yml",
				new ByteArrayResource(chart.configFile("application.yml").getBytes(StandardCharsets.UTF_8))));
		return new Binder(ConfigurationPropertySources.from(sources));
	}

}
