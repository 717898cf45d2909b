from decimal import Decimal
from fractions import Fraction

import pytest

from scoring.tabulation import (
    CriterionSpec,
    MarkInput,
    TabulationError,
    assign_ranks,
    round_half_up,
    tabulate,
)

CRITERIA = [CriterionSpec("content", Decimal(3)), CriterionSpec("delivery", Decimal(2))]


def marks(rows):
    return [MarkInput(e, j, c, Decimal(v)) for e, j, c, v in rows]


def test_weighted_mean_of_criteria_then_mean_across_judges():
    results = tabulate(
        marks(
            [
                ("A", "J1", "content", "8.5"),
                ("A", "J1", "delivery", "9.25"),  # 8.80
                ("A", "J2", "content", "8"),
                ("A", "J2", "delivery", "9"),  # 8.40
                ("A", "J3", "content", "8"),
                ("A", "J3", "delivery", "8.5"),  # 8.20
            ]
        ),
        CRITERIA,
    )
    assert results[0].score == Decimal("8.47")  # 8.4666... rounded half-up once
    assert results[0].judges_counted == 3
    assert results[0].criterion_means == {"content": Decimal("8.17"), "delivery": Decimal("8.92")}


def test_rounding_is_half_up_and_exact():
    assert round_half_up(Fraction(1, 8), 2) == Decimal("0.13")  # 0.125, not banker's 0.12
    assert round_half_up(Fraction(2675, 1000), 2) == Decimal("2.68")  # float would give 2.67
    assert round_half_up(Fraction(-1, 8), 2) == Decimal("-0.13")
    assert round_half_up(Fraction(10, 3), 0) == Decimal("3")


def test_ties_share_a_rank_standard_and_dense():
    scores = [Decimal("9"), Decimal("8"), Decimal("8"), Decimal("7")]
    assert assign_ranks(scores) == [1, 2, 2, 4]
    assert assign_ranks(scores, style="dense") == [1, 2, 2, 3]


def test_entries_equal_after_rounding_share_the_rank():
    results = tabulate(
        marks([("A", "J1", "score", "8.125"), ("B", "J1", "score", "8.13")]),
        [CriterionSpec("score")],
    )
    assert [(r.entry, r.rank, r.score) for r in results] == [
        ("A", 1, Decimal("8.13")),
        ("B", 1, Decimal("8.13")),
    ]


def test_order_of_marks_and_judge_names_does_not_matter():
    rows = [
        ("A", "J1", "score", "7"),
        ("B", "J1", "score", "9"),
        ("A", "J2", "score", "8"),
        ("B", "J2", "score", "6"),
    ]
    forward = tabulate(marks(rows), [CriterionSpec("score")])
    renamed = [(e, {"J1": "X", "J2": "Y"}[j], c, v) for e, j, c, v in reversed(rows)]
    backward = tabulate(marks(renamed), [CriterionSpec("score")])
    assert [(r.entry, r.rank, r.score) for r in forward] == [
        (r.entry, r.rank, r.score) for r in backward
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("A", "J1", "nope", "1")], "unknown criterion"),
        ([("A", "J1", "content", "1"), ("A", "J1", "content", "2")], "twice"),
    ],
)
def test_bad_input_names_the_problem(rows, message):
    with pytest.raises(TabulationError, match=message):
        tabulate(marks(rows), CRITERIA)


def test_unknown_method_is_refused():
    with pytest.raises(TabulationError, match="unknown method"):
        tabulate([], CRITERIA, method="vibes")
