"""Every graded problem of a schedule, each triggered on its own; and the change list between
two published versions."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduling import checks
from scheduling.checks import Presentation, RoomHours, Sitting, find_problems, schedule_changes
from scheduling.timing import planned_times, session_end

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
EIGHT = datetime(2019, 10, 5, 8, 0, tzinfo=HANOI)


def at(minutes: int) -> datetime:
    return EIGHT + timedelta(minutes=minutes)


def sitting(key, start, end, *, room=None, judges=(), minimum=0, presentations=()):
    return Sitting(
        key=key,
        name=f"S{key}",
        start=at(start),
        end=at(end),
        room=room,
        judges=frozenset(judges),
        panel_minimum=minimum,
        presentations=tuple(presentations),
    )


def talk(entry, unit, start, end, presenters=()):
    return Presentation(entry, unit, at(start), at(end), frozenset(presenters))


def codes(problems):
    return [(p.code, p.severity) for p in problems]


def test_a_clean_schedule_has_no_problem():
    schedule = [
        sitting(1, 0, 60, room="A", judges={"j1", "j2", "j3"}, minimum=3),
        sitting(2, 0, 60, room="B", judges={"j4", "j5", "j6"}, minimum=3),
        sitting(3, 60, 120, room="A", judges={"j1", "j2", "j3"}, minimum=3),
    ]
    assert find_problems(schedule) == []


def test_a_room_used_twice_at_once():
    problems = find_problems([sitting(1, 0, 60, room="A"), sitting(2, 30, 90, room="A")])
    assert codes(problems) == [(checks.ROOM_DOUBLE_BOOKED, "blocking")]
    assert problems[0].sessions == (1, 2) and problems[0].subject == "A"


def test_a_judge_in_two_sessions_at_once():
    problems = find_problems([sitting(1, 0, 60, judges={"j1"}), sitting(2, 59, 90, judges={"j1"})])
    assert codes(problems) == [(checks.JUDGE_DOUBLE_BOOKED, "blocking")]
    assert problems[0].subject == "j1"


def test_back_to_back_is_not_at_once():
    assert (
        find_problems([sitting(1, 0, 60, judges={"j1"}), sitting(2, 60, 90, judges={"j1"})]) == []
    )


def test_a_presenter_in_two_places_at_once():
    first = sitting(1, 0, 60, presentations=[talk("e1", "u1", 0, 15, {"p1"})])
    second = sitting(2, 0, 60, presentations=[talk("e2", "u2", 10, 25, {"p1"})])
    later = sitting(3, 0, 60, presentations=[talk("e3", "u3", 30, 45, {"p1"})])
    problems = find_problems([first, second, later])
    assert codes(problems) == [(checks.PRESENTER_DOUBLE_BOOKED, "blocking")]
    assert problems[0].details == {"entries": ("e1", "e2")}


def test_a_judge_scoring_their_own_unit():
    room = sitting(1, 0, 60, judges={"j1", "j2"}, presentations=[talk("e1", "u1", 0, 15)])
    problems = find_problems([room], judge_units={"j1": {"u1"}})
    assert codes(problems) == [(checks.JUDGE_OWN_UNIT, "warning")]
    assert problems[0].subject == "j1" and problems[0].details == {"entries": ("e1",)}


def test_a_panel_below_its_minimum_size():
    problems = find_problems([sitting(1, 0, 60, judges={"j1", "j2"}, minimum=3)])
    assert codes(problems) == [(checks.PANEL_TOO_SMALL, "blocking")]
    assert problems[0].details == {"judges": 2, "minimum": 3}


def test_a_session_running_past_its_rooms_availability():
    hours = [RoomHours("A", "Hội trường A", available_from=at(0), available_until=at(240))]
    assert find_problems([sitting(1, 0, 240, room="A")], hours) == []
    problems = find_problems([sitting(1, 200, 260, room="A")], hours)
    assert codes(problems) == [(checks.ROOM_UNAVAILABLE, "warning")]


def test_severities_are_configurable_and_blocking_ones_come_first():
    schedule = [
        sitting(1, 0, 60, room="A", judges={"j1"}, presentations=[talk("e1", "u1", 0, 15)]),
        sitting(2, 30, 90, room="A"),
    ]
    overrides = {checks.ROOM_DOUBLE_BOOKED: "warning", checks.JUDGE_OWN_UNIT: "blocking"}
    problems = find_problems(schedule, judge_units={"j1": {"u1"}}, severities=overrides)
    assert codes(problems) == [
        (checks.JUDGE_OWN_UNIT, "blocking"),
        (checks.ROOM_DOUBLE_BOOKED, "warning"),
    ]
    off = find_problems(
        schedule,
        judge_units={"j1": {"u1"}},
        severities={checks.ROOM_DOUBLE_BOOKED: "off", checks.JUDGE_OWN_UNIT: "off"},
    )
    assert off == []
    # Unknown codes and values are ignored, never trusted.
    assert checks.severities_for({"nonsense": "off", checks.ROOM_DOUBLE_BOOKED: "loud"}) == (
        checks.DEFAULT_SEVERITY
    )


def test_breaks_move_the_planned_times():
    times = planned_times(EIGHT, 4, 15, 3, {2: 20})
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in times] == [
        ("08:00", "08:15"),
        ("08:18", "08:33"),
        ("08:53", "09:08"),
        ("09:11", "09:26"),
    ]
    assert session_end(EIGHT, 4, 15, 3, {2: 20}) == at(86)
    assert session_end(EIGHT, 0, 15, 3) == EIGHT


def snapshot(*sessions):
    return {"sessions": list(sessions)}


def session(key, slots, room="A", judges=(1, 2, 3), starts_at="2019-10-05T08:00:00+07:00"):
    return {
        "id": key,
        "name": f"Cụm {key}",
        "room": room,
        "starts_at": starts_at,
        "judges": list(judges),
        "slots": [
            {"entry": entry, "position": position, "start": start}
            for entry, position, start in slots
        ],
    }


def test_the_change_list_between_two_versions():
    before = snapshot(
        session(1, [(10, 1, "08:00"), (11, 2, "08:18"), (12, 3, "08:36")]),
        session(2, [(20, 1, "08:00"), (21, 2, "08:18")], room="B"),
    )
    after = snapshot(
        session(1, [(11, 1, "08:00"), (10, 2, "08:18"), (13, 3, "08:36")], judges=(1, 2, 4)),
        session(2, [(20, 1, "08:10"), (21, 2, "08:28"), (12, 3, "08:46")], room="C"),
    )
    changes = schedule_changes(before, after)
    kinds = {(c["kind"], c.get("entry", c.get("session"))) for c in changes}
    assert kinds == {
        ("panel_changed", "Cụm 1"),
        ("session_moved", "Cụm 2"),
        ("reordered", 10),
        ("reordered", 11),
        ("added", 13),
        ("moved", 12),
        ("retimed", 20),
        ("retimed", 21),
    }
    assert next(c for c in changes if c["kind"] == "panel_changed") == {
        "kind": "panel_changed",
        "session": "Cụm 1",
        "joined": [4],
        "left": [3],
    }
    assert schedule_changes(None, after) == []
    assert schedule_changes(after, after) == []


def test_two_entries_of_one_presenter_in_one_session_follow_each_other():
    # Before the draw every presentation spans its whole session; they still come one after
    # the other, so this is no clash.
    one = sitting(
        1, 0, 60, presentations=[talk("e1", "u1", 0, 60, {"p1"}), talk("e2", "u1", 0, 60, {"p1"})]
    )
    assert find_problems([one]) == []
