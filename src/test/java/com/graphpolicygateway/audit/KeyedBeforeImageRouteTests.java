package com.graphpolicygateway.audit;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The before-image tests of {@link BeforeImageRouteTests} with an audit signing key: the
 * MAC of an event whose old values were closed into its pending row authenticates it, and
 * a rewritten old value is still caught.
 */
@TestPropertySource(properties = "graph-gateway.audit.signing.key=src/test/resources/audit/test-signing-key.pem")
class KeyedBeforeImageRouteTests extends BeforeImageRouteTests {

	@Test
	void patchWhenKeyedAndBeforeImageCapturedThenTheEventIsAuthenticated() {
		String clientRequestId = UUID.randomUUID().toString();

		patch(BEST_EFFORT_TENANT, clientRequestId, "{\"department\":\"Finance\"}").expectStatus().isNoContent();

		Map<String, Object> event = trail().eventOf(clientRequestId);
		assertThat(event).containsEntry("before_image_status", "captured");
		assertThat(event.get("mac")).isNotNull();
		verify(BEST_EFFORT_TENANT).jsonPath("$.intact")
			.isEqualTo(true)
			.jsonPath("$.eventsAuthenticated")
			.isEqualTo(true);
	}

}
