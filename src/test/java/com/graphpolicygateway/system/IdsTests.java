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

	/** The grammar isGuid implements, as a regular expression (ASCII hex digits only). */
	private static final String GUID_GRAMMAR = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

	private static final long MILLIS = Instant.parse("2026-11-27T10:00:00.123Z").toEpochMilli();

	@Test
	void timeOrderedGuidWhenMadeThenVersion7WithTheRfcVariant() {
		UUID guid = Ids.timeOrderedGuid(MILLIS);

		assertThat(guid.version()).isEqualTo(7);
		assertThat(guid.variant()).isEqualTo(2);
		assertThat(Ids.isGuid(guid.toString())).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "87D349ED-44D7-43E1-9A83-5F2406DEE5BD",
			"00000000-0000-0000-0000-000000000000", "ffffffff-FFFF-aAaA-0f0F-9a9A9a9A9a9A" })
	void isGuidWhenEightFourFourFourTwelveHexDigitsThenTrue(String text) {
		assertThat(Ids.isGuid(text)).isTrue();
		assertThat(text).matches(GUID_GRAMMAR);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "87d349ed44d743e19a835f2406dee5bd", "{87d349ed-44d7-43e1-9a83-5f2406dee5bd}",
			"87d349ed-44d7-43e1-9a83-5f2406dee5b", "87d349ed-44d7-43e1-9a83-5f2406dee5bdd",
			"87d349ed-44d7-43e1-9a83-5f2406dee5bg", "87d349ed-44d7-43e1-9a8-35f2406dee5bd",
			"87d349ed-44d7-43e1-9a83_5f2406dee5bd", "87d349ed 44d7-43e1-9a83-5f2406dee5bd",
			"87d349ed-44d7-43e1-9a83-5f2406dee5b\uff10", "\uff18\uff17d349ed-44d7-43e1-9a83-5f2406dee5bd",
			"87d349ed-44d7-43e1-9a83-5f2406dee5b\u0661", "87d349ed-44d7-43e1-9a83-5f2406dee5b\u0000",
			"-87d349ed-44d7-43e1-9a83-5f2406dee5b", "87d349ed--44d7-43e1-9a83-5f2406dee5" })
	void isGuidWhenNotExactlyThatGrammarThenFalse(String text) {
		assertThat(Ids.isGuid(text)).isFalse();
		assertThat(text).doesNotMatch(GUID_GRAMMAR);
	}

	@Test
	void isGuidWhenEveryCharacterTriedAtEveryPositionThenSameAnswerAsTheGrammar() {
		String guid = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
		for (int position = 0; position < guid.length(); position++) {
			for (char c = 0; c < 0x3000; c++) {
				String text = guid.substring(0, position) + c + guid.substring(position + 1);
				assertThat(Ids.isGuid(text)).as("%s", text).isEqualTo(text.matches(GUID_GRAMMAR));
			}
		}
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
