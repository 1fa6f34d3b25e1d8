package com.graphpolicygateway.graph;

import java.util.Map;

import org.springframework.util.unit.DataSize;

import com.graphpolicygateway.system.OperationDeclaration;

/**
 * The catalogue's operations for tests: the built-in ones as shipped, or with a change
 * laid over one of them.
 */
public final class TestOperations {

	private TestOperations() {
	}

	/** The built-in catalogue as shipped. */
	public static OperationCatalogue catalogue() {
		return OperationCatalogue.builtIn();
	}

	/** The built-in catalogue with {@code declared} laid over it. */
	public static OperationCatalogue catalogue(Map<String, OperationDeclaration> declared) {
		return OperationCatalogue.of(declared, "DeviceManagementApps.ReadWrite.All", DataSize.ofMegabytes(1));
	}

	/** A built-in operation as shipped. */
	public static Operation builtIn(String id) {
		return catalogue().find(id).orElseThrow();
	}

	/** The seed, {@code PATCH /users/{id}}. */
	public static Operation userUpdate() {
		return builtIn(OperationCatalogue.USER_UPDATE);
	}

	/** The built-in catalogue whose seed takes bodies of at most {@code maxSize}. */
	public static OperationCatalogue withUserUpdateBodyOfAtMost(DataSize maxSize) {
		return catalogue(Map.of(OperationCatalogue.USER_UPDATE, new OperationDeclaration(null, null, null, null, null,
				null, new OperationDeclaration.Body(null, null, null, null, maxSize, null), null)));
	}

}
