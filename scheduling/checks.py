"""Graded problems of a schedule, and what changed between two published versions.

Pure: plain data in, plain data out (scheduling.selectors gathers the data, scheduling.services
words the problems for people). Every kind of problem has a severity that a round can set:
"blocking" (the schedule cannot be published), "warning" (shown, published over) or "off".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

BLOCKING, WARNING, OFF = "blocking", "warning", "off"
SEVERITIES = (BLOCKING, WARNING, OFF)

ROOM_DOUBLE_BOOKED = "room_double_booked"
JUDGE_DOUBLE_BOOKED = "judge_double_booked"
PRESENTER_DOUBLE_BOOKED = "presenter_double_booked"
JUDGE_OWN_UNIT = "judge_own_unit"
PANEL_TOO_SMALL = "panel_too_small"
ROOM_UNAVAILABLE = "room_unavailable"

DEFAULT_SEVERITY = {
    ROOM_DOUBLE_BOOKED: BLOCKING,
    JUDGE_DOUBLE_BOOKED: BLOCKING,
    PRESENTER_DOUBLE_BOOKED: BLOCKING,
    # The judge is left out of that entry's scoring automatically; the panel is one short.
    JUDGE_OWN_UNIT: WARNING,
    PANEL_TOO_SMALL: BLOCKING,
    ROOM_UNAVAILABLE: WARNING,
}


@dataclass(frozen=True)
class Presentation:
    entry: Hashable
    unit: Hashable
    start: datetime.datetime
    end: datetime.datetime
    presenters: frozenset = frozenset()
    title: str = ""


@dataclass(frozen=True)
class Sitting:
    """A session as the checks see it: where, when, who judges, who presents."""

    key: Hashable
    name: str
    start: datetime.datetime
    end: datetime.datetime
    room: Hashable | None = None
    judges: frozenset = frozenset()
    panel_minimum: int = 0
    presentations: tuple[Presentation, ...] = ()


@dataclass(frozen=True)
class RoomHours:
    key: Hashable
    name: str
    available_from: datetime.datetime | None = None
    available_until: datetime.datetime | None = None


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str
    # What it is about, by key: sessions, and the judge, presenter, room or entry concerned.
    sessions: tuple = ()
    subject: Hashable | None = None
    details: Mapping = field(default_factory=dict)


def severities_for(overrides: Mapping[str, str] | None) -> dict[str, str]:
    severities = dict(DEFAULT_SEVERITY)
    for code, severity in (overrides or {}).items():
        if code in severities and severity in SEVERITIES:
            severities[code] = severity
    return severities


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def find_problems(
    sittings: Sequence[Sitting],
    rooms: Iterable[RoomHours] = (),
    judge_units: Mapping[Hashable, Iterable[Hashable]] | None = None,
    severities: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every problem of the schedule, most serious first, each once."""
    severity = severities_for(severities)
    judge_units = {judge: set(units) for judge, units in (judge_units or {}).items()}
    found: list[Problem] = []

    def add(code: str, **kwargs) -> None:
        if severity[code] != OFF:
            found.append(Problem(code, severity[code], **kwargs))

    ordered = sorted(sittings, key=lambda s: (s.start, str(s.key)))
    for a, b in combinations(ordered, 2):
        if not _overlap(a.start, a.end, b.start, b.end):
            continue
        pair = (a.key, b.key)
        if a.room is not None and a.room == b.room:
            add(ROOM_DOUBLE_BOOKED, sessions=pair, subject=a.room)
        for judge in sorted(a.judges & b.judges, key=str):
            add(JUDGE_DOUBLE_BOOKED, sessions=pair, subject=judge)
    # A presenter in two places at once: their presentations, wherever they are.
    by_presenter: dict[Hashable, list[tuple[Sitting, Presentation]]] = defaultdict(list)
    for sitting in ordered:
        for presentation in sitting.presentations:
            for person in presentation.presenters:
                by_presenter[person].append((sitting, presentation))
    for person, places in sorted(by_presenter.items(), key=lambda item: str(item[0])):
        for (s1, p1), (s2, p2) in combinations(places, 2):
            # One session runs its presentations one after another, even before the draw
            # gives them their times.
            if s1.key != s2.key and _overlap(p1.start, p1.end, p2.start, p2.end):
                add(
                    PRESENTER_DOUBLE_BOOKED,
                    sessions=(s1.key, s2.key),
                    subject=person,
                    details={"entries": (p1.entry, p2.entry)},
                )
    for sitting in ordered:
        if len(sitting.judges) < sitting.panel_minimum:
            add(
                PANEL_TOO_SMALL,
                sessions=(sitting.key,),
                details={"judges": len(sitting.judges), "minimum": sitting.panel_minimum},
            )
        for judge in sorted(sitting.judges, key=str):
            own = [p.entry for p in sitting.presentations if p.unit in judge_units.get(judge, ())]
            if own:
                add(
                    JUDGE_OWN_UNIT,
                    sessions=(sitting.key,),
                    subject=judge,
                    details={"entries": tuple(own)},
                )
    hours = {room.key: room for room in rooms}
    for sitting in ordered:
        room = hours.get(sitting.room)
        if room is None:
            continue
        early = room.available_from is not None and sitting.start < room.available_from
        late = room.available_until is not None and sitting.end > room.available_until
        if early or late:
            add(ROOM_UNAVAILABLE, sessions=(sitting.key,), subject=room.key)
    rank = {BLOCKING: 0, WARNING: 1}
    return sorted(found, key=lambda p: rank[p.severity])


def schedule_changes(before: Mapping | None, after: Mapping) -> list[dict]:
    """What changed between two schedule snapshots, entry by entry and session by session:
    [{"kind": ..., ...}] with kinds "added", "removed", "moved" (another session), "reordered"
    (another place), "retimed" (another planned time), "session_moved" (another room or start),
    "panel_changed" (judges in or out)."""
    if before is None:
        return []
    changes: list[dict] = []
    old_sessions = {s["id"]: s for s in before.get("sessions", [])}
    new_sessions = {s["id"]: s for s in after.get("sessions", [])}
    for key, new in new_sessions.items():
        old = old_sessions.get(key)
        if old is None:
            continue
        if (old.get("room"), old.get("starts_at")) != (new.get("room"), new.get("starts_at")):
            changes.append(
                {
                    "kind": "session_moved",
                    "session": new["name"],
                    "before": [old.get("room"), old.get("starts_at")],
                    "after": [new.get("room"), new.get("starts_at")],
                }
            )
        joined = sorted(set(new.get("judges", [])) - set(old.get("judges", [])))
        left = sorted(set(old.get("judges", [])) - set(new.get("judges", [])))
        if joined or left:
            changes.append(
                {"kind": "panel_changed", "session": new["name"], "joined": joined, "left": left}
            )

    def places(snapshot_sessions):
        return {
            slot["entry"]: (session["id"], session["name"], slot)
            for session in snapshot_sessions.values()
            for slot in session.get("slots", [])
        }

    old_places, new_places = places(old_sessions), places(new_sessions)
    for entry in sorted(set(old_places) | set(new_places)):
        old, new = old_places.get(entry), new_places.get(entry)
        if old is None:
            changes.append({"kind": "added", "entry": entry, "session": new[1]})
        elif new is None:
            changes.append({"kind": "removed", "entry": entry, "session": old[1]})
        elif old[0] != new[0]:
            changes.append({"kind": "moved", "entry": entry, "before": old[1], "after": new[1]})
        elif old[2].get("position") != new[2].get("position"):
            changes.append(
                {
                    "kind": "reordered",
                    "entry": entry,
                    "session": new[1],
                    "before": old[2].get("position"),
                    "after": new[2].get("position"),
                }
            )
        elif old[2].get("start") != new[2].get("start"):
            changes.append(
                {
                    "kind": "retimed",
                    "entry": entry,
                    "session": new[1],
                    "before": old[2].get("start"),
                    "after": new[2].get("start"),
                }
            )
    return changes
