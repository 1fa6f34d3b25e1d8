package com.graphpolicygateway.policy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.graphpolicygateway.graph.OperationCatalogue;
import com.graphpolicygateway.policy.PolicyFile.Freeze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Which change-freeze window is in force at a moment: one-off windows (start inclusive,
 * end exclusive) and weekly ones, in their own time zone, across midnight and across
 * daylight-saving changes.
 */
class FreezeWindowsTests {

	static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

	/** 2027-12-24T00:00 in Berlin (CET, UTC+1). */
	static final Instant YEAR_END_START = Instant.parse("2027-12-23T23:00:00Z");

	/** 2028-01-02T00:00 in Berlin. */
	static final Instant YEAR_END_END = Instant.parse("2028-01-01T23:00:00Z");

	@Test
	void isActiveWhenOneOffAtItsStartInItsZoneThenActive() {
		Freeze yearEnd = once("2027-12-24T00:00", "2028-01-02T00:00", BERLIN);

		assertThat(FreezeWindows.isActive(yearEnd, YEAR_END_START)).isTrue();
		assertThat(FreezeWindows.isActive(yearEnd, YEAR_END_START.minusMillis(1))).isFalse();
	}

	@Test
	void isActiveWhenOneOffAtItsEndThenNoLongerActive() {
		Freeze yearEnd = once("2027-12-24T00:00", "2028-01-02T00:00", BERLIN);

		assertThat(FreezeWindows.isActive(yearEnd, YEAR_END_END.minusMillis(1))).isTrue();
		assertThat(FreezeWindows.isActive(yearEnd, YEAR_END_END)).isFalse();
	}

	@Test
	void isActiveWhenOneOffWithoutZoneThenUtc() {
		Freeze utc = new Freeze(LocalDateTime.parse("2027-12-24T00:00"), LocalDateTime.parse("2028-01-02T00:00"), null,
				null, null, ZoneId.of("UTC"), "utc");

		assertThat(FreezeWindows.isActive(utc, YEAR_END_START)).isFalse();
		assertThat(FreezeWindows.isActive(utc, Instant.parse("2027-12-24T00:00:00Z"))).isTrue();
	}

	@ParameterizedTest(name = "{0} → {1}")
	@CsvSource({ "2026-06-08T06:59:59Z, false", // Monday 08:59:59 in Berlin (CEST)
			"2026-06-08T07:00:00Z, true", // Monday 09:00
			"2026-06-12T14:59:59Z, true", // Friday 16:59:59
			"2026-06-12T15:00:00Z, false", // Friday 17:00
			"2026-06-13T10:00:00Z, false" // Saturday noon
	})
	void isActiveWhenWeeklyOfficeHoursThenOnlyOnItsDaysFromInclusiveToExclusive(Instant at, boolean active) {
		Freeze officeHours = weekly(
				Set.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY, DayOfWeek.FRIDAY),
				"09:00", "17:00", BERLIN);

		assertThat(FreezeWindows.isActive(officeHours, at)).isEqualTo(active);
	}

	@ParameterizedTest(name = "{0} → {1}")
	@CsvSource({ "2026-06-12T19:59:59Z, false", // Friday 21:59:59 in Berlin
			"2026-06-12T20:00:00Z, true", // Friday 22:00
			"2026-06-12T22:30:00Z, true", // Saturday 00:30, the night of Friday
			"2026-06-13T03:59:59Z, true", // Saturday 05:59:59
			"2026-06-13T04:00:00Z, false", // Saturday 06:00
			"2026-06-13T21:00:00Z, false", // Saturday 23:00: Saturday is not a freeze day
			"2026-06-12T01:00:00Z, false", // Friday 03:00: the night of Thursday
			"2026-06-11T21:00:00Z, false" // Thursday 23:00
	})
	void isActiveWhenWeeklyPastMidnightThenFromTheDaysEveningToTheNextMorning(Instant at, boolean active) {
		Freeze fridayNight = weekly(Set.of(DayOfWeek.FRIDAY), "22:00", "06:00", BERLIN);

		assertThat(FreezeWindows.isActive(fridayNight, at)).isEqualTo(active);
	}

	@Test
	void isActiveWhenWeeklySundayNightThenRunsIntoMonday() {
		Freeze sundayNight = weekly(Set.of(DayOfWeek.SUNDAY), "22:00", "02:00", BERLIN);

		assertThat(FreezeWindows.isActive(sundayNight, Instant.parse("2026-06-14T23:00:00Z"))).isTrue();
		assertThat(FreezeWindows.isActive(sundayNight, Instant.parse("2026-06-15T00:00:00Z"))).isFalse();
	}

	@Test
	void isActiveWhenWeeklyInAnotherZoneThenItsLocalTimeCounts() {
		Freeze tokyoMornings = weekly(Set.of(DayOfWeek.MONDAY), "08:00", "10:00", ZoneId.of("Asia/Tokyo"));

		// Sunday 23:30 UTC is Monday 08:30 in Tokyo.
		assertThat(FreezeWindows.isActive(tokyoMornings, Instant.parse("2026-06-14T23:30:00Z"))).isTrue();
		assertThat(FreezeWindows.isActive(tokyoMornings, Instant.parse("2026-06-15T08:30:00Z"))).isFalse();
	}

	@Test
	void isActiveWhenWeeklyWindowSpansTheSpringForwardGapThenTheHourAfterItIsFrozen() {
		// 2026-03-29: Berlin clocks jump from 02:00 CET to 03:00 CEST.
		Freeze earlySunday = weekly(Set.of(DayOfWeek.SUNDAY), "01:00", "04:00", BERLIN);

		assertThat(FreezeWindows.isActive(earlySunday, Instant.parse("2026-03-29T00:30:00Z"))).isTrue(); // 01:30
		assertThat(FreezeWindows.isActive(earlySunday, Instant.parse("2026-03-29T01:30:00Z"))).isTrue(); // 03:30
		assertThat(FreezeWindows.isActive(earlySunday, Instant.parse("2026-03-29T02:00:00Z"))).isFalse(); // 04:00
	}

	@Test
	void isActiveWhenWeeklyWindowCoversTheRepeatedAutumnHourThenBothPassesAreFrozen() {
		// 2026-10-25: Berlin clocks go back from 03:00 CEST to 02:00 CET; 02:30 happens
		// twice.
		Freeze earlySunday = weekly(Set.of(DayOfWeek.SUNDAY), "02:00", "03:00", BERLIN);

		assertThat(FreezeWindows.isActive(earlySunday, Instant.parse("2026-10-25T00:30:00Z"))).isTrue();
		assertThat(FreezeWindows.isActive(earlySunday, Instant.parse("2026-10-25T01:30:00Z"))).isTrue();
		assertThat(FreezeWindows.isActive(earlySunday, Instant.parse("2026-10-25T02:00:00Z"))).isFalse();
	}

	@Test
	void isActiveWhenOneOffSpansTheSpringForwardChangeThenItLastsOneHourLess() {
		Freeze day = once("2026-03-28T12:00", "2026-03-29T12:00", BERLIN);
		Instant start = Instant.parse("2026-03-28T11:00:00Z");

		assertThat(FreezeWindows.isActive(day, start.plus(Duration.ofHours(23)).minusMillis(1))).isTrue();
		assertThat(FreezeWindows.isActive(day, start.plus(Duration.ofHours(23)))).isFalse();
	}

	@Test
	void activeAtWhenSeveralWindowsThenTheFirstInForce() {
		Freeze officeHours = weekly(Set.of(DayOfWeek.WEDNESDAY), "09:00", "17:00", BERLIN);
		Freeze yearEnd = once("2027-12-24T00:00", "2028-01-02T00:00", BERLIN);
		Freeze always = once("2000-01-01T00:00", "2100-01-01T00:00", BERLIN);

		assertThat(FreezeWindows.activeAt(List.of(yearEnd, officeHours, always), OperationCatalogue.USER_UPDATE,
				TestPolicyRequests.WEDNESDAY_NOON_BERLIN))
			.contains(officeHours);
		assertThat(FreezeWindows.activeAt(List.of(yearEnd), OperationCatalogue.USER_UPDATE,
				TestPolicyRequests.WEDNESDAY_NOON_BERLIN))
			.isEmpty();
	}

	@Test
	void describeThenNamesTheWindowAndItsZone() {
		assertThat(FreezeWindows.describe(once("2027-12-24T00:00", "2028-01-02T00:00", BERLIN)))
			.isEqualTo("'freeze' from 2027-12-24T00:00 to 2028-01-02T00:00 Europe/Berlin");
		assertThat(FreezeWindows.describe(weekly(Set.of(DayOfWeek.FRIDAY), "22:00", "06:00", BERLIN)))
			.isEqualTo("'freeze' weekly on [FRIDAY] from 22:00 to 06:00 Europe/Berlin");
	}

	@Test
	void freezeWhenBothOnceAndWeeklyThenInvalid() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new Freeze(LocalDateTime.parse("2027-12-24T00:00"),
					LocalDateTime.parse("2028-01-02T00:00"), Set.of(DayOfWeek.FRIDAY), LocalTime.parse("22:00"),
					LocalTime.parse("06:00"), BERLIN, "both"))
			.withMessageContaining("not both");
	}

	@Test
	void freezeWhenEndNotAfterStartThenInvalid() {
		assertThatIllegalArgumentException().isThrownBy(() -> once("2028-01-02T00:00", "2027-12-24T00:00", BERLIN))
			.withMessageContaining("start before end");
	}

	@Test
	void activeAtWhenWeeklyFromEqualsToThenTheWholeDayIsFrozen() {
		Freeze saturdays = weekly(Set.of(DayOfWeek.SATURDAY), "00:00", "00:00", BERLIN);

		// 2027-01-02 is a Saturday.
		assertThat(FreezeWindows.isActive(saturdays, ZonedDateTime.of(2027, 1, 2, 0, 0, 0, 0, BERLIN).toInstant()))
			.isTrue();
		assertThat(FreezeWindows.isActive(saturdays, ZonedDateTime.of(2027, 1, 2, 23, 59, 59, 0, BERLIN).toInstant()))
			.isTrue();
		assertThat(FreezeWindows.isActive(saturdays, ZonedDateTime.of(2027, 1, 3, 0, 0, 0, 0, BERLIN).toInstant()))
			.isFalse();
		assertThat(FreezeWindows.isActive(saturdays, ZonedDateTime.of(2027, 1, 1, 23, 59, 59, 0, BERLIN).toInstant()))
			.isFalse();
	}

	private static Freeze once(String start, String end, ZoneId zone) {
		return new Freeze(LocalDateTime.parse(start), LocalDateTime.parse(end), null, null, null, zone, "freeze");
	}

	private static Freeze weekly(Set<DayOfWeek> days, String from, String to, ZoneId zone) {
		return new Freeze(null, null, days, LocalTime.parse(from), LocalTime.parse(to), zone, "freeze");
	}

}
