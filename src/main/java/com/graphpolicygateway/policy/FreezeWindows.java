package com.graphpolicygateway.policy;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;

import com.graphpolicygateway.policy.PolicyFile.Freeze;

/**
 * Finds the change-freeze window, one-off or weekly, that is in force at a moment (for an
 * operation, when the window names operations).
 */
final class FreezeWindows {

	private FreezeWindows() {
	}

	/**
	 * The window in force at a moment that freezes the operation (a window without
	 * {@code operations} freezes all).
	 */
	static Optional<Freeze> activeAt(List<Freeze> freezes, String operationId, Instant at) {
		return freezes.stream().filter((freeze) -> freeze.freezes(operationId) && isActive(freeze, at)).findFirst();
	}

	static boolean isActive(Freeze freeze, Instant at) {
		ZonedDateTime local = at.atZone(freeze.zone());
		if (freeze.start() != null && freeze.end() != null) {
			Instant start = freeze.start().atZone(freeze.zone()).toInstant();
			Instant end = freeze.end().atZone(freeze.zone()).toInstant();
			return !at.isBefore(start) && at.isBefore(end);
		}
		LocalTime time = local.toLocalTime();
		LocalTime from = freeze.from();
		LocalTime to = freeze.to();
		if (from.equals(to)) {
			return freeze.days().contains(local.getDayOfWeek());
		}
		if (from.isBefore(to)) {
			return freeze.days().contains(local.getDayOfWeek()) && !time.isBefore(from) && time.isBefore(to);
		}
		// Past midnight: from the start day's evening to the next day's morning.
		return (freeze.days().contains(local.getDayOfWeek()) && !time.isBefore(from))
				|| (freeze.days().contains(local.getDayOfWeek().minus(1)) && time.isBefore(to));
	}

	static String describe(Freeze freeze) {
		String label = (freeze.name() != null) ? "'" + freeze.name() + "' " : "";
		if (freeze.start() != null) {
			return label + "from " + freeze.start() + " to " + freeze.end() + " " + freeze.zone();
		}
		return label + "weekly on " + freeze.days() + " from " + freeze.from() + " to " + freeze.to() + " "
				+ freeze.zone();
	}

}
