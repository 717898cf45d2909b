"""The count of lost and duplicated sheets that the load benchmark and the database-restart
test report: it must see every way a sheet can go missing or be doubled."""

from decimal import Decimal

from tests.bench.judges_client import lost_and_duplicated, marks_for

JUDGES = [101, 102]
ENTRIES = [7, 8]


def sent(number: int, entry: int) -> dict:
    return {code: Decimal(value) for code, value in marks_for(number, entry).items()}


def everything_arrived():
    sheets = [(1, 101, 7), (2, 101, 8), (3, 102, 7), (4, 102, 8)]
    events = {1: 1, 2: 1, 3: 1, 4: 1}
    marks = {1: sent(0, 7), 2: sent(0, 8), 3: sent(1, 7), 4: sent(1, 8)}
    return sheets, events, marks


def test_everything_arrived_once():
    assert lost_and_duplicated(*everything_arrived(), JUDGES, ENTRIES) == {
        "lost": 0,
        "duplicated": 0,
    }


def test_a_missing_sheet_a_missing_event_and_other_marks_are_lost():
    sheets, events, marks = everything_arrived()
    sheets.remove((4, 102, 8))  # never arrived
    del events[2]  # saved without its audit event
    marks[3] = sent(1, 8)  # another entry's marks
    assert lost_and_duplicated(sheets, events, marks, JUDGES, ENTRIES) == {
        "lost": 3,
        "duplicated": 0,
    }


def test_a_second_sheet_and_a_second_event_are_duplicates():
    sheets, events, marks = everything_arrived()
    sheets.append((5, 101, 7))  # the same judge × entry twice
    events[5] = 1
    events[3] = 2  # one change audited twice
    assert lost_and_duplicated(sheets, events, marks, JUDGES, ENTRIES) == {
        "lost": 0,
        "duplicated": 2,
    }
