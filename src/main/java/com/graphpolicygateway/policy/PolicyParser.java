package com.graphpolicygateway.policy;

import java.io.IOException;
import java.util.List;

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

import com.graphpolicygateway.system.Ids;

/**
 * Reads a policy file with Spring Boot's YAML loader and {@code Binder}: unknown keys are
 * errors, and every error names its key and line. The policy version is a hash of the
 * file's bytes.
 */
final class PolicyParser {

	private PolicyParser() {
	}

	static CompiledPolicy parse(byte[] content, String source) throws InvalidPolicyException {
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
		return CompiledPolicy.compile(file, version(content));
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
