package com.graphpolicygateway.system;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link Ids}.
 */
class IdsTests {

	private static final long MILLIS = Instant.parse("2026-11-27T10:00:00.123Z").toEpochMilli();

	@Test
	void timeOrderedGuidWhenMadeThenVersion7WithTheRfcVariant() {
		UUID guid = Ids.timeOrderedGuid(MILLIS);

		assertThat(guid.version()).isEqualTo(7);
		assertThat(guid.variant()).isEqualTo(2);
		assertThat(Ids.isGuid(guid.toString())).isTrue();
	}

	@Test
	void timeOrderedGuidWhenMadeThenFirst48BitsAreTheMilliseconds() {
		UUID guid = Ids.timeOrderedGuid(MILLIS);

		assertThat(guid.getMostSignificantBits() >>> 16).isEqualTo(MILLIS);
		assertThat(guid.toString()).startsWith(String.format("%08x-%04x-7", MILLIS >>> 16, MILLIS & 0xFFFF));
	}

	@Test
	void timeOrderedGuidWhenSameMillisecondThenStillDistinct() {
		Set<UUID> guids = new HashSet<>();
		for (int i = 0; i < 10_000; i++) {
			guids.add(Ids.timeOrderedGuid(MILLIS));
		}

		assertThat(guids).hasSize(10_000);
	}

	@Test
	void timeOrderedGuidWhenLaterMillisecondThenSortsAfterAsNumberAndAsText() {
		List<String> texts = new ArrayList<>();
		List<UUID> guids = new ArrayList<>();
		for (long millis = MILLIS; millis < MILLIS + 5_000; millis += 7) {
			UUID guid = Ids.timeOrderedGuid(millis);
			guids.add(guid);
			texts.add(guid.toString());
		}

		// The audit store keeps the id as text; UUID.compareTo compares signed halves, so
		// the
		// order as numbers is checked on the unsigned timestamp.
		assertThat(texts).isSorted();
		assertThat(guids.stream().map((guid) -> guid.getMostSignificantBits() >>> 16).toList()).isSorted();
	}

	@ParameterizedTest
	@ValueSource(longs = { -1, 1L << 48 })
	void timeOrderedGuidWhenMillisecondsOutside48BitsThenRefused(long millis) {
		assertThatIllegalArgumentException().isThrownBy(() -> Ids.timeOrderedGuid(millis))
			.withMessageContaining("48 bits")
			.withMessageContaining(Long.toString(millis));
	}

}
