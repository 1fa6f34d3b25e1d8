package com.graphpolicygateway.policy;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.graphpolicygateway.graph.IdPattern;
import com.graphpolicygateway.graph.Operation;
import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.policy.PolicyDecision.OperationLimit;
import com.graphpolicygateway.policy.PolicyDecision.Violation;

/**
 * {@code POST /policy/what-if}: decides a hypothetical call (tenant, application,
 * operation, target, body) against the current policy and answers the decision, its
 * reason, the operation's blast-radius limit and the policy version. Nothing is forwarded
 * or counted; the target is resolved with Graph as for a real call, and the answer says
 * so when it could not be ({@code target_unresolved}).
 */
final class WhatIfHandler {

	private final PolicyEvaluator evaluator;

	private final OperationCatalogue catalogue;

	private final Clock clock;

	WhatIfHandler(PolicyEvaluator evaluator, OperationCatalogue catalogue, Clock clock) {
		Assert.notNull(evaluator, "evaluator cannot be null");
		Assert.notNull(catalogue, "catalogue cannot be null");
		this.evaluator = evaluator;
		this.catalogue = catalogue;
		this.clock = clock;
	}

	Mono<ServerResponse> evaluate(ServerRequest request) {
		return request.bodyToMono(WhatIf.class).flatMap((whatIf) -> {
			Optional<Operation> operation = this.catalogue.find(whatIf.operationId());
			String problem = operation.isPresent() ? whatIf.problem(operation.get())
					: unknownOperation(whatIf.operationId());
			if (problem != null) {
				return invalid(problem);
			}
			PolicyRequest call = new PolicyRequest(whatIf.tenantId(), whatIf.applicationId(), operation.get(),
					whatIf.targetOrNull(), new ArrayList<>(whatIf.body().keySet()), this.clock.instant());
			return this.evaluator.decide(call)
				.flatMap((decision) -> ServerResponse.ok().bodyValue(answer(call.operation(), decision)));
		}).switchIfEmpty(invalid("A JSON body is required."));
	}

	private String unknownOperation(String id) {
		return "operation '" + id + "' is not an operation of this gateway (unknown, or switched off); "
				+ "its operations are: "
				+ this.catalogue.operations().stream().map(Operation::id).collect(Collectors.joining(", ")) + ".";
	}

	private static Mono<ServerResponse> invalid(String problem) {
		return ServerResponse.badRequest()
			.bodyValue(Map.of("error", Map.of("code", "invalidRequest", "message", problem)));
	}

	private static Answer answer(Operation operation, PolicyDecision decision) {
		Violation refusal = decision.refusal();
		OperationLimit limit = decision.operationLimit();
		return new Answer(decision.allowed() ? "allow" : "refuse", (refusal != null) ? refusal.reason() : "allowed",
				(refusal != null) ? refusal.errorCode() : null, (refusal != null) ? refusal.status().value() : null,
				(refusal != null) ? refusal.message() : null, decision.wouldRefuse(), decision.policyVersion(),
				operation.id(),
				(limit != null) ? new Limit(limit.max(), limit.per().toString(), limit.reportOnly()) : null);
	}

	/**
	 * A hypothetical call.
	 *
	 * @param tenantId the caller's tenant
	 * @param applicationId the calling application
	 * @param operation the operation's id; the user update when left out
	 * @param target the id the call's path names: a user's or a managed device's
	 * @param targetUserId the same as {@code target}, as the user update first named it
	 * @param body the request body (only its property names matter)
	 */
	record WhatIf(@Nullable String tenantId, @Nullable String applicationId, @Nullable String operation,
			@Nullable String target, @Nullable String targetUserId, @Nullable Map<String, Object> body) {

		String operationId() {
			return (this.operation != null) ? this.operation : OperationCatalogue.USER_UPDATE;
		}

		/** The target, under either name; null when neither is given. */
		@Nullable String targetOrNull() {
			return (this.target != null) ? this.target : this.targetUserId;
		}

		/** What is wrong with the call of {@code called}, or null when nothing is. */
		@Nullable String problem(Operation called) {
			if (this.tenantId == null || this.tenantId.isBlank()) {
				return "tenantId is required.";
			}
			if (this.target != null && this.targetUserId != null && !this.target.equals(this.targetUserId)) {
				return "target and targetUserId differ; give the target once.";
			}
			String id = targetOrNull();
			if (id == null || id.isBlank()) {
				return called.targetsUser() ? "targetUserId (or target) is required."
						: "target is required: the id " + called.describe() + " names.";
			}
			if (called.targetsUser()) {
				// As the request guard refuses such a path: never looked up in Graph.
				return UserIdentifiers.isUser(id) ? null
						: "targetUserId must be a user object id (GUID) or a user principal name.";
			}
			IdPattern pattern = called.pathVariables().get(called.targetVariable());
			return pattern.matches(id) ? null : "target must be " + pattern.description() + " for " + called.id() + ".";
		}

		@Override
		public Map<String, Object> body() {
			return (this.body != null) ? this.body : Map.of();
		}

	}

	/**
	 * The decision of a hypothetical call.
	 *
	 * @param decision {@code allow} or {@code refuse}
	 * @param reason the reason code
	 * @param errorCode the Graph error code a refusal would answer with
	 * @param status the status a refusal would answer with
	 * @param message the refusal message
	 * @param wouldRefuse report-only violations
	 * @param policyVersion the policy version that decided
	 * @param operation the id of the operation decided
	 * @param operationLimit the tenant's blast-radius limit of the operation, or null
	 * when it sets none; what-if never counts calls against it
	 */
	record Answer(String decision, String reason, @Nullable String errorCode, @Nullable Integer status,
			@Nullable String message, List<Violation> wouldRefuse, String policyVersion, String operation,
			@Nullable Limit operationLimit) {
	}

	/**
	 * A blast-radius limit as the answer shows it.
	 *
	 * @param max the most allowed calls in a window
	 * @param per the window, an ISO-8601 duration
	 * @param reportOnly whether reaching it is only reported
	 */
	record Limit(int max, String per, boolean reportOnly) {
	}

}
