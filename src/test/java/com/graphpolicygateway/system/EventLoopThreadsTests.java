package com.graphpolicygateway.system;

import java.util.Properties;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link EventLoopThreads}.
 */
class EventLoopThreadsTests {

	@Test
	void defaultToOnePerCoreWhenNotSetThenOneLoopPerCore() {
		Properties properties = new Properties();

		String count = EventLoopThreads.defaultToOnePerCore(properties, 2);

		assertThat(count).isEqualTo("2");
		assertThat(properties.getProperty("reactor.netty.ioWorkerCount")).isEqualTo("2");
	}

	@Test
	void defaultToOnePerCoreWhenSetOnTheCommandLineThenKept() {
		Properties properties = new Properties();
		properties.setProperty("reactor.netty.ioWorkerCount", "6");

		String count = EventLoopThreads.defaultToOnePerCore(properties, 2);

		assertThat(count).isEqualTo("6");
		assertThat(properties.getProperty("reactor.netty.ioWorkerCount")).isEqualTo("6");
	}

	@Test
	void defaultToOnePerCoreWhenNoProcessorThenRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> EventLoopThreads.defaultToOnePerCore(new Properties(), 0))
			.withMessage("processors must be positive");
	}

}
