from decimal import Decimal as D

from scoring.snapshots import Line, diff_standings


def test_first_snapshot_has_nothing_to_compare():
    assert diff_standings(None, {"A": Line(D(1), D(9), 3)}, current_sheets=3) == {
        "first": True,
        "sheets_added": 3,
    }


def test_rank_and_score_changes_and_sheets_added():
    before = {
        "A": Line(D(1), D("9.00"), 2),
        "B": Line(D(2), D("8.00"), 2),
        "C": Line(D(3), D(7), 2),
    }
    after = {"A": Line(D(2), D("8.50"), 3), "B": Line(D(1), D("8.75"), 3), "D": Line(D(3), D(6), 1)}
    diff = diff_standings(before, after, previous_sheets=6, current_sheets=7)
    assert diff["sheets_added"] == 1
    assert diff["rank_changes"] == [
        {"entry": "A", "from": "1", "to": "2"},
        {"entry": "B", "from": "2", "to": "1"},
    ]
    assert [c["entry"] for c in diff["score_changes"]] == ["A", "B"]
    assert diff["added"] == ["D"] and diff["removed"] == ["C"]
