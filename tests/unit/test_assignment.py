"""Judge assignment for parallel panels (scheduling/assignment.py): the hard rules hold on every
assignment returned, and an impossible round is reported with the rule that cannot be met."""

from itertools import combinations, product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.assignment import (
    Infeasible,
    JudgeInfo,
    PanelNeed,
    Sitting,
    assign_judges,
    violations,
)

MORNING = Sitting(8 * 60, 12 * 60)
AFTERNOON = Sitting(13 * 60, 17 * 60)


def panel(key, size=2, sittings=(MORNING,), entries=(), units=()):
    return PanelNeed(
        key=key,
        name=f"Cụm {key}",
        size=size,
        sittings=tuple(sittings),
        entries=frozenset(entries),
        units=frozenset(units),
    )


def judge(key, units=(), head=False, entries=(), conflict_units=(), available=None):
    return JudgeInfo(
        key=key,
        name=key,
        units=frozenset(units),
        head_capable=head,
        conflict_entries=frozenset(entries),
        conflict_units=frozenset(conflict_units),
        available=available,
    )


def overlaps(first: PanelNeed, second: PanelNeed) -> bool:
    return any(s.start < t.end and t.start < s.end for s in first.sittings for t in second.sittings)


def broken_rules(panels, judges, result) -> list[str]:
    """The hard rules, checked here from scratch rather than with the module's own checker."""
    by_key = {j.key: j for j in judges}
    broken = []
    for p in panels:
        seated = result.seats[p.key]
        if len(seated) != p.size or len(set(seated)) != p.size:
            broken.append(f"size of {p.key}")
        if result.heads[p.key] not in seated or not by_key[result.heads[p.key]].head_capable:
            broken.append(f"head of {p.key}")
        for key in seated:
            j = by_key[key]
            if j.units & p.units:
                broken.append(f"{key} judges own unit on {p.key}")
            if j.conflict_entries & p.entries or j.conflict_units & p.units:
                broken.append(f"{key} has a declared conflict on {p.key}")
            if j.available is not None and not all(
                any(w.start <= s.start and s.end <= w.end for w in j.available) for s in p.sittings
            ):
                broken.append(f"{key} is not free for {p.key}")
    for first, second in combinations(panels, 2):
        if overlaps(first, second) and set(result.seats[first.key]) & set(result.seats[second.key]):
            broken.append(f"double-booked on {first.key} and {second.key}")
    for j in judges:
        expected = sum(len(p.entries) for p in panels if j.key in result.seats[p.key])
        if result.load[j.key] != expected:
            broken.append(f"load of {j.key}")
    return broken


def exists_valid_assignment(panels, judges) -> bool:
    """Brute force over every choice of judges for every panel (small instances only)."""
    choices = [list(combinations(judges, p.size)) for p in panels]
    for pick in product(*choices):
        valid = True
        for p, seated in zip(panels, pick, strict=True):
            if not any(j.head_capable for j in seated) or not all(j.may_sit_on(p) for j in seated):
                valid = False
                break
        if not valid:
            continue
        for (a, first), (b, second) in combinations(enumerate(panels), 2):
            if overlaps(first, second) and {j.key for j in pick[a]} & {j.key for j in pick[b]}:
                valid = False
                break
        if valid:
            return True
    return False


# --- the rules, one by one --------------------------------------------------------------------


def test_judge_never_sits_on_a_panel_that_sees_an_entry_of_their_unit():
    panels = [panel("A", size=2, entries={1, 2}, units={"u1", "u2"})]
    judges = [judge("own", units={"u1"}, head=True), judge("h", head=True), judge("j")]
    result = assign_judges(panels, judges)
    assert "own" not in result.seats["A"]
    assert broken_rules(panels, judges, result) == []


def test_judge_with_a_declared_conflict_stays_off_the_panel():
    panels = [panel("A", size=2, entries={1, 2}, units={"u1", "u2"})]
    judges = [
        judge("entry-conflict", head=True, entries={2}),
        judge("unit-conflict", head=True, conflict_units={"u1"}),
        judge("h", head=True),
        judge("j"),
    ]
    result = assign_judges(panels, judges)
    assert set(result.seats["A"]) == {"h", "j"}


def test_judge_is_never_double_booked_in_overlapping_sessions():
    panels = [panel("A", size=2), panel("B", size=2, sittings=[Sitting(11 * 60, 14 * 60)])]
    judges = [judge(f"h{i}", head=True) for i in range(2)] + [judge(f"j{i}") for i in range(2)]
    result = assign_judges(panels, judges)
    assert not set(result.seats["A"]) & set(result.seats["B"])


def test_a_judge_may_sit_on_panels_at_different_times():
    panels = [panel("A", size=2), panel("B", size=2, sittings=[AFTERNOON])]
    judges = [judge("h", head=True), judge("j")]
    result = assign_judges(panels, judges)
    assert set(result.seats["A"]) == set(result.seats["B"]) == {"h", "j"}
    assert result.load == {"h": 0, "j": 0}


def test_every_panel_gets_a_head_judge_able_to_head_it_seated_first():
    panels = [panel("A", size=3), panel("B", size=3)]
    judges = [judge("h1", head=True), judge("h2", head=True)] + [judge(f"j{i}") for i in range(4)]
    result = assign_judges(panels, judges)
    assert {result.heads["A"], result.heads["B"]} == {"h1", "h2"}
    assert result.seats["A"][0] == result.heads["A"]


def test_entries_to_score_are_balanced_between_judges():
    panels = [
        panel("A", size=2, entries=range(10)),
        panel("B", size=2, sittings=[AFTERNOON], entries=range(10, 20)),
    ]
    judges = [judge("h1", head=True), judge("h2", head=True), judge("j1"), judge("j2")]
    result = assign_judges(panels, judges)
    assert sorted(result.load.values()) == [10, 10, 10, 10]
    assert result.status == "optimal"


def test_experienced_judges_are_spread_over_the_panels():
    panels = [panel("A", size=3), panel("B", size=3)]
    judges = [judge(f"h{i}", head=True) for i in range(4)] + [judge("j1"), judge("j2")]
    result = assign_judges(panels, judges)
    experienced = [sum(key.startswith("h") for key in result.seats[p]) for p in ("A", "B")]
    assert experienced == [2, 2]


def test_judge_available_only_in_the_afternoon_sits_only_then():
    panels = [panel("A", size=2), panel("B", size=2, sittings=[AFTERNOON])]
    judges = [
        judge("h1", head=True),
        judge("h2", head=True),
        judge("late", available=(Sitting(12 * 60, 18 * 60),)),
        judge("j"),
    ]
    result = assign_judges(panels, judges)
    assert "late" not in result.seats["A"]


def test_the_assignment_in_force_is_kept_when_nothing_is_lost():
    panels = [panel("A", size=2), panel("B", size=2)]
    judges = [judge(f"h{i}", head=True) for i in range(2)] + [judge(f"j{i}") for i in range(2)]
    previous = {("h1", "A"), ("j1", "A"), ("h0", "B"), ("j0", "B")}
    result = assign_judges(panels, judges, previous=previous)
    assert set(result.seats["A"]) == {"h1", "j1"}
    assert set(result.seats["B"]) == {"h0", "j0"}


def test_the_same_input_gives_the_same_assignment():
    panels = [panel(k, size=3, entries=range(i * 5, i * 5 + 5)) for i, k in enumerate("ABCD")]
    judges = [judge(f"h{i}", head=True) for i in range(5)] + [judge(f"j{i}") for i in range(9)]
    first, second = assign_judges(panels, judges), assign_judges(panels, judges)
    assert (first.seats, first.heads, first.load) == (second.seats, second.heads, second.load)


def test_no_panel_gives_an_empty_assignment():
    result = assign_judges([], [judge("h", head=True)])
    assert result.seats == {} and result.load == {"h": 0}


# --- impossible rounds name the rule ----------------------------------------------------------


def reason_of(panels, judges) -> Infeasible:
    with pytest.raises(Infeasible) as caught:
        assign_judges(panels, judges)
    return caught.value


def test_panel_with_too_few_judges_free_of_conflicts_is_named():
    panels = [panel("3", size=3, units={"u1"})]
    judges = [
        judge("h", head=True),
        judge("j1"),
        judge("own", units={"u1"}),
        judge("declared", conflict_units={"u1"}),
    ]
    error = reason_of(panels, judges)
    assert error.codes == {"panel_conflicts"}
    assert str(error) == (
        "Panel 'Cụm 3' needs 3 judges but only 2 judges have no conflict with its entries "
        "and are free at that time."
    )


def test_panel_without_a_possible_head_judge_is_named():
    panels = [panel("A", size=2, units={"u1"})]
    judges = [judge("h", head=True, units={"u1"}), judge("j1"), judge("j2")]
    error = reason_of(panels, judges)
    assert error.codes == {"panel_head"}
    assert "No head judge available for panel 'Cụm A'" in str(error)


def test_pool_without_any_head_judge_is_named():
    error = reason_of([panel("A")], [judge("j1"), judge("j2")])
    assert "no_head_in_pool" in error.codes


def test_not_enough_judges_overall_is_named():
    error = reason_of([panel("A", size=4)], [judge("h", head=True), judge("j")])
    assert error.codes == {"judges_overall"}
    assert str(error).startswith("Not enough judges overall")


def test_too_few_judges_for_panels_sitting_at_once_is_named():
    panels = [panel("A", size=2), panel("B", size=2)]
    judges = [judge("h1", head=True), judge("h2", head=True), judge("j")]
    error = reason_of(panels, judges)
    assert error.codes == {"simultaneous_seats"}
    assert "Panels 'Cụm A', 'Cụm B' sit at the same time and need 4 judges" in str(error)


def test_too_few_head_judges_for_panels_sitting_at_once_is_named():
    panels = [panel("A", size=2), panel("B", size=2)]
    judges = [judge("h", head=True)] + [judge(f"j{i}") for i in range(4)]
    error = reason_of(panels, judges)
    assert error.codes == {"simultaneous_heads"}


def test_rules_that_clash_only_together_are_named_from_the_solver():
    # Counting passes rule by rule: B can only take the two head judges, A needs one of them
    # as its head, and A and B sit at once.
    panels = [panel("A", size=2), panel("B", size=2, units={"u"})]
    judges = [
        judge("h1", head=True),
        judge("h2", head=True),
        judge("j1", units={"u"}),
        judge("j2", units={"u"}),
    ]
    error = reason_of(panels, judges)
    assert error.codes == {"combination"}
    (reason,) = error.reasons
    assert set(reason.params["rules"]) == {"size", "head", "overlap", "conflict"}
    assert "'Cụm A', 'Cụm B'" in reason.message


# --- properties on random rounds --------------------------------------------------------------

TIMES = [Sitting(0, 60), Sitting(30, 90), Sitting(60, 120), Sitting(120, 180)]


@st.composite
def rounds(draw, max_judges=8, max_panels=4):
    units = list(range(draw(st.integers(1, 5))))
    panels = []
    entry = 0
    for p in range(draw(st.integers(1, max_panels))):
        count = draw(st.integers(0, 4))
        entry_units = [draw(st.sampled_from(units)) for _ in range(count)]
        sittings = draw(st.lists(st.sampled_from(TIMES), min_size=1, max_size=2, unique=True))
        panels.append(
            panel(
                p,
                size=draw(st.integers(1, 3)),
                sittings=sittings,
                entries=range(entry, entry + count),
                units=entry_units,
            )
        )
        entry += count
    judges = []
    for j in range(draw(st.integers(1, max_judges))):
        judges.append(
            judge(
                f"j{j}",
                units=draw(st.sets(st.sampled_from(units), max_size=1)),
                head=draw(st.booleans()),
                entries=draw(st.sets(st.integers(0, max(entry - 1, 0)), max_size=2)),
                conflict_units=draw(st.sets(st.sampled_from(units), max_size=1)),
                available=draw(st.one_of(st.none(), st.just((Sitting(0, 100),)))),
            )
        )
    return panels, judges


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_an_assignment_never_breaks_a_hard_rule(instance):
    panels, judges = instance
    try:
        result = assign_judges(panels, judges)
    except Infeasible as error:
        assert error.reasons and all(reason.message for reason in error.reasons)
        return
    assert broken_rules(panels, judges, result) == []
    assert violations(panels, judges, result) == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds(max_judges=5, max_panels=3))
def test_a_round_is_reported_impossible_exactly_when_it_is(instance):
    panels, judges = instance
    try:
        assign_judges(panels, judges)
        found = True
    except Infeasible as error:
        assert error.codes <= {
            "no_head_in_pool",
            "judges_overall",
            "panel_conflicts",
            "panel_head",
            "simultaneous_seats",
            "simultaneous_heads",
            "combination",
        }
        found = False
    assert found == exists_valid_assignment(panels, judges)


@settings(max_examples=60, deadline=None)
@given(rounds(), st.data())
def test_a_panel_left_with_too_few_free_judges_is_named(instance, data):
    panels, judges = instance
    target = data.draw(st.sampled_from(panels))
    # Every judge but size - 1 declares a conflict with an entry the panel sees.
    marker = "conflict-entry"
    target = PanelNeed(
        key=target.key,
        name=target.name,
        size=target.size,
        sittings=target.sittings,
        entries=target.entries | {marker},
        units=target.units,
    )
    panels = [target if p.key == target.key else p for p in panels]
    keep = target.size - 1
    judges = [
        j
        if index < keep
        else JudgeInfo(
            key=j.key,
            name=j.name,
            units=j.units,
            head_capable=j.head_capable,
            conflict_entries=j.conflict_entries | {marker},
            conflict_units=j.conflict_units,
            available=j.available,
        )
        for index, j in enumerate(judges)
    ]
    with pytest.raises(Infeasible) as caught:
        assign_judges(panels, judges)
    named = {
        reason.params.get("panel")
        for reason in caught.value.reasons
        if reason.code in {"panel_conflicts", "judges_overall"}
    }
    assert target.name in named or "no_head_in_pool" in caught.value.codes


@settings(max_examples=60, deadline=None)
@given(rounds(), st.data())
def test_a_panel_no_head_judge_can_sit_on_is_named(instance, data):
    panels, judges = instance
    target = data.draw(st.sampled_from(panels))
    judges = [
        j
        if not j.head_capable
        else JudgeInfo(
            key=j.key,
            name=j.name,
            units=j.units | {"head-unit"},
            head_capable=True,
            conflict_entries=j.conflict_entries,
            conflict_units=j.conflict_units,
            available=j.available,
        )
        for j in judges
    ]
    panels = [
        p
        if p.key != target.key
        else PanelNeed(p.key, p.name, p.size, p.sittings, p.entries, p.units | {"head-unit"})
        for p in panels
    ]
    with pytest.raises(Infeasible) as caught:
        assign_judges(panels, judges)
    codes = caught.value.codes
    named = {r.params.get("panel") for r in caught.value.reasons if r.code == "panel_head"}
    assert target.name in named or "no_head_in_pool" in codes or "judges_overall" in codes
