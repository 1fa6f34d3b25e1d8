package com.graphpolicygateway.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

/**
 * Builds Graph {@code subscribedSkus} answers: SKUs with a capability status, each
 * holding service plans with a provisioning status.
 */
final class TestSubscribedSkus {

	static final String INTUNE_A_ID = "c1ec4a95-1f05-45b3-a911-aa3fa01094f5";

	static final String INTUNE_EDU_ID = "da24caf9-af8e-485c-b7c8-e73336da2693";

	static final String INTUNE_O365_ID = "882e1d05-acd1-4ccb-8708-6ee03664b117";

	static final String EXCHANGE_S_ENTERPRISE_ID = "efb87545-963c-4e0d-99df-69c6916d9eb0";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private TestSubscribedSkus() {
	}

	static Builder skus() {
		return new Builder();
	}

	/** EMS E3, enabled, with Intune provisioned. */
	static Builder licensed() {
		return skus().sku("EMSPREMIUM", "Enabled", intuneA("Success"));
	}

	/** Office 365 E3, enabled: Exchange and Office MDM, no Intune. */
	static Builder unlicensed() {
		return skus().sku("ENTERPRISEPACK", "Enabled",
				plan("EXCHANGE_S_ENTERPRISE", EXCHANGE_S_ENTERPRISE_ID, "Success"),
				plan("INTUNE_O365", INTUNE_O365_ID, "Success"));
	}

	static Map<String, Object> intuneA(String provisioningStatus) {
		return plan("INTUNE_A", INTUNE_A_ID, provisioningStatus);
	}

	static Map<String, Object> plan(String name, String id, String provisioningStatus) {
		Map<String, Object> plan = new LinkedHashMap<>();
		plan.put("servicePlanId", id);
		plan.put("servicePlanName", name);
		plan.put("provisioningStatus", provisioningStatus);
		plan.put("appliesTo", "User");
		return plan;
	}

	/** A subscribedSkus answer under construction. */
	static final class Builder {

		private final List<Map<String, Object>> skus = new ArrayList<>();

		private Builder() {
		}

		@SafeVarargs
		final Builder sku(String skuPartNumber, String capabilityStatus, Map<String, Object>... plans) {
			Map<String, Object> sku = new LinkedHashMap<>();
			sku.put("skuPartNumber", skuPartNumber);
			sku.put("capabilityStatus", capabilityStatus);
			sku.put("consumedUnits", 14);
			sku.put("prepaidUnits", Map.of("enabled", 25, "suspended", 0, "warning", 0));
			sku.put("servicePlans", List.of(plans));
			this.skus.add(sku);
			return this;
		}

		Map<String, Object> map() {
			Map<String, Object> answer = new LinkedHashMap<>();
			answer.put("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus");
			answer.put("value", List.copyOf(this.skus));
			return answer;
		}

		String json() {
			return JSON.writeValueAsString(map());
		}

	}

}
