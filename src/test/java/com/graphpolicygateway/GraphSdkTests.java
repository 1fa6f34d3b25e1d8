package com.graphpolicygateway;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

import com.microsoft.graph.devicemanagement.manageddevices.item.wipe.WipePostRequestBody;
import com.microsoft.graph.models.User;
import com.microsoft.graph.models.odataerrors.ODataError;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.graph.users.item.wipemanagedappregistrationsbydevicetag.WipeManagedAppRegistrationsByDeviceTagPostRequestBody;
import com.microsoft.kiota.authentication.AccessTokenProvider;
import com.microsoft.kiota.authentication.AllowedHostsValidator;
import com.microsoft.kiota.authentication.BaseBearerTokenAuthenticationProvider;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import com.graphpolicygateway.test.GatewayIntegrationTest;
import com.graphpolicygateway.test.StubGraph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The gateway driven by the real Microsoft Graph Java SDK: allowed calls reach Graph as
 * the SDK sent them (the seed's PATCH and the Intune actions of the operations
 * catalogue), and refusals surface as {@link ODataError} with the gateway's code.
 */
class GraphSdkTests extends GatewayIntegrationTest {

	private static final String USER_ID = "2f4c6a3e-8b1d-4e5f-9a7b-3c2d1e0f9a8b";

	static final String DEVICE_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

	static final String PRIVILEGED = "DeviceManagementManagedDevices.PrivilegedOperations.All";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Test
	void patchWhenCallerHoldsPermissionThenGraphReceivesSdkRequest() {
		String token = identityProvider.validToken();

		User answered = graphClient(token).users().byUserId(USER_ID).patch(user("Adele Vance"));

		assertThat(answered).isNull();
		StubGraph.Received received = graph.onlyRequest();
		assertThat(received.method()).isEqualTo("PATCH");
		assertThat(received.uri().getRawPath()).isEqualTo("/v1.0/users/" + USER_ID);
		assertThat(received.bodyText()).contains("\"displayName\":\"Adele Vance\"")
			.contains("\"@odata.type\":\"#microsoft.graph.user\"");
		assertThat(MediaType.parseMediaType(received.headers().getFirst(HttpHeaders.CONTENT_TYPE))
			.isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
		assertThat(received.headers().getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer " + token);
		assertThat(received.headers().getFirst("client-request-id"))
			.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
	}

	@Test
	void patchWhenGraphAnswersUserThenSdkReturnsIt() {
		graph.willAnswer(StubGraph.Answer.json(200,
				"{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users/$entity\",\"id\":\"" + USER_ID
						+ "\",\"displayName\":\"Adele Vance\",\"jobTitle\":\"Retail Manager\","
						+ "\"userPrincipalName\":\"adele.vance@contoso.example\"}",
				Map.of()));

		User answered = graphClient(identityProvider.validToken()).users().byUserId(USER_ID).patch(user("Adele Vance"));

		assertThat(answered).isNotNull();
		assertThat(answered.getId()).isEqualTo(USER_ID);
		assertThat(answered.getDisplayName()).isEqualTo("Adele Vance");
		assertThat(answered.getJobTitle()).isEqualTo("Retail Manager");
		assertThat(answered.getUserPrincipalName()).isEqualTo("adele.vance@contoso.example");
	}

	@Test
	void patchWhenUserPrincipalNameThenGraphReceivesIt() {
		graphClient(identityProvider.validToken()).users()
			.byUserId("adele.vance@contoso.example")
			.patch(user("Adele Vance"));

		assertThat(graph.onlyRequest().uri().getPath()).isEqualTo("/v1.0/users/adele.vance@contoso.example");
	}

	@Test
	void patchWhenApplicationTokenHoldsRoleThenGraphReceivesIt() {
		String token = identityProvider.token().roles("DeviceManagementApps.ReadWrite.All").build();

		graphClient(token).users().byUserId(USER_ID).patch(user("Adele Vance"));

		assertThat(graph.onlyRequest().method()).isEqualTo("PATCH");
	}

	@Test
	void patchWhenTokenLacksPermissionThenODataErrorAuthorizationRequestDenied() {
		String token = identityProvider.token().scopes("User.Read").build();

		ODataError error = patchRefused(token, user("Adele Vance"));

		assertThat(error.getResponseStatusCode()).isEqualTo(403);
		assertThat(error.getError().getCode()).isEqualTo("Authorization_RequestDenied");
		assertThat(error.getError().getMessage()).contains("DeviceManagementApps.ReadWrite.All");
		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenTokenExpiredThenODataErrorInvalidAuthenticationToken() {
		String token = identityProvider.token().expiresAt(Instant.now().minusSeconds(3600)).build();

		ODataError error = patchRefused(token, user("Adele Vance"));

		assertThat(error.getResponseStatusCode()).isEqualTo(401);
		assertThat(error.getError().getCode()).isEqualTo("InvalidAuthenticationToken");
		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenTokenIsForGraphThenODataErrorInvalidAuthenticationToken() {
		String token = identityProvider.token().audience("https://graph.microsoft.com").build();

		ODataError error = patchRefused(token, user("Adele Vance"));

		assertThat(error.getResponseStatusCode()).isEqualTo(401);
		assertThat(error.getError().getCode()).isEqualTo("InvalidAuthenticationToken");
		assertThat(error.getError().getMessage()).contains("Microsoft Graph");
		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenOdataTypeIsNotUserThenODataErrorInvalidRequest() {
		User group = user("Sales");
		group.setOdataType("#microsoft.graph.group");

		ODataError error = patchRefused(identityProvider.validToken(), group);

		assertThat(error.getResponseStatusCode()).isEqualTo(400);
		assertThat(error.getError().getCode()).isEqualTo("invalidRequest");
		assertThat(error.getError().getMessage()).contains("#microsoft.graph.user");
		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenUserIdHoldsSlashThenODataErrorInvalidRequest() {
		ODataError error = assertThatExceptionOfType(ODataError.class)
			.isThrownBy(() -> graphClient(identityProvider.validToken()).users()
				.byUserId("../groups/" + USER_ID)
				.patch(user("Adele Vance")))
			.actual();

		assertThat(error.getResponseStatusCode()).isEqualTo(400);
		assertThat(error.getError().getCode()).isEqualTo("invalidRequest");
		assertThat(graph.received()).isEmpty();
	}

	@Test
	void patchWhenGraphRefusesThenSdkSeesGraphsOwnError() {
		graph.willAnswer(StubGraph.Answer.json(404,
				"{\"error\":{\"code\":\"Request_ResourceNotFound\",\"message\":\"Resource '" + USER_ID
						+ "' does not exist or one of its queried reference-property objects are not present.\"}}",
				Map.of()));

		ODataError error = patchRefused(identityProvider.validToken(), user("Adele Vance"));

		assertThat(error.getResponseStatusCode()).isEqualTo(404);
		assertThat(error.getError().getCode()).isEqualTo("Request_ResourceNotFound");
		assertThat(graph.onlyRequest().method()).isEqualTo("PATCH");
	}

	@Test
	void deviceWipeWhenCallerHoldsPrivilegedOperationsThenGraphReceivesSdkRequest() {
		String token = identityProvider.token().scopes(PRIVILEGED).build();

		graphClient(token).deviceManagement().managedDevices().byManagedDeviceId(DEVICE_ID).wipe().post(wipe());

		StubGraph.Received received = graph.onlyRequest();
		assertThat(received.method()).isEqualTo("POST");
		assertThat(received.uri().getRawPath())
			.isEqualTo("/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe");
		assertThat(json(received)).containsOnly(Map.entry("keepEnrollmentData", true), Map.entry("keepUserData", false),
				Map.entry("macOsUnlockCode", "123456"));
		assertThat(MediaType.parseMediaType(received.headers().getFirst(HttpHeaders.CONTENT_TYPE))
			.isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
		assertThat(received.headers().getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer " + token);
	}

	@Test
	void deviceWipeWhenApplicationTokenHoldsRoleThenGraphReceivesIt() {
		String token = identityProvider.token().roles(PRIVILEGED).build();

		graphClient(token).deviceManagement().managedDevices().byManagedDeviceId(DEVICE_ID).wipe().post(wipe());

		assertThat(graph.onlyRequest().uri().getRawPath()).endsWith("/managedDevices/" + DEVICE_ID + "/wipe");
	}

	@Test
	void deviceWipeWhenTokenHoldsOnlyTheAppsPermissionThenODataErrorNamingPrivilegedOperations() {
		String token = identityProvider.validToken();

		ODataError error = assertThatExceptionOfType(ODataError.class)
			.isThrownBy(() -> graphClient(token).deviceManagement()
				.managedDevices()
				.byManagedDeviceId(DEVICE_ID)
				.wipe()
				.post(wipe()))
			.actual();

		assertThat(error.getResponseStatusCode()).isEqualTo(403);
		assertThat(error.getError().getCode()).isEqualTo("Authorization_RequestDenied");
		assertThat(error.getError().getMessage()).contains(PRIVILEGED);
		assertThat(graph.received()).isEmpty();
	}

	@Test
	void deviceWipeWhenBodyHoldsAPropertyGraphDoesNotTakeThenODataErrorInvalidRequest() {
		WipePostRequestBody body = wipe();
		body.setAdditionalData(Map.of("wipeEverything", true));

		ODataError error = assertThatExceptionOfType(ODataError.class)
			.isThrownBy(() -> graphClient(identityProvider.token().scopes(PRIVILEGED).build()).deviceManagement()
				.managedDevices()
				.byManagedDeviceId(DEVICE_ID)
				.wipe()
				.post(body))
			.actual();

		assertThat(error.getResponseStatusCode()).isEqualTo(400);
		assertThat(error.getError().getCode()).isEqualTo("invalidRequest");
		assertThat(error.getError().getMessage()).contains("wipeEverything");
		assertThat(graph.received()).isEmpty();
	}

	@Test
	void deviceRetireWhenCallerHoldsPrivilegedOperationsThenGraphReceivesSdkRequest() {
		graphClient(identityProvider.token().scopes(PRIVILEGED).build()).deviceManagement()
			.managedDevices()
			.byManagedDeviceId(DEVICE_ID)
			.retire()
			.post();

		StubGraph.Received received = graph.onlyRequest();
		assertThat(received.method()).isEqualTo("POST");
		assertThat(received.uri().getRawPath())
			.isEqualTo("/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/retire");
		assertThat(received.body()).isEmpty();
	}

	@Test
	void deviceTagWipeWhenCallerHoldsAppsPermissionThenGraphReceivesSdkRequest() {
		WipeManagedAppRegistrationsByDeviceTagPostRequestBody body = new WipeManagedAppRegistrationsByDeviceTagPostRequestBody();
		body.setDeviceTag("android-work-profile");

		graphClient(identityProvider.validToken()).users()
			.byUserId(USER_ID)
			.wipeManagedAppRegistrationsByDeviceTag()
			.post(body);

		StubGraph.Received received = graph.onlyRequest();
		assertThat(received.method()).isEqualTo("POST");
		assertThat(received.uri().getRawPath())
			.isEqualTo("/v1.0/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag");
		assertThat(json(received)).containsExactly(Map.entry("deviceTag", "android-work-profile"));
	}

	@Test
	void deviceTagWipeWhenTagMissingThenODataErrorInvalidRequestNamingIt() {
		ODataError error = assertThatExceptionOfType(ODataError.class)
			.isThrownBy(() -> graphClient(identityProvider.validToken()).users()
				.byUserId("adele.vance@contoso.example")
				.wipeManagedAppRegistrationsByDeviceTag()
				.post(new WipeManagedAppRegistrationsByDeviceTagPostRequestBody()))
			.actual();

		assertThat(error.getResponseStatusCode()).isEqualTo(400);
		assertThat(error.getError().getCode()).isEqualTo("invalidRequest");
		assertThat(error.getError().getMessage()).contains("deviceTag");
		assertThat(graph.received()).isEmpty();
	}

	private ODataError patchRefused(String token, User user) {
		return assertThatExceptionOfType(ODataError.class)
			.isThrownBy(() -> graphClient(token).users().byUserId(USER_ID).patch(user))
			.actual();
	}

	private GraphServiceClient graphClient(String token) {
		return graphClient(this.port, token);
	}

	/** The SDK aimed at the gateway on {@code port}, calling with {@code token}. */
	static GraphServiceClient graphClient(int port, String token) {
		GraphServiceClient client = new GraphServiceClient(
				new BaseBearerTokenAuthenticationProvider(new StaticTokenProvider(token)));
		client.getRequestAdapter().setBaseUrl("http://127.0.0.1:" + port + "/v1.0");
		return client;
	}

	/** A device wipe keeping the enrollment, with a macOS unlock code. */
	static WipePostRequestBody wipe() {
		WipePostRequestBody body = new WipePostRequestBody();
		body.setKeepEnrollmentData(true);
		body.setKeepUserData(false);
		body.setMacOsUnlockCode("123456");
		return body;
	}

	private static Map<String, Object> json(StubGraph.Received received) {
		return JSON.readValue(received.body(), new TypeReference<Map<String, Object>>() {
		});
	}

	private static User user(String displayName) {
		User user = new User();
		user.setDisplayName(displayName);
		return user;
	}

	/** Hands the SDK a fixed token, for the gateway's loopback address only. */
	private static final class StaticTokenProvider implements AccessTokenProvider {

		private final AllowedHostsValidator allowedHosts = new AllowedHostsValidator("127.0.0.1");

		private final String token;

		StaticTokenProvider(String token) {
			this.token = token;
		}

		@Override
		public String getAuthorizationToken(URI uri, Map<String, Object> additionalAuthenticationContext) {
			return this.allowedHosts.isUrlHostValid(uri) ? this.token : "";
		}

		@Override
		public AllowedHostsValidator getAllowedHostsValidator() {
			return this.allowedHosts;
		}

	}

}
