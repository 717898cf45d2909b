"""Planned times of a running order: presentations one after another, a changeover between
two, and the breaks inserted after given places. Pure."""

from collections.abc import Mapping
from datetime import datetime, timedelta


def planned_times(
    start: datetime,
    count: int,
    slot_minutes: int,
    changeover_minutes: int,
    breaks: Mapping[int, int] | None = None,
) -> list[tuple[datetime, datetime]]:
    """(start, end) of each of ``count`` presentations; ``breaks`` maps a place to the minutes
    of the break after it (instead of the changeover)."""
    breaks = breaks or {}
    times = []
    step = timedelta(minutes=slot_minutes)
    for position in range(1, count + 1):
        end = start + step
        times.append((start, end))
        pause = breaks.get(position)
        start = end + timedelta(minutes=pause if pause is not None else changeover_minutes)
    return times


def session_end(
    start: datetime,
    count: int,
    slot_minutes: int,
    changeover_minutes: int,
    breaks: Mapping[int, int] | None = None,
) -> datetime:
    """When the last of ``count`` presentations ends (the start itself for none)."""
    times = planned_times(start, count, slot_minutes, changeover_minutes, breaks)
    return times[-1][1] if times else start
