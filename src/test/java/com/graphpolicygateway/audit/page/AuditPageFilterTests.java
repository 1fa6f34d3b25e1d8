package com.graphpolicygateway.audit.page;

import org.junit.jupiter.api.Test;

import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import com.graphpolicygateway.audit.query.AuditQuery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The audit page's filter form turned into the query API's parameters. */
class AuditPageFilterTests {

	@Test
	void blankFieldsAreDroppedAndValuesTrimmed() {
		AuditPageFilter filter = AuditPageFilter
			.of(form("actor", "  adele@contoso.example ", "target", "", "result", "success", "unknownField", "x"));
		assertThat(filter.entered()).containsOnlyKeys("actor", "result");
		assertThat(filter.get("actor")).isEqualTo("adele@contoso.example");
		assertThat(filter.get("target")).isEmpty();
	}

	@Test
	void dateTimeLocalValuesAreReadAsUtc() {
		MultiValueMap<String, String> api = AuditPageFilter
			.of(form("from", "2026-11-27T10:00", "to", "2026-11-27T10:30:15"))
			.apiParameters(null);
		assertThat(api.getFirst("from")).isEqualTo("2026-11-27T10:00:00Z");
		assertThat(api.getFirst("to")).isEqualTo("2026-11-27T10:30:15Z");
	}

	@Test
	void isoInstantsAreKept() {
		assertThat(AuditPageFilter.of(form("from", "2026-11-27T10:00:00Z")).apiParameters(null).getFirst("from"))
			.isEqualTo("2026-11-27T10:00:00Z");
	}

	@Test
	void timeThatIsNotADateIsRefusedNamingTheField() {
		assertThatExceptionOfType(AuditQuery.InvalidParameterException.class)
			.isThrownBy(() -> AuditPageFilter.of(form("to", "tomorrow")).apiParameters(null))
			.satisfies((ex) -> assertThat(ex.parameter()).isEqualTo("to"));
	}

	@Test
	void pageTokenIsPassedOnlyWhenGiven() {
		AuditPageFilter filter = AuditPageFilter.of(form("result", "refused"));
		assertThat(filter.apiParameters("abc").getFirst("$skiptoken")).isEqualTo("abc");
		assertThat(filter.apiParameters(null).containsKey("$skiptoken")).isFalse();
	}

	@Test
	void linksKeepTheFilterEncoded() {
		AuditPageFilter filter = AuditPageFilter.of(form("target", "a+b@contoso.example", "result", "success"));
		assertThat(filter.link("/audit/page/export.csv", null))
			.isEqualTo("/audit/page/export.csv?target=a%2Bb%40contoso.example&result=success");
		assertThat(filter.link("/audit", "tok")).endsWith("&$skiptoken=tok");
	}

	private static MultiValueMap<String, String> form(String... pairs) {
		MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
		for (int i = 0; i < pairs.length; i += 2) {
			form.add(pairs[i], pairs[i + 1]);
		}
		return form;
	}

}
