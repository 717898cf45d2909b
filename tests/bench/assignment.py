"""Judge assignment (scheduling/assignment.py) for a bloc-sized preliminary round: 500 entries
from 68 units in 25 parallel sessions of 20 entries, 60 judges (24 able to head a panel), each
from one of those units and some declaring conflicts with one or two more units.

The sessions sit in three overlapping waves, as on a day with 17 rooms: 9 sessions from 08:00
to 11:30, 8 from 10:00 to 14:00, 8 from 13:30 to 17:00; at 10:00, 17 panels sit at once, at
13:30, 16. Panels have 3 judges: 75 seats for 60 judges, so loads differ
and the balance matters. Times are minutes from 00:00.

The pure algorithm is timed (no database): one warm-up run, then the best and the median of
several runs; every result is checked against the hard rules outside the timing.
"""

from __future__ import annotations

import random
import statistics
import time

from scheduling.assignment import (
    Assignment,
    Infeasible,
    JudgeInfo,
    PanelNeed,
    Sitting,
    assign_judges,
    violations,
)

WAVES = [(9, 8 * 60, 11 * 60 + 30), (8, 10 * 60, 14 * 60), (8, 13 * 60 + 30, 17 * 60)]


def bloc_round(
    entries: int = 500, units: int = 68, judges: int = 60, heads: int = 24, seed: int = 2019
) -> tuple[list[PanelNeed], list[JudgeInfo]]:
    rng = random.Random(seed)
    entry_units = [rng.randrange(units) for _ in range(entries)]
    sessions = sum(count for count, _start, _end in WAVES)
    per_session, extra = divmod(entries, sessions)
    panels = []
    first = 0
    index = 0
    for count, start, end in WAVES:
        for _ in range(count):
            last = first + per_session + (1 if index < extra else 0)
            ids = range(first, last)
            panels.append(
                PanelNeed(
                    key=index,
                    name=f"Cụm {index + 1}",
                    size=3,
                    sittings=(Sitting(start, end),),
                    entries=frozenset(ids),
                    units=frozenset(entry_units[e] for e in ids),
                )
            )
            first, index = last, index + 1
    pool = [
        JudgeInfo(
            key=f"j{j}",
            name=f"Giám khảo {j}",
            units=frozenset({rng.randrange(units)}),
            head_capable=j < heads,
            conflict_units=frozenset(rng.sample(range(units), rng.choice((0, 0, 1, 2)))),
        )
        for j in range(judges)
    ]
    return panels, pool


def bench_assignment(emit, runs: int = 5) -> None:
    panels, judges = bloc_round()
    figures = {
        "sessions": len(panels),
        "judges": len(judges),
        "entries": sum(len(panel.entries) for panel in panels),
        "seats": sum(panel.size for panel in panels),
    }
    try:
        assign_judges(panels, judges)  # warm-up: imports, solver start
    except Infeasible as error:
        emit("judge_assignment_500_entries", None, "s", status="infeasible", reason=str(error))
        return
    timings: list[float] = []
    result: Assignment | None = None
    for _ in range(runs):
        started = time.perf_counter()
        result = assign_judges(panels, judges)
        timings.append(time.perf_counter() - started)
    broken = violations(panels, judges, result)
    loads = [load for load in result.load.values()]
    emit(
        "judge_assignment_500_entries",
        statistics.median(timings),
        "s",
        best=round(min(timings), 4),
        runs=runs,
        goal=1.0,
        **figures,
        status=result.status,
        objective=result.objective,
        max_load=max(loads),
        min_load=min(loads),
        judges_seated=sum(1 for load in loads if load),
        violations=len(broken),
    )
