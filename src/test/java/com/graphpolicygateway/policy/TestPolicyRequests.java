package com.graphpolicygateway.policy;

import java.time.Instant;
import java.util.List;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.graph.TestOperations;

/**
 * Builds the facts of a call for the evaluator: a delegated call from
 * {@link TestPolicies#TENANT} changing {@code displayName} of a user (the seed's
 * operation), on a Wednesday morning, unless a test says otherwise.
 */
final class TestPolicyRequests {

	static final String APPLICATION = "d3590ed6-52b3-4102-aeff-aad2292ab01c";

	static final String OTHER_APPLICATION = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

	static final String TARGET_USER = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String TARGET_DEVICE = "3c9a1f7e-2b4d-4e6f-8a1b-5c7d9e0f1a2b";

	/** Wednesday 2026-06-10, 12:00 in Berlin. */
	static final Instant WEDNESDAY_NOON_BERLIN = Instant.parse("2026-06-10T10:00:00Z");

	private TestPolicyRequests() {
	}

	static Builder request() {
		return new Builder();
	}

	/** A call under construction. */
	static final class Builder {

		private @Nullable String tenantId = TestPolicies.TENANT;

		private @Nullable String applicationId = APPLICATION;

		private Operation operation = TestOperations.userUpdate();

		private String targetUserId = TARGET_USER;

		private List<String> propertyNames = List.of("displayName");

		private Instant at = WEDNESDAY_NOON_BERLIN;

		private Builder() {
		}

		Builder tenant(@Nullable String tenantId) {
			this.tenantId = tenantId;
			return this;
		}

		Builder application(@Nullable String applicationId) {
			this.applicationId = applicationId;
			return this;
		}

		/**
		 * A call of a built-in operation, by id, with a body of the properties it
		 * requires; a managed device's operation targets {@link #TARGET_DEVICE} unless
		 * the test says otherwise.
		 */
		Builder operation(String id) {
			return operation(TestOperations.builtIn(id));
		}

		/** A call of this operation; see {@link #operation(String)}. */
		Builder operation(Operation operation) {
			this.operation = operation;
			if (!this.operation.id().equals(OperationCatalogue.USER_UPDATE)) {
				this.propertyNames = List.copyOf(new TreeSet<>(this.operation.body().required()));
			}
			if (this.operation.targetsManagedDevice()) {
				this.targetUserId = TARGET_DEVICE;
			}
			return this;
		}

		Builder target(String targetUserId) {
			this.targetUserId = targetUserId;
			return this;
		}

		Builder properties(String... names) {
			this.propertyNames = List.of(names);
			return this;
		}

		Builder at(Instant at) {
			this.at = at;
			return this;
		}

		PolicyRequest build() {
			return new PolicyRequest(this.tenantId, this.applicationId, this.operation, this.targetUserId,
					this.propertyNames, this.at);
		}

	}

}
