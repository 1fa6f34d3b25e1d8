package com.graphpolicygateway.sandbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link GraphSimulator}: it answers the catalogue's built-in operations as
 * Graph does (204 with Graph's headers, under {@code /v1.0} and {@code /beta}), and only
 * those, and only with a sandbox Graph token.
 */
class GraphSimulatorTests {

	static final String USER_ID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

	static final String DEVICE_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

	static final String GRAPH_TOKEN = TokenIssuer.GRAPH_TOKEN_PREFIX + "test";

	private final HttpClient http = HttpClient.newHttpClient();

	private GraphSimulator simulator;

	@BeforeEach
	void start() {
		this.simulator = new GraphSimulator(0);
	}

	@AfterEach
	void stop() {
		this.simulator.close();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "PATCH|/v1.0/users/" + USER_ID + "|{\"displayName\":\"Adele Vance\"}",
			"PATCH|/beta/users/adele.vance@sandbox.example|{\"displayName\":\"Adele Vance\"}",
			"POST|/v1.0/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag|{\"deviceTag\":\"t\"}",
			"POST|/beta/users/adele.vance@sandbox.example/wipeManagedAppRegistrationsByDeviceTag|{\"deviceTag\":\"t\"}",
			"POST|/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe|{\"keepUserData\":true}",
			"POST|/beta/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe|",
			"POST|/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/retire|",
			"POST|/beta/deviceManagement/managedDevices/" + DEVICE_ID + "/retire|{}" })
	void operationWhenCalledWithGraphTokenThenNoContentWithGraphsRequestIds(String method, String path, String body)
			throws Exception {
		HttpResponse<String> answer = send(request(path)
			.header("client-request-id", "c0ffee00-0000-4000-8000-000000000001")
			.method(method,
					(body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody()));

		assertThat(answer.statusCode()).isEqualTo(204);
		assertThat(answer.body()).isEmpty();
		assertThat(answer.headers().firstValue("request-id")).hasValueSatisfying(
				(id) -> assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
		assertThat(answer.headers().firstValue("client-request-id")).hasValue("c0ffee00-0000-4000-8000-000000000001");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "GET|/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe",
					"POST|/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/syncDevice",
					"POST|/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe/x",
					"POST|/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe",
					"POST|/v1.0/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag/x",
					"POST|/v1.0/users/" + USER_ID, "DELETE|/v1.0/users/" + USER_ID })
	void requestWhenNoOperationOfTheSandboxThenBadRequestNamingWhatItAnswers(String method, String path)
			throws Exception {
		HttpResponse<String> answer = send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));

		assertThat(answer.statusCode()).isEqualTo(400);
		assertThat(answer.body()).contains("\"code\":\"BadRequest\"")
			.contains("POST /v1.0/deviceManagement/managedDevices/{id}/wipe");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/v1.0/deviceManagement/managedDevices/" + DEVICE_ID + "/wipe",
			"/v1.0/users/" + USER_ID + "/wipeManagedAppRegistrationsByDeviceTag" })
	void actionWhenNotASandboxGraphTokenThenUnauthorized(String path) throws Exception {
		HttpResponse<String> answer = send(HttpRequest.newBuilder(uri(path))
			.header("Authorization", "Bearer eyJ.caller.token")
			.POST(HttpRequest.BodyPublishers.noBody()));

		assertThat(answer.statusCode()).isEqualTo(401);
		assertThat(answer.body()).contains("InvalidAuthenticationToken");
	}

	@Test
	void userReadWhenSelectNamesPropertiesThenTheirValuesOrNullAndWhatWasAskedRemembered() throws Exception {
		HttpResponse<String> answer = send(
				request("/v1.0/users/" + USER_ID + "?$select=department,displayName,faxNumber").GET());

		assertThat(answer.statusCode()).isEqualTo(200);
		assertThat(answer.body()).contains("\"id\":\"" + USER_ID + "\"")
			.contains("\"department\":\"Retail\"")
			.contains("\"displayName\":\"Adele V.\"")
			.contains("\"faxNumber\":null");
		assertThat(this.simulator.selected()).containsExactly(List.of("department", "displayName", "faxNumber"));
	}

	@Test
	void userReadWhenSelectIsEncodedThenDecodedAndOnlyIdentifiersAnswered() throws Exception {
		HttpResponse<String> answer = send(
				request("/v1.0/users/adele.vance@sandbox.example?%24select=jobTitle%2Cx%22%3A1%2C%22y").GET());

		assertThat(answer.statusCode()).isEqualTo(200);
		assertThat(answer.body()).contains("\"jobTitle\":\"Retail Manager\"").doesNotContain("\"x\"");
		assertThat(this.simulator.selected()).containsExactly(List.of("jobTitle", "x\":1", "\"y"));
	}

	@Test
	void subscribedSkusThenAnActiveIntuneLicense() throws Exception {
		HttpResponse<String> answer = send(request("/v1.0/subscribedSkus").GET());

		assertThat(answer.statusCode()).isEqualTo(200);
		assertThat(answer.body()).contains("\"servicePlanName\":\"INTUNE_A\"")
			.contains("\"capabilityStatus\":\"Enabled\"");
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + GRAPH_TOKEN);
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.simulator.port() + path);
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
