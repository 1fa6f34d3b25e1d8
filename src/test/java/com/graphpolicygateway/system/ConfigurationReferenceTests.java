package com.graphpolicygateway.system;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@code docs/configuration.md} documents every key the gateway binds, with its type and
 * default, and names no key the gateway does not bind. The keys are derived from the
 * {@code @ConfigurationProperties} classes of the application, walking their record
 * components (or bean properties) down to the values, in kebab case. A key's part that
 * the operator names (a map's key: an operation's id, a sink's name, a path variable) is
 * written {@code <name>} (any word in angle brackets stands for one: {@code <id>} reads
 * better for operations), and a list's index {@code [n]}.
 */
class ConfigurationReferenceTests {

	private static final Path REFERENCE = Path.of("docs/configuration.md");

	private static final String BASE_PACKAGE = "com.graphpolicygateway";

	/** Any placeholder of an operator-chosen name, as the reference writes it. */
	private static final Pattern PLACEHOLDER = Pattern.compile("<[a-z-]+>");

	private static final Pattern CODE_SPAN = Pattern.compile("`([^`\\n]+)`");

	private static final Pattern CELL_SEPARATOR = Pattern.compile("(?<!\\\\)\\|");

	@Test
	void boundKeysWhenDerivedThenReachEveryLevel() {
		Map<String, BoundKey> keys = boundKeys();

		// The walk itself, so that a walk finding nothing cannot pass the tests below.
		assertThat(keys).containsKeys("graph-gateway.upstream.base-uri",
				"graph-gateway.upstream.circuit-breaker.failure-rate-threshold",
				"graph-gateway.identity.issuers[n].jwk-set-uri", "graph-gateway.identity.audiences",
				"graph-gateway.audit.sinks.<name>.syslog.port", "graph-gateway.operations.<name>.path-variables.<name>",
				"graph-gateway.operations.<name>.body.max-size", "graph-gateway.public-base-url");
		assertThat(keys.get("graph-gateway.upstream.auth").typePhrase()).isEqualTo("one of");
		assertThat(keys.get("graph-gateway.upstream.auth").enumValues()).containsExactly("on-behalf-of",
				"client-credentials", "passthrough");
		assertThat(keys.get("graph-gateway.request.max-body-size").defaultValue()).isEqualTo("1MB");
		assertThat(keys.keySet()).noneMatch((key) -> key.endsWith(".upstream") || key.endsWith(".operations"));
	}

	@Test
	void referenceWhenComparedWithTheBoundKeysThenEveryKeyHasARow() throws IOException {
		Map<String, List<String>> rows = referenceRows();

		assertThat(rows.keySet()).as("keys with a row in %s (key | type | default | meaning)", REFERENCE)
			.containsAll(boundKeys().keySet());
	}

	@Test
	void referenceWhenComparedWithTheBoundKeysThenTypesAndDefaultsAgree() throws IOException {
		Map<String, List<String>> rows = referenceRows();
		List<String> problems = new ArrayList<>();
		for (BoundKey key : boundKeys().values()) {
			List<String> row = rows.get(key.name());
			if (row == null) {
				continue; // reported by the test above
			}
			String type = row.get(0).strip();
			String defaultValue = row.get(1).strip();
			if (!type.startsWith(key.typePhrase())) {
				problems.add(key.name() + ": type should start with '" + key.typePhrase() + "' but is '" + type + "'");
			}
			for (String value : key.enumValues()) {
				if (!type.contains("`" + value + "`")) {
					problems.add(key.name() + ": type should name `" + value + "`");
				}
			}
			if (defaultValue.isEmpty()) {
				problems.add(key.name() + ": the default column is empty (say none, required, ...)");
			}
			if (key.defaultValue() != null && !defaultValue.contains("`" + key.defaultValue() + "`")) {
				problems.add(key.name() + ": default should show `" + key.defaultValue() + "` but is '" + defaultValue
						+ "'");
			}
		}
		assertThat(problems).as("rows of %s", REFERENCE).isEmpty();
	}

	@Test
	void documentationWhenNamingAGraphGatewayKeyThenTheGatewayBindsIt() throws IOException {
		Set<String> keys = boundKeys().keySet();
		List<String> stale = new ArrayList<>();
		for (Path page : documentationPages()) {
			for (String named : namedKeys(Files.readString(page))) {
				if (!isBoundOrPrefixOfBound(named, keys)) {
					stale.add(page + ": " + named);
				}
			}
		}
		assertThat(stale).as("graph-gateway keys named in the documentation that the gateway does not bind").isEmpty();
	}

	/** Every key bound by the application's {@code @ConfigurationProperties} classes. */
	private static Map<String, BoundKey> boundKeys() {
		ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
		scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
		Map<String, BoundKey> keys = new LinkedHashMap<>();
		List<Class<?>> scanned = new ArrayList<>();
		for (BeanDefinition candidate : scanner.findCandidateComponents(BASE_PACKAGE)) {
			Class<?> type = ClassUtils.resolveClassName(candidate.getBeanClassName(), null);
			scanned.add(type);
			walk(MergedAnnotations.from(type).get(ConfigurationProperties.class).getString("prefix"), type, null, keys);
		}
		assertThat(scanned).contains(GraphGatewayProperties.class);
		return keys;
	}

	private static void walk(String key, Type type, @Nullable String defaultValue, Map<String, BoundKey> keys) {
		Class<?> raw = raw(type);
		if (raw.isRecord()) {
			RecordComponent[] components = raw.getRecordComponents();
			Constructor<?> canonical = canonicalConstructor(raw, components);
			for (int i = 0; i < components.length; i++) {
				DefaultValue value = canonical.getParameters()[i].getAnnotation(DefaultValue.class);
				walk(key + "." + kebab(components[i].getName()), components[i].getGenericType(), single(value), keys);
			}
		}
		else if (Map.class.isAssignableFrom(raw)) {
			walk(key + ".<name>", typeArgument(type, 1), null, keys);
		}
		else if (Collection.class.isAssignableFrom(raw) && isNested(raw(typeArgument(type, 0)))) {
			walk(key + "[n]", typeArgument(type, 0), null, keys);
		}
		else if (isNested(raw)) {
			for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(raw)) {
				if (property.getWriteMethod() != null) {
					walk(key + "." + kebab(property.getName()), property.getWriteMethod().getGenericParameterTypes()[0],
							null, keys);
				}
			}
		}
		else {
			keys.put(key, new BoundKey(key, typePhrase(type, key), enumValues(raw), defaultValue));
		}
	}

	/** Whether a type is a group of keys of the gateway's own rather than a value. */
	private static boolean isNested(Class<?> type) {
		return !type.isEnum() && type.getPackageName().startsWith(BASE_PACKAGE);
	}

	/** The words the reference's type column starts with for a value of this type. */
	private static String typePhrase(Type type, String key) {
		Class<?> raw = raw(type);
		if (raw.isEnum()) {
			return "one of";
		}
		if (Collection.class.isAssignableFrom(raw) && raw(typeArgument(type, 0)) == String.class) {
			return "list of strings";
		}
		Map<Class<?>, String> phrases = Map.ofEntries(Map.entry(String.class, "string"),
				Map.entry(Duration.class, "duration"), Map.entry(DataSize.class, "data size"),
				Map.entry(boolean.class, "boolean"), Map.entry(Boolean.class, "boolean"),
				Map.entry(int.class, "integer"), Map.entry(Integer.class, "integer"), Map.entry(long.class, "integer"),
				Map.entry(Long.class, "integer"), Map.entry(float.class, "number"), Map.entry(double.class, "number"),
				Map.entry(URI.class, "URI"), Map.entry(Path.class, "file path"));
		String phrase = phrases.get(raw);
		if (phrase == null) {
			fail("No type phrase for %s (%s): name one here and use it in %s", key, type.getTypeName(), REFERENCE);
		}
		return phrase;
	}

	private static List<String> enumValues(Class<?> type) {
		if (!type.isEnum()) {
			return List.of();
		}
		return Stream.of(type.getEnumConstants())
			.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
			.toList();
	}

	private static @Nullable String single(@Nullable DefaultValue value) {
		return (value != null && value.value().length == 1) ? value.value()[0] : null;
	}

	private static Constructor<?> canonicalConstructor(Class<?> record, RecordComponent[] components) {
		try {
			return record
				.getDeclaredConstructor(Stream.of(components).map(RecordComponent::getType).toArray(Class[]::new));
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Class<?> raw(Type type) {
		if (type instanceof Class<?> plain) {
			return plain;
		}
		if (type instanceof ParameterizedType parameterized) {
			return (Class<?>) parameterized.getRawType();
		}
		throw new IllegalArgumentException("Unexpected type " + type);
	}

	private static Type typeArgument(Type type, int index) {
		if (type instanceof ParameterizedType parameterized) {
			return parameterized.getActualTypeArguments()[index];
		}
		throw new IllegalArgumentException("Raw collection type " + type);
	}

	private static String kebab(String name) {
		return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

	/**
	 * The reference's table rows by their first cell's key (placeholders made alike),
	 * each row as its cells after the key: type, default, meaning.
	 */
	private static Map<String, List<String>> referenceRows() throws IOException {
		Map<String, List<String>> rows = new LinkedHashMap<>();
		for (String line : outsideCodeBlocks(Files.readString(REFERENCE))) {
			if (!line.startsWith("| `")) {
				continue;
			}
			String[] cells = CELL_SEPARATOR.split(line, -1);
			Matcher key = Pattern.compile("`([^`]+)`").matcher(cells[1].strip());
			if (cells.length != 6 || !key.matches()) {
				continue; // not a row of the key | type | default | meaning tables
			}
			List<String> previous = rows.put(normalize(key.group(1)), List.of(cells[2], cells[3], cells[4]));
			assertThat(previous).as("%s has two rows for %s", REFERENCE, key.group(1)).isNull();
		}
		return rows;
	}

	/** The {@code graph-gateway.} keys a page names in its code spans. */
	private static Set<String> namedKeys(String page) {
		Set<String> named = new TreeSet<>();
		for (String line : outsideCodeBlocks(page)) {
			Matcher span = CODE_SPAN.matcher(line);
			while (span.find()) {
				String text = span.group(1);
				if (text.startsWith("graph-gateway.")) {
					String key = text.split("[=\\s,]", 2)[0];
					named.add(normalize(key.endsWith(".*") ? key.substring(0, key.length() - 2) : key));
				}
			}
		}
		return named;
	}

	/**
	 * Whether a named key is a bound key, a group of them (a prefix ending before a
	 * {@code .} or {@code [}), or an element of a bound list; a placeholder of the bound
	 * key also stands for any name the operator may choose ({@code operations.my-sync}).
	 */
	private static boolean isBoundOrPrefixOfBound(String named, Set<String> keys) {
		for (String key : keys) {
			List<String> forms = new ArrayList<>(List.of(key, key + "[n]"));
			for (int i = 0; i < key.length(); i++) {
				if (key.charAt(i) == '.' || key.charAt(i) == '[') {
					forms.add(key.substring(0, i));
				}
			}
			for (String form : forms) {
				String pattern = Stream.of(form.split("<name>", -1))
					.map(Pattern::quote)
					.collect(Collectors.joining("(?:<name>|[a-z0-9][a-z0-9-]*)"));
				if (named.matches(pattern)) {
					return true;
				}
			}
		}
		return false;
	}

	private static String normalize(String key) {
		return PLACEHOLDER.matcher(key.replaceAll("\\[\\d+]", "[n]")).replaceAll("<name>");
	}

	static List<String> outsideCodeBlocks(String page) {
		List<String> lines = new ArrayList<>();
		boolean inBlock = false;
		for (String line : page.split("\n", -1)) {
			if (line.startsWith("```")) {
				inBlock = !inBlock;
			}
			else if (!inBlock) {
				lines.add(line);
			}
		}
		return lines;
	}

	static List<Path> documentationPages() throws IOException {
		List<Path> pages = new ArrayList<>();
		pages.add(Path.of("README.md"));
		try (Stream<Path> docs = Files.list(Path.of("docs"))) {
			docs.filter((path) -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
		}
		return pages;
	}

	/**
	 * A bound key: its name (placeholders as {@code <name>} and {@code [n]}), the words
	 * its type is described with, the values of an enum, and its {@code @DefaultValue}.
	 */
	private record BoundKey(String name, String typePhrase, List<String> enumValues, @Nullable String defaultValue) {

	}

}
