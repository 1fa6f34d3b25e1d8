package com.graphpolicygateway.graph;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The stages of a call that are spans of their own when tracing is on (docs/tracing.md),
 * in the order a call meets them, and the attributes they carry. The request itself is
 * Spring's {@code http.server.requests} span, the call to Graph Spring Cloud Gateway's
 * {@code http.client.requests}; these are children of the request's span, the license
 * lookup a child of the policy decision. Attributes hold ids, codes and outcomes only:
 * never a token, a secret, a body value or a path.
 */
public enum TracedStage implements ObservationDocumentation {

	/**
	 * Spring Security's check of the bearer token (signature, issuer, audience, time).
	 */
	TOKEN_CHECK("graph_gateway.stage.token_check", "token check"),

	/** The request guard: path, headers, body read and validated against its schema. */
	REQUEST_CHECK("graph_gateway.stage.request_check", "request check"),

	/** The tenant policy's decision, with the license lookup it may need. */
	POLICY_DECISION("graph_gateway.stage.policy_decision", "policy decision"),

	/** Whether the tenant holds an Intune license: remembered, or asked of Graph. */
	LICENSE_LOOKUP("graph_gateway.stage.license_lookup", "license lookup"),

	/** The tenant's and the caller's rate limits and the operation's limit. */
	RATE_LIMIT("graph_gateway.stage.rate_limit", "rate limit"),

	/** The wait for the pending audit event's commit, before anything is forwarded. */
	AUDIT_COMMIT("graph_gateway.stage.audit_commit", "audit commit"),

	/** The Graph token: cached, or obtained from the identity provider. */
	UPSTREAM_TOKEN("graph_gateway.stage.upstream_token", "upstream token"),

	/**
	 * The read of a change's before-image from Graph, when the tenant captures it (never
	 * the values read as attributes).
	 */
	BEFORE_IMAGE("graph_gateway.stage.before_image", "before-image");

	private final String name;

	private final String contextualName;

	TracedStage(String name, String contextualName) {
		this.name = name;
		this.contextualName = contextualName;
	}

	@Override
	public String getName() {
		return this.name;
	}

	@Override
	public String getContextualName() {
		return this.contextualName;
	}

	@Override
	public KeyName[] getLowCardinalityKeyNames() {
		return Attribute.values();
	}

	/** The attributes of the gateway's spans, named as operators search for them. */
	public enum Attribute implements KeyName {

		/** The id of the operation called ({@code graph-gateway.operations}). */
		OPERATION("graph_gateway.operation"),

		/** The caller's tenant (the token's {@code tid}). */
		TENANT("graph_gateway.tenant"),

		/**
		 * How the stage ended: {@code passed} (handed the call on), {@code refused}
		 * (answered it), {@code error} or {@code cancelled}; the token check's
		 * {@code valid} or {@code invalid}.
		 */
		OUTCOME("graph_gateway.outcome"),

		/**
		 * The policy's decision, as the audit trail names it: allow, refuse,
		 * would_refuse.
		 */
		DECISION("graph_gateway.decision"),

		/** The reason code of the decision or refusal, as the audit trail names it. */
		REASON("graph_gateway.reason"),

		/** Whether the tenant holds an Intune license: true or false. */
		LICENSED("graph_gateway.license.active"),

		/**
		 * Where the license answer came from: cache, stale (refreshed behind) or graph.
		 */
		LICENSE_SOURCE("graph_gateway.license.source"),

		/** Graph's {@code request-id} answer header, for Microsoft's support. */
		GRAPH_REQUEST_ID("graph_gateway.graph.request_id"),

		/**
		 * The class of what failed, OpenTelemetry's {@code error.type}: never its
		 * message, which may quote what the caller sent.
		 */
		ERROR_TYPE("error.type");

		private final String key;

		Attribute(String key) {
			this.key = key;
		}

		@Override
		public String asString() {
			return this.key;
		}

	}

}
