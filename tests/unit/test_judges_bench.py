"""The load benchmark's own arithmetic (tests/bench/judges_client.py): the open loop's pacing,
and the count of lost and duplicated sheets that it and the database-restart test report."""

from decimal import Decimal

from tests.bench.judges_client import (
    attempts_for,
    judge_rng,
    lost_and_duplicated,
    marks_for,
    open_loop_slots,
)

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


def test_the_open_loop_fills_every_slot_once_in_each_judge_s_order():
    judges, entries, seed = 100, list(range(30)), 2
    slots = open_loop_slots(judges, len(entries), seed)
    sent = {
        judge: list(attempts_for(judge, entries, 1, judge_rng(seed, judge)))
        for judge in range(judges)
    }
    # As many slots as requests, judge by judge, so zip(..., strict=True) holds in the client.
    assert {judge: len(s) for judge, s in slots.items()} == {j: len(a) for j, a in sent.items()}
    assert any(len(a) != len(entries) for a in sent.values())  # retries and stale attempts
    every = sorted(slot for judge_slots in slots.values() for slot in judge_slots)
    assert every == list(range(len(every)))  # one request per slot, none empty: an even rate
    assert all(s == sorted(s) for s in slots.values())
    # Judges take turns: within any 100 consecutive slots of the first round, all judges.
    assert {judge for judge, s in slots.items() if s[0] < judges} == set(range(judges))
