"""The session builder: entries into clusters by count, by field, units kept apart."""

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.clusters import ClusterError, EntryInfo, build_sessions


def entries_of(units_and_fields):
    return [
        EntryInfo(key=i, unit=unit, field=field) for i, (unit, field) in enumerate(units_and_fields)
    ]


def test_35_teams_in_7_clusters_of_5():
    entries = entries_of([(f"u{i % 20}", "") for i in range(35)])
    sessions = build_sessions(entries, 7)
    assert [len(s) for s in sessions] == [5] * 7
    assert sorted(k for s in sessions for k in s) == list(range(35))


def test_a_units_entries_are_spread_over_the_sessions():
    # Unit A has 6 entries, B 3: with 3 sessions, A has 2 in each, B 1 in each.
    entries = entries_of([("A", "")] * 6 + [("B", "")] * 3)
    sessions = build_sessions(entries, 3)
    unit_of = {e.key: e.unit for e in entries}
    for session in sessions:
        assert Counter(unit_of[k] for k in session) == {"A": 2, "B": 1}


def test_by_field_keeps_a_field_together_and_shares_sessions_by_size():
    entries = entries_of(
        [(f"u{i}", "economy") for i in range(8)]
        + [(f"v{i}", "culture") for i in range(4)]
        + [("w0", "defence")]
    )
    sessions = build_sessions(entries, 3, by_field=True)
    field_of = {e.key: e.field for e in entries}
    fields = [Counter(field_of[k] for k in session) for session in sessions]
    # Economy (8) gets two sessions, culture (4) one; defence (1) is too small for one of its
    # own and joins the smallest.
    assert sorted(sum(f.values()) for f in fields) == [4, 4, 5]
    assert sum(1 for f in fields if set(f) == {"economy"}) == 2
    assert any(f == {"culture": 4, "defence": 1} for f in fields)


def test_impossible_requests_are_refused():
    with pytest.raises(ClusterError):
        build_sessions(entries_of([("A", "")] * 3), 4)
    with pytest.raises(ClusterError):
        build_sessions(entries_of([("A", "")] * 3), 0)


@settings(max_examples=200, deadline=None)
@given(
    units=st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=60),
    data=st.data(),
)
def test_sizes_are_even_and_units_as_spread_as_they_can_be(units, data):
    sessions_count = data.draw(st.integers(min_value=1, max_value=len(units)))
    entries = entries_of([(u, "") for u in units])
    sessions = build_sessions(entries, sessions_count)
    sizes = [len(s) for s in sessions]
    assert max(sizes) - min(sizes) <= 1
    assert sorted(k for s in sessions for k in s) == list(range(len(units)))
    per_unit = Counter(units)
    for session in sessions:
        held = Counter(units[k] for k in session)
        for unit, count in held.items():
            assert count <= math.ceil(per_unit[unit] / sessions_count)
    # Deterministic.
    assert build_sessions(list(reversed(entries)), sessions_count) == sessions
