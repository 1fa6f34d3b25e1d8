package com.graphpolicygateway.audit.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link H2CloseOnExit}: an embedded H2 database's URL says
 * {@code DB_CLOSE_ON_EXIT=FALSE}, whatever it said before; other URLs are left alone.
 */
class H2CloseOnExitTests {

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			textBlock = """
					jdbc:h2:file:./data/audit                                          | jdbc:h2:file:./data/audit;DB_CLOSE_ON_EXIT=FALSE
					jdbc:h2:file:/tmp/audit;AUTO_SERVER=FALSE                          | jdbc:h2:file:/tmp/audit;AUTO_SERVER=FALSE;DB_CLOSE_ON_EXIT=FALSE
					jdbc:h2:mem:audit                                                  | jdbc:h2:mem:audit;DB_CLOSE_ON_EXIT=FALSE
					jdbc:h2:./data/audit;db_close_on_exit=true;CACHE_SIZE=2048         | jdbc:h2:./data/audit;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=2048
					jdbc:h2:file:./data/audit;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=2048   | jdbc:h2:file:./data/audit;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=2048
					""")
	void keptOpenWhenEmbeddedH2ThenSaysDbCloseOnExitFalse(String url, String keptOpen) {
		assertThat(H2CloseOnExit.keptOpen(url)).isEqualTo(keptOpen);
	}

	@ParameterizedTest
	@ValueSource(strings = { "jdbc:h2:tcp://db:9092/audit", "jdbc:h2:ssl://db:9092/audit",
			"jdbc:h2:file:/tmp/audit;AUTO_SERVER=TRUE", "jdbc:h2:file:/tmp/audit;auto_server=true;CACHE_SIZE=2048",
			"jdbc:postgresql://db:5432/gateway?prepareThreshold=0" })
	void keptOpenWhenNotAnEmbeddedH2DatabaseOrAnAutoServerOneThenUnchanged(String url) {
		assertThat(H2CloseOnExit.keptOpen(url)).isEqualTo(url);
	}

	@Test
	void postProcessWhenDataSourcePropertiesThenTheirUrlIsKeptOpen() {
		DataSourceProperties properties = new DataSourceProperties();
		properties.setUrl("jdbc:h2:file:./data/audit");

		new H2CloseOnExit().postProcessAfterInitialization(properties, "spring.datasource-properties");

		assertThat(properties.getUrl()).isEqualTo("jdbc:h2:file:./data/audit;DB_CLOSE_ON_EXIT=FALSE");
	}

}
