package com.graphpolicygateway.policy;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginProvider;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.system.Ids;

/**
 * Reads a policy file with Spring Boot's YAML loader and {@code Binder}: unknown keys are
 * errors, and every error names its key and line. An operation id the catalogue does not
 * know is an error too: a typo would otherwise allow, freeze or limit nothing, silently.
 * The policy version is a hash of the file's bytes.
 */
final class PolicyParser {

	private PolicyParser() {
	}

	/** Parses a file naming the built-in operations only. */
	static CompiledPolicy parse(byte[] content, String source) throws InvalidPolicyException {
		return parse(content, source, OperationCatalogue.builtIn());
	}

	/**
	 * Parses a file whose operation ids must be built-in ones (enabled or switched off)
	 * or operations of {@code catalogue}.
	 */
	static CompiledPolicy parse(byte[] content, String source, OperationCatalogue catalogue)
			throws InvalidPolicyException {
		List<PropertySource<?>> documents;
		try {
			documents = new YamlPropertySourceLoader().load(source, new ByteArrayResource(content, source));
		}
		catch (IOException | RuntimeException ex) {
			throw new InvalidPolicyException(source + ": not valid YAML: " + firstLine(ex.getMessage()));
		}
		if (documents.size() > 1) {
			throw new InvalidPolicyException(source + ": holds " + documents.size() + " YAML documents; use one");
		}
		Binder binder = new Binder(ConfigurationPropertySources.from(documents));
		PolicyFile file;
		try {
			file = binder.bindOrCreate(ConfigurationPropertyName.EMPTY, Bindable.of(PolicyFile.class),
					new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
		}
		catch (BindException ex) {
			throw new InvalidPolicyException(source + ": " + describe(ex, documents));
		}
		requireKnownOperations(file, operationIds(catalogue), documents, source);
		return CompiledPolicy.compile(file, version(content));
	}

	/**
	 * The ids a policy may name: the built-in operations, also when switched off (a
	 * policy naming one is still right; it never matches), and the catalogue's.
	 */
	static Set<String> operationIds(OperationCatalogue catalogue) {
		Set<String> ids = new LinkedHashSet<>();
		OperationCatalogue.builtIn().operations().forEach((operation) -> ids.add(operation.id()));
		catalogue.operations().stream().map(Operation::id).forEach(ids::add);
		return ids;
	}

	private static void requireKnownOperations(PolicyFile file, Set<String> known, List<PropertySource<?>> documents,
			String source) throws InvalidPolicyException {
		requireKnownOperations("defaults", file.defaults(), known, documents, source);
		for (int i = 0; i < file.tenants().size(); i++) {
			requireKnownOperations("tenants[" + i + "]", file.tenants().get(i).rules(), known, documents, source);
		}
	}

	private static void requireKnownOperations(String prefix, PolicyFile.Rules rules, Set<String> known,
			List<PropertySource<?>> documents, String source) throws InvalidPolicyException {
		requireKnown(prefix + ".operations", rules.operations(), known, documents, source);
		Map<String, PolicyFile.OperationLimit> limits = rules.operationLimits();
		if (limits != null) {
			for (String id : limits.keySet()) {
				if (!known.contains(id)) {
					throw unknownOperation(prefix + ".operation-limits", id, known, documents, source, false);
				}
			}
		}
		List<PolicyFile.Freeze> freezes = rules.freezes();
		if (freezes != null) {
			for (int i = 0; i < freezes.size(); i++) {
				requireKnown(prefix + ".freezes[" + i + "].operations", freezes.get(i).operations(), known, documents,
						source);
			}
		}
	}

	private static void requireKnown(String key, @Nullable List<String> ids, Set<String> known,
			List<PropertySource<?>> documents, String source) throws InvalidPolicyException {
		if (ids == null) {
			return;
		}
		for (int i = 0; i < ids.size(); i++) {
			if (!known.contains(ids.get(i))) {
				throw unknownOperation(key + "[" + i + "]", ids.get(i), known, documents, source, true);
			}
		}
	}

	private static InvalidPolicyException unknownOperation(String key, String id, Set<String> known,
			List<PropertySource<?>> documents, String source, boolean listItem) {
		String name = listItem ? key : key + "." + id;
		Origin origin = null;
		if (ConfigurationPropertyName.isValid(name)) {
			ConfigurationPropertyName property = ConfigurationPropertyName.of(name);
			origin = listItem ? originOf(property, documents) : firstOriginUnder(property, documents);
		}
		return new InvalidPolicyException(source + ": key '" + name + "'" + where(origin) + ": no operation '" + id
				+ "' in the catalogue; known operations: " + String.join(", ", known));
	}

	private static @Nullable Origin originOf(ConfigurationPropertyName name, List<PropertySource<?>> documents) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.from(documents)) {
			ConfigurationProperty property = source.getConfigurationProperty(name);
			if (property != null) {
				return property.getOrigin();
			}
		}
		return null;
	}

	/** A short, stable version: the first 16 hex digits of the file's SHA-256. */
	static String version(byte[] content) {
		return Ids.sha256Hex(content).substring(0, 16);
	}

	private static String describe(BindException ex, List<PropertySource<?>> documents) {
		Throwable cause = ex.getCause();
		if (cause instanceof UnboundConfigurationPropertiesException unbound) {
			ConfigurationProperty first = unbound.getUnboundProperties().iterator().next();
			return "unknown key '" + first.getName() + "'" + where(first.getOrigin());
		}
		ConfigurationProperty property = ex.getProperty();
		String key = (property != null) ? property.getName().toString() : ex.getName().toString();
		Throwable root = cause;
		while (root != null && root.getCause() != null) {
			root = root.getCause();
		}
		String reason = (root != null && root.getMessage() != null) ? firstLine(root.getMessage()) : "invalid value";
		return "key '" + (key.isEmpty() ? "(root)" : key) + "'"
				+ where((property != null) ? property.getOrigin() : firstOriginUnder(ex.getName(), documents)) + ": "
				+ reason;
	}

	/** The origin of the first property under an object that failed as a whole. */
	private static @Nullable Origin firstOriginUnder(ConfigurationPropertyName name,
			List<PropertySource<?>> documents) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.from(documents)) {
			if (source instanceof IterableConfigurationPropertySource iterable) {
				ConfigurationPropertyName first = iterable.filter(name::isAncestorOf).stream().findFirst().orElse(null);
				ConfigurationProperty property = (first != null) ? iterable.getConfigurationProperty(first) : null;
				if (property != null) {
					return property.getOrigin();
				}
			}
		}
		return null;
	}

	private static String where(@Nullable Origin origin) {
		Origin current = origin;
		while (current != null) {
			if (current instanceof TextResourceOrigin text && text.getLocation() != null) {
				return " (line " + (text.getLocation().getLine() + 1) + ", column "
						+ (text.getLocation().getColumn() + 1) + ")";
			}
			// Binder wraps the YAML loader's origin in a PropertySourceOrigin.
			current = (current instanceof OriginProvider provider && provider.getOrigin() != current)
					? provider.getOrigin() : current.getParent();
		}
		return "";
	}

	private static String firstLine(@Nullable String message) {
		if (message == null) {
			return "";
		}
		int newline = message.indexOf('\n');
		return (newline < 0) ? message : message.substring(0, newline);
	}

	/** A policy file that cannot be used; the message names the key and line. */
	static final class InvalidPolicyException extends Exception {

		InvalidPolicyException(String message) {
			super(message, null, false, false);
		}

	}

}
