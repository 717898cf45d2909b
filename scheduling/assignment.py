"""Judge assignment for the parallel panels of a round. Pure: plain data in, plain data out, no
ORM, so it is fast and easy to test.

The problem. Each panel sits in one or more sittings (its sessions) and sees a set of entries
from a set of units. Each judge has their own units, may be able to head a panel, may have
declared conflicts with entries or units, and may be available only at some times.

Variables: x[j, p] = 1 when judge j sits on panel p, created only where j is *eligible* for p
(no entry of j's own unit on p, no declared conflict with p's entries or their units, free for
all of p's sittings), so the conflict-of-interest rule holds by construction.

Hard constraints:
- every panel gets exactly `size` judges;
- every panel gets at least one judge able to head it (one of them is then named head);
- no judge sits on two panels whose sittings overlap in time (one "at most one" constraint
  per judge and per set of panels sitting at the same moment).

Objective (minimised, weighted in this order): the largest number of entries a judge scores
(twice) less the smallest, so loads are balanced; the largest number of experienced
(head-capable) judges on one panel, so they are spread; then, when a previous assignment is
given, one point per seat of it not kept. Counting bounds on the largest and smallest loads
(`load_bounds`) are handed to the solver, which then proves optimality at once.

Solved with OR-Tools CP-SAT, deterministically: a fixed seed, one worker and a limit on the
solver's deterministic time (the wall-time limit is a safety net only). When there is no valid
assignment, `Infeasible` names the rule that cannot be met: first cheap counting checks (a
panel's eligible judges, its possible heads, the judges free for panels that sit at the same
time, by maximum flow), then, if the solver still finds none, an unsatisfiable core of the
rules (CP-SAT assumptions), shrunk to a minimal one.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, Any

# OR-Tools (with pandas) is imported where a solver runs, not with the module: otherwise
# every web and worker process would carry some 70 MB it never uses.
if TYPE_CHECKING:
    from ortools.sat.python import cp_model

LOAD_WEIGHT = 100  # per entry: 2 × the largest load − the smallest
EXPERIENCE_WEIGHT = 20  # per experienced judge on the panel that has the most
STABILITY_WEIGHT = 1  # per seat of the previous assignment kept
DEFAULT_TIME_LIMIT = 10.0  # seconds of wall time, a safety net
DEFAULT_WORK_LIMIT = 20.0  # CP-SAT's deterministic time: the same limit gives the same answer
# One worker: CP-SAT is deterministic then. Interleaved search (deterministic on several
# workers) was many times slower on the benchmark round than one worker with the load bounds.
WORKERS = 1

# Rule families named in explanations.
SIZE = "size"
HEAD = "head"
OVERLAP = "overlap"
CONFLICT = "conflict"


@dataclass(frozen=True)
class Sitting:
    """A span of time [start, end) when a panel sits, or a judge is available. Any comparable
    values (datetimes, minutes)."""

    start: Any
    end: Any

    def overlaps(self, other: Sitting) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Sitting) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class PanelNeed:
    key: Hashable
    name: str
    size: int
    sittings: tuple[Sitting, ...] = ()
    entries: frozenset = frozenset()
    units: frozenset = frozenset()  # the units of the entries the panel sees


@dataclass(frozen=True)
class JudgeInfo:
    key: Hashable
    name: str = ""
    units: frozenset = frozenset()  # the judge's own units
    head_capable: bool = False  # experienced: may head a panel
    conflict_entries: frozenset = frozenset()
    conflict_units: frozenset = frozenset()
    available: tuple[Sitting, ...] | None = None  # None: free at any time

    def may_sit_on(self, panel: PanelNeed) -> bool:
        """Eligibility: no own-unit entry, no declared conflict, free for every sitting."""
        if self.units & panel.units or self.conflict_units & panel.units:
            return False
        if self.conflict_entries & panel.entries:
            return False
        if self.available is not None:
            return all(
                any(window.contains(sitting) for window in self.available)
                for sitting in panel.sittings
            )
        return True


@dataclass(frozen=True)
class Assignment:
    seats: dict[Hashable, tuple[Hashable, ...]]  # panel → judges, head first
    heads: dict[Hashable, Hashable]  # panel → head judge
    load: dict[Hashable, int]  # judge → entries to score (every judge, 0 when unseated)
    status: str  # "optimal" or "feasible" (the work limit was reached first)
    objective: int
    seconds: float


@dataclass(frozen=True)
class Reason:
    """One rule that cannot be met. `message` is plain English; `code` and `params` let an
    interface word it in the user's language."""

    code: str
    message: str
    params: dict = field(default_factory=dict)


class Infeasible(Exception):  # noqa: N818 (a result, not a failure of the program)
    """No assignment meets every hard rule; `reasons` says which cannot be met."""

    def __init__(self, reasons: Sequence[Reason]):
        self.reasons = tuple(reasons)
        super().__init__("; ".join(reason.message for reason in self.reasons))

    @property
    def codes(self) -> set[str]:
        return {reason.code for reason in self.reasons}


# --- the model ------------------------------------------------------------------------------


def simultaneous_groups(panels: Sequence[PanelNeed]) -> list[tuple[int, ...]]:
    """The maximal sets of panels (as indexes) sitting at the same moment. Two panels overlap
    when sittings of theirs do; at the later start both sit, so checking every sitting's start
    finds every overlapping pair."""
    groups: set[tuple[int, ...]] = set()
    starts = sorted({s.start for panel in panels for s in panel.sittings})
    for moment in starts:
        group = tuple(
            index
            for index, panel in enumerate(panels)
            if any(s.start <= moment < s.end for s in panel.sittings)
        )
        if len(group) > 1:
            groups.add(group)
    maximal = [g for g in groups if not any(set(g) < set(other) for other in groups)]
    return sorted(maximal)


@dataclass
class _Problem:
    panels: list[PanelNeed]
    judges: list[JudgeInfo]
    eligible: list[list[bool]]  # [judge][panel]
    groups: list[tuple[int, ...]]
    previous: set[tuple[Hashable, Hashable]]

    @classmethod
    def of(cls, panels, judges, previous) -> _Problem:
        panels, judges = list(panels), list(judges)
        return cls(
            panels=panels,
            judges=judges,
            eligible=[[judge.may_sit_on(panel) for panel in panels] for judge in judges],
            groups=simultaneous_groups(panels),
            previous=set(previous or ()),
        )


def _solver(work_limit: float, time_limit: float, workers: int) -> cp_model.CpSolver:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = 20191005
    solver.parameters.num_workers = workers
    solver.parameters.interleave_search = workers > 1
    solver.parameters.max_deterministic_time = work_limit
    solver.parameters.max_time_in_seconds = time_limit
    return solver


def assign_judges(
    panels: Iterable[PanelNeed],
    judges: Iterable[JudgeInfo],
    *,
    previous: Iterable[tuple[Hashable, Hashable]] = (),
    time_limit: float = DEFAULT_TIME_LIMIT,
    work_limit: float = DEFAULT_WORK_LIMIT,
    workers: int = WORKERS,
) -> Assignment:
    """Seat judges on every panel, or raise `Infeasible` naming the rule that cannot be met.
    `previous`: (judge, panel) pairs of the assignment in force, kept where nothing is lost."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    problem = _Problem.of(panels, judges, previous)
    if not problem.panels:
        return Assignment({}, {}, {j.key: 0 for j in problem.judges}, "optimal", 0, 0.0)
    reasons = precheck(problem)
    if reasons:
        raise Infeasible(reasons)
    model, x = _build_model(problem)
    solver = _solver(work_limit, time_limit, workers)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _read(problem, solver, x, status, started)
    if status == cp_model.INFEASIBLE:
        raise Infeasible([explain(problem, time_limit=time_limit)])
    raise Infeasible(
        [
            Reason(
                "undecided",
                f"No assignment was found within {time_limit:g} seconds.",
                {"seconds": time_limit},
            )
        ]
    )


def _smallest(needs: Callable[[int], bool], low: int, high: int) -> int:
    """The smallest value in [low, high] where the monotone `needs` holds (high if none)."""
    while low < high:
        middle = (low + high) // 2
        if needs(middle):
            high = middle
        else:
            low = middle + 1
    return low


def load_bounds(problem: _Problem) -> tuple[int, int]:
    """Bounds every valid assignment obeys, by counting: the largest load is at least the
    smallest T for which judges each taking their smallest eligible panels up to T can fill
    every seat; the smallest load is at most the largest M for which judges each reaching M
    with their largest eligible panels use no more seats than there are. Given to the solver,
    they spare it proving what counting shows at once (loads come in whole panels)."""
    panels, judges = problem.panels, problem.judges
    seats = sum(panel.size for panel in panels)
    counts = [
        sorted(len(panel.entries) for p, panel in enumerate(panels) if problem.eligible[j][p])
        for j in range(len(judges))
    ]
    prefix = [list(accumulate(c, initial=0)) for c in counts]
    top = sum(len(panel.entries) for panel in panels)

    def fills_every_seat(limit: int) -> bool:  # panels each judge can take within `limit`
        return sum(bisect_right(sums, limit) - 1 for sums in prefix) >= seats

    lowest_max = _smallest(fills_every_seat, 0, top)
    lowest_max = max([lowest_max] + [len(p.entries) for p in panels if p.size > 0])

    def too_many_seats(minimum: int) -> bool:  # panels each judge needs to reach `minimum`
        needed = 0
        for c in counts:
            largest = list(accumulate(reversed(c), initial=0))
            if largest[-1] < minimum:
                return True
            needed += bisect_left(largest, minimum)
        return needed > seats

    highest_min = _smallest(too_many_seats, 0, top + 1) - 1
    return min(lowest_max, top), max(highest_min, 0)


def _build_model(problem: _Problem) -> tuple[cp_model.CpModel, dict]:
    from ortools.sat.python import cp_model

    panels, judges = problem.panels, problem.judges
    model = cp_model.CpModel()
    x = {
        (j, p): model.new_bool_var(f"x{j}_{p}")
        for j in range(len(judges))
        for p in range(len(panels))
        if problem.eligible[j][p]
    }
    for p, panel in enumerate(panels):
        seats = [x[j, p] for j in range(len(judges)) if (j, p) in x]
        model.add(sum(seats) == panel.size)
        heads = [x[j, p] for j, judge in enumerate(judges) if judge.head_capable and (j, p) in x]
        model.add(sum(heads) >= 1)
    for group in problem.groups:
        for j in range(len(judges)):
            seats = [x[j, p] for p in group if (j, p) in x]
            if len(seats) > 1:
                model.add_at_most_one(seats)

    sizes = [len(panel.entries) for panel in panels]
    top = sum(sizes)
    lowest_max, highest_min = load_bounds(problem)
    max_load = model.new_int_var(lowest_max, top, "max_load")
    min_load = model.new_int_var(0, highest_min, "min_load")
    for j in range(len(judges)):
        load = sum(sizes[p] * x[j, p] for p in range(len(panels)) if (j, p) in x)
        model.add(max_load >= load)
        model.add(min_load <= load)
    experienced = [j for j, judge in enumerate(judges) if judge.head_capable]
    most = model.new_int_var(0, len(experienced), "most_experienced")
    for p in range(len(panels)):
        count = sum(x[j, p] for j in experienced if (j, p) in x)
        model.add(most >= count)
    kept = [x[j, p] for (j, p) in x if (judges[j].key, panels[p].key) in problem.previous]
    model.minimize(
        LOAD_WEIGHT * (2 * max_load - min_load)
        + EXPERIENCE_WEIGHT * most
        - STABILITY_WEIGHT * sum(kept)
    )
    if problem.previous:  # search from the seats in force: a re-run starts close to them
        for (j, p), var in x.items():
            model.add_hint(var, (judges[j].key, panels[p].key) in problem.previous)
    return model, x


def _read(problem: _Problem, solver, x, status, started) -> Assignment:
    from ortools.sat.python import cp_model

    panels, judges = problem.panels, problem.judges
    seated = {
        p: [j for j in range(len(judges)) if (j, p) in x and solver.value(x[j, p])]
        for p in range(len(panels))
    }
    heads: dict[Hashable, Hashable] = {}
    headed = [0] * len(judges)
    for p, panel in enumerate(panels):
        candidates = [j for j in seated[p] if judges[j].head_capable]
        head = min(
            candidates,
            key=lambda j: ((judges[j].key, panel.key) not in problem.previous, headed[j], j),
        )
        headed[head] += 1
        heads[panel.key] = judges[head].key
        seated[p] = [head] + [j for j in seated[p] if j != head]
    load = {judge.key: 0 for judge in judges}
    for p, panel in enumerate(panels):
        for j in seated[p]:
            load[judges[j].key] += len(panel.entries)
    return Assignment(
        seats={
            panel.key: tuple(judges[j].key for j in seated[p]) for p, panel in enumerate(panels)
        },
        heads=heads,
        load=load,
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        objective=round(solver.objective_value),
        seconds=time.perf_counter() - started,
    )


# --- explaining infeasibility ---------------------------------------------------------------


def _names(problem: _Problem, indexes: Iterable[int]) -> str:
    return ", ".join(f"'{problem.panels[p].name}'" for p in sorted(indexes))


def _most_seated(problem: _Problem, group: Sequence[int], heads_only: bool) -> int:
    """How many seats of `group` (panels sitting at once) can be filled, each judge on one of
    them at most: a maximum flow source → panel (its size, or 1 head) → eligible judge → sink."""
    from ortools.graph.python import max_flow

    flow = max_flow.SimpleMaxFlow()
    judges = problem.judges
    source, sink = 0, 1
    for position, p in enumerate(group):
        panel_node = 2 + position
        flow.add_arc_with_capacity(source, panel_node, 1 if heads_only else problem.panels[p].size)
        for j, judge in enumerate(judges):
            if problem.eligible[j][p] and (judge.head_capable or not heads_only):
                flow.add_arc_with_capacity(panel_node, 2 + len(group) + j, 1)
    for j in range(len(judges)):
        flow.add_arc_with_capacity(2 + len(group) + j, sink, 1)
    if flow.solve(source, sink) != flow.OPTIMAL:  # pragma: no cover (capacities are small)
        return 0
    return flow.optimal_flow()


def precheck(problem: _Problem) -> list[Reason]:
    """Counting checks, each for one rule: cheap, exact for the rule they test, and worded for
    the organiser. An empty list does not promise a solution (the rules can clash together)."""
    panels, judges = problem.panels, problem.judges
    reasons: list[Reason] = []
    pool_heads = sum(1 for judge in judges if judge.head_capable)
    if pool_heads == 0:
        reasons.append(
            Reason(
                "no_head_in_pool",
                "No judge in the pool can head a panel: mark experienced judges as head judges.",
            )
        )
    for p, panel in enumerate(panels):
        if panel.size > len(judges):
            reasons.append(
                Reason(
                    "judges_overall",
                    f"Not enough judges overall: panel '{panel.name}' needs {panel.size} judges "
                    f"but the pool has {len(judges)}.",
                    {"panel": panel.name, "needed": panel.size, "available": len(judges)},
                )
            )
            continue
        free = sum(1 for j in range(len(judges)) if problem.eligible[j][p])
        if free < panel.size:
            reasons.append(
                Reason(
                    "panel_conflicts",
                    f"Panel '{panel.name}' needs {panel.size} judges but only {free} judges have "
                    "no conflict with its entries and are free at that time.",
                    {"panel": panel.name, "needed": panel.size, "available": free},
                )
            )
        heads = sum(
            1 for j, judge in enumerate(judges) if judge.head_capable and problem.eligible[j][p]
        )
        if pool_heads and heads == 0:
            reasons.append(
                Reason(
                    "panel_head",
                    f"No head judge available for panel '{panel.name}': none of the {pool_heads} "
                    "judges able to head a panel is free of conflicts with its entries and free "
                    "at that time.",
                    {"panel": panel.name, "heads": pool_heads},
                )
            )
    if reasons:
        return reasons
    for group in problem.groups:
        needed = sum(panels[p].size for p in group)
        seated = _most_seated(problem, group, heads_only=False)
        if seated < needed:
            reasons.append(
                Reason(
                    "simultaneous_seats",
                    f"Panels {_names(problem, group)} sit at the same time and need {needed} "
                    f"judges in all, but at most {seated} judges can sit on them, each on one "
                    "panel and none with a conflict.",
                    {"panels": _names(problem, group), "needed": needed, "available": seated},
                )
            )
        heads = _most_seated(problem, group, heads_only=True)
        if heads < len(group):
            reasons.append(
                Reason(
                    "simultaneous_heads",
                    f"Panels {_names(problem, group)} sit at the same time and each needs a head "
                    f"judge, but at most {heads} judges able to head a panel are free for them.",
                    {"panels": _names(problem, group), "needed": len(group), "available": heads},
                )
            )
    return reasons


RULE_WORDS = {
    SIZE: "every panel filled to its size",
    HEAD: "a head judge on every panel",
    OVERLAP: "no judge on two panels sitting at the same time",
    CONFLICT: "no judge on a panel seeing an entry of their unit or a declared conflict",
}


def explain(problem: _Problem, *, time_limit: float = DEFAULT_TIME_LIMIT) -> Reason:
    """The rules that clash, from an unsatisfiable core of CP-SAT assumptions (one literal per
    rule and panel, or per rule and set of simultaneous panels), shrunk by deletion."""
    from ortools.sat.python import cp_model

    panels, judges = problem.panels, problem.judges
    model = cp_model.CpModel()
    rules: dict[int, tuple[str, tuple[int, ...]]] = {}
    literals: dict[int, cp_model.IntVar] = {}

    def rule(family: str, scope: tuple[int, ...]):
        literal = model.new_bool_var(f"{family}{scope}")
        rules[literal.index] = (family, scope)
        literals[literal.index] = literal
        return literal

    x = {
        (j, p): model.new_bool_var(f"x{j}_{p}")
        for j in range(len(judges))
        for p in range(len(panels))
    }
    for p, panel in enumerate(panels):
        seats = [x[j, p] for j in range(len(judges))]
        model.add(sum(seats) == panel.size).only_enforce_if(rule(SIZE, (p,)))
        heads = [x[j, p] for j, judge in enumerate(judges) if judge.head_capable]
        model.add(sum(heads) >= 1).only_enforce_if(rule(HEAD, (p,)))
        conflict = rule(CONFLICT, (p,))
        for j in range(len(judges)):
            if not problem.eligible[j][p]:
                model.add(x[j, p] == 0).only_enforce_if(conflict)
    for group in problem.groups:
        overlap = rule(OVERLAP, group)
        for j in range(len(judges)):
            model.add(sum(x[j, p] for p in group) <= 1).only_enforce_if(overlap)

    def infeasible(active: list[int]) -> list[int] | None:
        model.clear_assumptions()
        model.add_assumptions([literals[index] for index in active])
        solver = _solver(DEFAULT_WORK_LIMIT, time_limit, 1)
        if solver.solve(model) != cp_model.INFEASIBLE:
            return None
        return sorted(solver.sufficient_assumptions_for_infeasibility())

    core = infeasible(sorted(rules)) or sorted(rules)
    for literal in list(core):  # deletion: drop every rule the clash does not need
        if literal in core:
            smaller = infeasible([lit for lit in core if lit != literal])
            if smaller is not None:
                core = smaller
    families = sorted({rules[lit][0] for lit in core}, key=list(RULE_WORDS).index)
    involved = sorted({p for lit in core for p in rules[lit][1]})
    names = _names(problem, involved)
    words = "; ".join(RULE_WORDS[family] for family in families)
    return Reason(
        "combination",
        f"Panels {names} cannot all be seated: these rules clash: {words}.",
        {"panels": names, "rules": families},
    )


def violations(
    panels: Sequence[PanelNeed], judges: Sequence[JudgeInfo], assignment: Assignment
) -> list[str]:
    """Every hard rule the assignment breaks, checked from scratch (for tests and callers that
    edit an assignment by hand). Empty when it is valid."""
    problems = []
    by_key = {judge.key: judge for judge in judges}
    for panel in panels:
        seated = assignment.seats.get(panel.key, ())
        if len(seated) != panel.size or len(set(seated)) != len(seated):
            problems.append(f"{panel.name}: {len(seated)} seats for size {panel.size}")
        head = assignment.heads.get(panel.key)
        if head not in seated or not by_key[head].head_capable:
            problems.append(f"{panel.name}: no head judge able to head it")
        for key in seated:
            if not by_key[key].may_sit_on(panel):
                problems.append(f"{panel.name}: {key} has a conflict or is not free")
    for a, first in enumerate(panels):
        for second in panels[a + 1 :]:
            if any(s.overlaps(t) for s in first.sittings for t in second.sittings):
                both = set(assignment.seats.get(first.key, ())) & set(
                    assignment.seats.get(second.key, ())
                )
                if both:
                    problems.append(f"{first.name} and {second.name} overlap: {sorted(both)}")
    return problems
