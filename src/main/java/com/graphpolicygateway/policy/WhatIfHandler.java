package com.graphpolicygateway.policy;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.graphpolicygateway.policy.PolicyDecision.Violation;

/**
 * {@code POST /policy/what-if}: decides a hypothetical call (tenant, application, target,
 * body) against the current policy and answers the decision, its reason and the policy
 * version. Nothing is forwarded; the target is resolved with Graph as for a real call,
 * and the answer says so when it could not be ({@code target_unresolved}).
 */
final class WhatIfHandler {

	private final PolicyEvaluator evaluator;

	private final Clock clock;

	WhatIfHandler(PolicyEvaluator evaluator, Clock clock) {
		Assert.notNull(evaluator, "evaluator cannot be null");
		this.evaluator = evaluator;
		this.clock = clock;
	}

	Mono<ServerResponse> evaluate(ServerRequest request) {
		return request.bodyToMono(WhatIf.class).flatMap((whatIf) -> {
			String problem = whatIf.problem();
			if (problem != null) {
				return ServerResponse.badRequest()
					.bodyValue(Map.of("error", Map.of("code", "invalidRequest", "message", problem)));
			}
			PolicyRequest call = new PolicyRequest(whatIf.tenantId(), whatIf.applicationId(), whatIf.targetUserId(),
					new ArrayList<>(whatIf.body().keySet()), this.clock.instant());
			return this.evaluator.decide(call).flatMap((decision) -> ServerResponse.ok().bodyValue(answer(decision)));
		})
			.switchIfEmpty(ServerResponse.badRequest()
				.bodyValue(Map.of("error", Map.of("code", "invalidRequest", "message", "A JSON body is required."))));
	}

	private static Answer answer(PolicyDecision decision) {
		Violation refusal = decision.refusal();
		return new Answer(decision.allowed() ? "allow" : "refuse", (refusal != null) ? refusal.reason() : "allowed",
				(refusal != null) ? refusal.errorCode() : null, (refusal != null) ? refusal.status().value() : null,
				(refusal != null) ? refusal.message() : null, decision.wouldRefuse(), decision.policyVersion());
	}

	/**
	 * A hypothetical call.
	 *
	 * @param tenantId the caller's tenant
	 * @param applicationId the calling application
	 * @param targetUserId the user to change
	 * @param body the PATCH body (only its property names matter)
	 */
	record WhatIf(@Nullable String tenantId, @Nullable String applicationId, @Nullable String targetUserId,
			@Nullable Map<String, Object> body) {

		@Nullable String problem() {
			if (this.tenantId == null || this.tenantId.isBlank()) {
				return "tenantId is required.";
			}
			if (this.targetUserId == null || this.targetUserId.isBlank()) {
				return "targetUserId is required.";
			}
			if (!UserIdentifiers.isUser(this.targetUserId)) {
				// As the request guard refuses such a path: never looked up in Graph.
				return "targetUserId must be a user object id (GUID) or a user principal name.";
			}
			return null;
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
	 */
	record Answer(String decision, String reason, @Nullable String errorCode, @Nullable Integer status,
			@Nullable String message, List<Violation> wouldRefuse, String policyVersion) {
	}

}
