package com.graphpolicygateway.policy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.graphpolicygateway.policy.CompiledPolicy.TenantRules;
import com.graphpolicygateway.policy.TargetProtection.Outcome;
import com.graphpolicygateway.test.StubGraph;
import com.graphpolicygateway.test.StubGraph.Answer;

import static com.graphpolicygateway.policy.TestPolicies.TENANT;
import static com.graphpolicygateway.policy.TestPolicies.policy;
import static com.graphpolicygateway.policy.TestPolicies.tenant;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whether a target is a protected user, whatever name the call and the policy give them:
 * object id for principal name and the reverse, renamed, deleted and recreated, guests;
 * when Graph is asked and when it is not; and what a lookup that fails decides.
 */
class TargetProtectionTests {

	static final String BREAKGLASS_ID = "6d1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

	static final String BREAKGLASS = "breakglass@contoso.example";

	static final String ADELE_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String ADELE = "adelev@contoso.example";

	StubGraph graph;

	TargetProtection protection;

	@BeforeEach
	void startGraph() {
		this.graph = StubGraph.start();
		this.graph.directory().user(BREAKGLASS_ID, "BreakGlass@Contoso.example").user(ADELE_ID, ADELE);
		this.protection = new TargetProtection(TestUserResolvers.against(URI.create(this.graph.baseUri())).build());
	}

	@AfterEach
	void stopGraph() {
		this.graph.close();
	}

	@Test
	void checkWhenListedByPrincipalNameAndCalledByObjectIdThenProtected() {
		assertThat(check(protecting(BREAKGLASS), BREAKGLASS_ID.toUpperCase())).isEqualTo(Outcome.PROTECTED);
	}

	@Test
	void checkWhenListedByObjectIdAndCalledByPrincipalNameInAnyCaseThenProtected() {
		assertThat(check(protecting(BREAKGLASS_ID), "BREAKGLASS@contoso.EXAMPLE")).isEqualTo(Outcome.PROTECTED);
	}

	@Test
	void checkWhenListedByObjectIdAndCalledByANameGivenAfterARenameThenProtected() {
		this.graph.directory().user(BREAKGLASS_ID, "emergency-access@contoso.example");

		assertThat(check(protecting(BREAKGLASS_ID), "emergency-access@contoso.example")).isEqualTo(Outcome.PROTECTED);
	}

	@Test
	void checkWhenListedByPrincipalNameAndItsAccountRecreatedThenTheNewAccountIsProtectedAtOnce() {
		TenantRules tenant = protecting(BREAKGLASS);
		assertThat(check(tenant, BREAKGLASS_ID)).isEqualTo(Outcome.PROTECTED);
		String recreated = "7e2a1f3b-4d5e-4f6a-9b0c-1d2e3f4a5b6c";
		this.graph.directory().delete(BREAKGLASS_ID).user(recreated, BREAKGLASS);

		// The listed name still resolves to the old account in the cache; the new
		// account's
		// own lookup shows it holds the listed name.
		assertThat(check(tenant, recreated)).isEqualTo(Outcome.PROTECTED);
	}

	@Test
	void checkWhenListedByObjectIdAndItsAccountRecreatedThenTheNewAccountIsNotProtected() {
		String recreated = "7e2a1f3b-4d5e-4f6a-9b0c-1d2e3f4a5b6c";
		this.graph.directory().delete(BREAKGLASS_ID).user(recreated, BREAKGLASS);

		assertThat(check(protecting(BREAKGLASS_ID), recreated)).isEqualTo(Outcome.NOT_PROTECTED);
		assertThat(check(protecting(BREAKGLASS_ID), BREAKGLASS)).isEqualTo(Outcome.NOT_PROTECTED);
	}

	@Test
	void checkWhenListedAsGuestAndCalledByObjectIdThenProtected() {
		String guestId = "4a11ce00-0000-4000-8000-000000000001";
		String guest = "alice_fabrikam.example#EXT#@contoso.onmicrosoft.com";
		this.graph.directory().user(guestId, guest);

		assertThat(check(protecting(guest), guestId)).isEqualTo(Outcome.PROTECTED);
		assertThat(check(protecting(guestId), guest.toLowerCase())).isEqualTo(Outcome.PROTECTED);
	}

	@Test
	void checkWhenAnotherUserThenNotProtectedAfterAskingForBoth() {
		assertThat(check(protecting(BREAKGLASS), ADELE_ID)).isEqualTo(Outcome.NOT_PROTECTED);

		assertThat(this.graph.directory().lookupsOf(ADELE_ID)).isEqualTo(1);
		assertThat(this.graph.directory().lookupsOf(BREAKGLASS)).isEqualTo(1);
	}

	@Test
	void checkWhenTargetDoesNotExistThenNotProtected() {
		assertThat(check(protecting(BREAKGLASS_ID, BREAKGLASS), "nobody@contoso.example"))
			.isEqualTo(Outcome.NOT_PROTECTED);
	}

	@Test
	void checkWhenListedEntryDoesNotExistThenItProtectsOnlyItsOwnName() {
		assertThat(check(protecting("former@contoso.example"), ADELE_ID)).isEqualTo(Outcome.NOT_PROTECTED);
		assertThat(check(protecting("former@contoso.example"), "Former@Contoso.example")).isEqualTo(Outcome.PROTECTED);
	}

	@Test
	void checkWhenNoProtectedUsersThenGraphNotAsked() {
		assertThat(check(policy().tenant(tenant(TENANT)).compile().tenant(TENANT), ADELE))
			.isEqualTo(Outcome.NOT_PROTECTED);

		assertThat(this.graph.directory().lookups()).isEmpty();
	}

	@Test
	void checkWhenTargetListedAsWrittenThenProtectedWithoutAskingGraph() {
		this.graph.directory().failWith(graphError(503));

		assertThat(check(protecting(BREAKGLASS, ADELE_ID), "BreakGlass@Contoso.Example")).isEqualTo(Outcome.PROTECTED);
		assertThat(check(protecting(BREAKGLASS, ADELE_ID), ADELE_ID.toUpperCase())).isEqualTo(Outcome.PROTECTED);
		assertThat(this.graph.directory().lookups()).isEmpty();
	}

	@Test
	void checkWhenOnlyObjectIdsListedAndTargetIsAnObjectIdThenGraphNotAsked() {
		assertThat(check(protecting(BREAKGLASS_ID), ADELE_ID)).isEqualTo(Outcome.NOT_PROTECTED);

		assertThat(this.graph.directory().lookups()).isEmpty();
	}

	@Test
	void checkWhenResolutionOffThenOnlyTheIdentifiersAsWrittenAndGraphNotAsked() {
		TenantRules tenant = policy().tenant(tenant(TENANT).protectedUsers(BREAKGLASS).protectedUsersResolution("off"))
			.compile()
			.tenant(TENANT);

		assertThat(check(tenant, BREAKGLASS_ID)).isEqualTo(Outcome.NOT_PROTECTED);
		assertThat(check(tenant, BREAKGLASS.toUpperCase())).isEqualTo(Outcome.PROTECTED);
		assertThat(this.graph.directory().lookups()).isEmpty();
	}

	@Test
	void checkWhenGraphFailsThenUnresolvedSayingWhy() {
		this.graph.directory().failWith(graphError(503));

		Outcome outcome = check(protecting(BREAKGLASS_ID), ADELE);

		assertThat(outcome.isProtected()).isFalse();
		assertThat(outcome.unresolved()).contains("Graph answered 503");
	}

	@Test
	void checkWhenGraphFailsForAListedNameThenUnresolved() {
		TenantRules tenant = protecting(BREAKGLASS);
		this.graph.directory().failWith(graphError(500));

		assertThat(check(tenant, ADELE_ID).unresolved()).contains("Graph answered 500");
	}

	@Test
	void checkWhenGraphFailsButACachedAnswerProvesProtectionThenProtected() {
		TenantRules tenant = protecting(BREAKGLASS);
		assertThat(check(tenant, ADELE_ID)).isEqualTo(Outcome.NOT_PROTECTED);
		this.graph.directory().failWith(graphError(503));

		assertThat(check(tenant, BREAKGLASS_ID)).isEqualTo(Outcome.PROTECTED);
	}

	@Test
	void checkWhenTargetIsNotAUserIdThenUnresolvedWithoutAskingGraph() {
		assertThat(check(protecting(BREAKGLASS), "../subscribedSkus").unresolved()).isNotNull();

		assertThat(this.graph.directory().lookups()).isEmpty();
	}

	private Outcome check(TenantRules tenant, String target) {
		return this.protection.check(tenant, TENANT, target).block(Duration.ofSeconds(10));
	}

	private static TenantRules protecting(String... users) {
		return policy().tenant(tenant(TENANT).protectedUsers(users)).compile().tenant(TENANT);
	}

	private static Answer graphError(int status) {
		return Answer.json(status, "{\"error\":{\"code\":\"serviceNotAvailable\",\"message\":\"down\"}}", Map.of());
	}

}
