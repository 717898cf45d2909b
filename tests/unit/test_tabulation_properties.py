"""Properties every tabulation must have, whatever the marks."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.tabulation import (
    CriterionSpec,
    MarkInput,
    _Rounder,
    round_half_up,
    sheets_from_marks,
    tabulate,
    tabulate_round,
)

SETTINGS = settings(deadline=None, derandomize=True, max_examples=150)
SCORE_METHODS = ("mean", "sum", "median", "zscore_mean", "trimmed_mean", "trimmed_sum")
MONOTONE_METHODS = ("mean", "median", "trimmed_mean")
TRIM = {"drop_highest": 1, "drop_lowest": 1}
MARK = st.integers(0, 1000).map(lambda v: Decimal(v).scaleb(-2))  # 0.00 .. 10.00
WEIGHT = st.integers(1, 3000).map(lambda w: Decimal(w).scaleb(-3))  # 0.001 .. 3.000


@st.composite
def rounds(draw, *, complete=None, min_judges=1):
    """(marks, criteria): 2-6 entries, judges, 1-3 weighted criteria, maybe missing marks."""
    entries = [f"E{i}" for i in range(draw(st.integers(2, 6)))]
    judges = [f"J{i}" for i in range(draw(st.integers(min_judges, 5)))]
    criteria = [CriterionSpec(f"c{i}", draw(WEIGHT)) for i in range(draw(st.integers(1, 3)))]
    if complete is None:
        complete = draw(st.booleans())
    marks = [
        MarkInput(entry, judge, spec.key, draw(MARK))
        for entry in entries
        for judge in judges
        for spec in criteria
        if complete or draw(st.booleans())
    ]
    if not marks:
        marks = [MarkInput(entries[0], judges[0], criteria[0].key, draw(MARK))]
    return marks, criteria


def options_for(method):
    return TRIM if method.startswith("trimmed") else {}


def by_entry(results):
    return {
        r.entry: (r.rank, r.score, r.mean, r.median, r.stdev, r.first_placings) for r in results
    }


@SETTINGS
@given(
    data=st.data(),
    method=st.sampled_from(SCORE_METHODS),
    ranking=st.sampled_from(("standard", "dense")),
)
def test_renaming_and_reordering_judges_and_entries_changes_nothing(data, method, ranking):
    trimmed = method.startswith("trimmed")
    marks, criteria = data.draw(
        rounds(complete=True if trimmed else None, min_judges=3 if trimmed else 1)
    )
    entries = sorted({m.entry for m in marks})
    judges = sorted({m.judge for m in marks})
    new_entries = data.draw(st.permutations([f"entry {i}" for i in range(len(entries))]))
    new_judges = data.draw(st.permutations([f"judge {i}" for i in range(len(judges))]))
    entry_name = dict(zip(entries, new_entries, strict=True))
    judge_name = dict(zip(judges, new_judges, strict=True))
    renamed = [m._replace(entry=entry_name[m.entry], judge=judge_name[m.judge]) for m in marks]
    shuffled = data.draw(st.permutations(renamed))
    options = {
        "method": method,
        "ranking": ranking,
        "tie_breaks": [{"criterion": criteria[-1].key}, {"first_placings": True}],
        **options_for(method),
    }

    before = tabulate_round(marks, criteria, **options)
    after = tabulate_round(shuffled, criteria, **options)

    assert by_entry(after.standings) == {
        entry_name[entry]: row for entry, row in by_entry(before.standings).items()
    }
    assert after.agreement.kendall_w == before.agreement.kendall_w
    assert after.judge_bias == {judge_name[j]: bias for j, bias in before.judge_bias.items()}


@SETTINGS
@given(
    data=st.data(),
    method=st.sampled_from(MONOTONE_METHODS),
    raise_by=st.integers(1, 500).map(lambda v: Decimal(v).scaleb(-2)),
)
def test_raising_one_mark_never_lowers_that_entrys_score(data, method, raise_by):
    trimmed = method.startswith("trimmed")
    marks, criteria = data.draw(
        rounds(complete=True if trimmed else None, min_judges=3 if trimmed else 1)
    )
    index = data.draw(st.integers(0, len(marks) - 1))
    raised = list(marks)
    raised[index] = marks[index]._replace(value=marks[index].value + raise_by)
    entry = marks[index].entry
    options = {"method": method, "decimals": 4, **options_for(method)}

    def score(rows):
        return next(r.score for r in tabulate(rows, criteria, **options) if r.entry == entry)

    assert score(raised) >= score(marks)


@SETTINGS
@given(data=st.data(), method=st.sampled_from((*SCORE_METHODS, "rank_sum")))
def test_two_entries_with_identical_marks_get_the_same_rank(data, method):
    trimmed = method.startswith("trimmed")
    marks, criteria = data.draw(
        rounds(complete=True if trimmed else None, min_judges=3 if trimmed else 1)
    )
    if method == "rank_sum":
        marks = [m._replace(value=m.value.to_integral_value() + 1) for m in marks]
    model = data.draw(st.sampled_from(sorted({m.entry for m in marks})))
    twin = [m._replace(entry="twin") for m in marks if m.entry == model]
    results = tabulate(
        marks + twin,
        criteria,
        method=method,
        tie_breaks=[{"criterion": criteria[0].key}, {"first_placings": True}],
        **options_for(method),
    )
    rows = {r.entry: r for r in results}
    assert rows["twin"].rank == rows[model].rank
    assert rows["twin"].score == rows[model].score
    assert "rank shared" in rows["twin"].explanation


@SETTINGS
@given(
    numerator=st.integers(-(10**12), 10**12),
    denominator=st.integers(1, 10**6),
    decimals=st.integers(0, 6),
)
def test_the_fast_rounding_agrees_with_exact_half_up_rounding(numerator, denominator, decimals):
    rounder = _Rounder(denominator, decimals)
    expected = round_half_up(Fraction(numerator, denominator), decimals)
    assert rounder(numerator) == expected
    assert rounder.many([numerator]) == [expected]
    assert str(rounder(numerator)) == str(expected)


@SETTINGS
@given(data=st.data(), method=st.sampled_from(SCORE_METHODS))
def test_sheets_grouped_beforehand_tabulate_like_the_marks_they_hold(data, method):
    trimmed = method.startswith("trimmed")
    marks, criteria = data.draw(
        rounds(complete=True if trimmed else None, min_judges=3 if trimmed else 1)
    )
    sheets = sheets_from_marks((m.entry, m.judge, m.criterion, str(m.value)) for m in marks)

    options = {"method": method, **options_for(method)}
    from_marks = tabulate_round(marks, criteria, **options)
    from_sheets = tabulate_round(None, criteria, sheets=sheets, **options)

    assert from_sheets == from_marks
