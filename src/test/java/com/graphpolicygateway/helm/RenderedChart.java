package com.graphpolicygateway.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart rendered by {@code helm template} (embedded helm through helm-java) and
 * parsed into one map per Kubernetes object.
 */
final class RenderedChart {

	/** The chart, relative to the repository root (Maven's working directory). */
	static final Path CHART = Path.of("helm/graph-policy-gateway");

	/**
	 * A release named like the chart, so objects are named {@code graph-policy-gateway}.
	 */
	static final String RELEASE = "graph-policy-gateway";

	static final String NAMESPACE = "gateway";

	private final String yaml;

	private final List<Map<String, Object>> objects;

	private RenderedChart(String yaml, List<Map<String, Object>> objects) {
		this.yaml = yaml;
		this.objects = objects;
	}

	/** Renders the chart with its defaults and the given values file, if any. */
	static RenderedChart render(@Nullable Path valuesFile) {
		return render(CHART, valuesFile);
	}

	/**
	 * Renders a copy of the chart, made in {@code directory}, whose hooks are plain
	 * objects: helm-java's template leaves hooks out.
	 */
	static RenderedChart renderWithoutHooks(Path directory, @Nullable Path valuesFile) throws IOException {
		Path copy = Files.createTempDirectory(directory, "chart-");
		try (Stream<Path> files = Files.walk(CHART)) {
			for (Path file : files.toList()) {
				Path target = copy.resolve(CHART.relativize(file).toString());
				if (Files.isDirectory(file)) {
					Files.createDirectories(target);
				}
				else {
					String text = Files.readString(file);
					Files.writeString(target,
							text.lines()
								.filter((line) -> !line.contains("helm.sh/hook"))
								.collect(Collectors.joining("\n", "", "\n")));
				}
			}
		}
		return render(copy, valuesFile);
	}

	@SuppressWarnings("unchecked")
	private static RenderedChart render(Path chart, @Nullable Path valuesFile) {
		var template = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
		if (valuesFile != null) {
			template = template.withValuesFile(valuesFile);
		}
		String yaml = template.call();
		List<Map<String, Object>> objects = new ArrayList<>();
		for (Object document : new Yaml().loadAll(yaml)) {
			if (document != null) {
				objects.add((Map<String, Object>) document);
			}
		}
		return new RenderedChart(yaml, objects);
	}

	/** What helm printed. */
	String yaml() {
		return this.yaml;
	}

	List<Map<String, Object>> objects() {
		return this.objects;
	}

	List<String> kinds() {
		return this.objects.stream().map((object) -> (String) object.get("kind")).toList();
	}

	List<Map<String, Object>> objects(String kind) {
		return this.objects.stream().filter((object) -> kind.equals(object.get("kind"))).toList();
	}

	Optional<Map<String, Object>> find(String kind) {
		return this.objects.stream().filter((object) -> kind.equals(object.get("kind"))).findFirst();
	}

	Map<String, Object> get(String kind) {
		return find(kind).orElseThrow(() -> new AssertionError("no " + kind + " in " + kinds()));
	}

	Map<String, Object> get(String kind, String name) {
		return this.objects.stream()
			.filter((object) -> kind.equals(object.get("kind")) && name.equals(at(object, "metadata.name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + kinds()));
	}

	/** The gateway container of the Deployment. */
	Map<String, Object> container() {
		List<Map<String, Object>> containers = at(get("Deployment"), "spec.template.spec.containers");
		return containers.get(0);
	}

	/** The gateway container's environment, by variable name. */
	Map<String, Map<String, Object>> env() {
		List<Map<String, Object>> env = at(container(), "env");
		Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
		env.forEach((variable) -> byName.put((String) variable.get("name"), variable));
		return byName;
	}

	/** A file of the ConfigMap mounted at /app/config. */
	String configFile(String name) {
		Map<String, String> data = at(get("ConfigMap"), "data");
		return data.get(name);
	}

	/** The value at a dotted path of maps ({@code spec.template.metadata}). */
	@SuppressWarnings("unchecked")
	static <T> T at(Map<String, Object> object, String path) {
		Object current = object;
		for (String key : path.split("\\.")) {
			if (!(current instanceof Map<?, ?> map) || !map.containsKey(key)) {
				throw new AssertionError("no " + path + " (at " + key + ") in " + object);
			}
			current = map.get(key);
		}
		return (T) current;
	}

}
