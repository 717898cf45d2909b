from decimal import Decimal
from fractions import Fraction

import pytest

from scoring.tabulation import (
    CriterionSpec,
    DroppedMark,
    MarkInput,
    TabulationError,
    assign_ranks,
    kendall_w,
    round_half_up,
    tabulate,
    tabulate_round,
    weighted_sheet_score,
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


# --- methods -----------------------------------------------------------------------------------

ONE = [CriterionSpec("score")]


def panel(rows_by_entry, criterion="score"):
    """{"A": {"J1": "8", ...}} as marks on one criterion."""
    return [
        MarkInput(entry, judge, criterion, Decimal(value))
        for entry, by_judge in rows_by_entry.items()
        for judge, value in by_judge.items()
    ]


def standings(results):
    return [(r.entry, r.rank, r.score) for r in results]


def test_sum_adds_the_judges_scores():
    results = tabulate(
        panel({"A": {"J1": "14", "J2": "15.5"}, "B": {"J1": "16", "J2": "12"}}), ONE, method="sum"
    )
    assert standings(results) == [("A", 1, Decimal("29.50")), ("B", 2, Decimal("28.00"))]


def test_sum_uses_the_weighted_sum_of_each_sheet():
    results = tabulate(
        marks(
            [
                ("A", "J1", "content", "8.5"),
                ("A", "J1", "delivery", "9.25"),  # 3 * 8.5 + 2 * 9.25 = 44
                ("A", "J2", "content", "8"),
                ("A", "J2", "delivery", "9"),  # 24 + 18 = 42
            ]
        ),
        CRITERIA,
        method="sum",
    )
    assert results[0].score == Decimal("86.00")
    assert results[0].judge_scores == {"J1": Decimal("44.00"), "J2": Decimal("42.00")}


def test_trimmed_mean_drops_the_highest_and_lowest_judge_and_says_which():
    results = tabulate(
        panel({"A": {"J1": "9", "J2": "7", "J3": "8", "J4": "6", "J5": "10"}}),
        ONE,
        method="trimmed_mean",
        drop_highest=1,
        drop_lowest=1,
    )
    assert results[0].score == Decimal("8.00")  # (9 + 7 + 8) / 3
    assert results[0].mean == Decimal("8.00")
    assert results[0].judges_counted == 5
    assert results[0].dropped == [
        DroppedMark("J4", None, Decimal("6.00"), "lowest"),
        DroppedMark("J5", None, Decimal("10.00"), "highest"),
    ]


def test_trimmed_sum_sums_the_middle_marks():
    results = tabulate(
        panel({"A": {"J1": "9", "J2": "7", "J3": "8", "J4": "6", "J5": "10"}}),
        ONE,
        method="trimmed_sum",
        drop_highest=2,
        drop_lowest=1,
    )
    assert results[0].score == Decimal("15.00")  # 7 + 8
    assert {(d.judge, d.side) for d in results[0].dropped} == {
        ("J4", "lowest"),
        ("J1", "highest"),
        ("J5", "highest"),
    }


def test_trimming_per_criterion_with_a_difficulty_multiplier_scores_like_a_dive():
    # Two dives, five judges each; per dive drop the highest and lowest judge, sum the middle
    # three, times the dive's degree of difficulty times 0.6 (the criterion weight).
    rows = [
        ("D", f"P{i}", "dive1", v) for i, v in enumerate(["7", "7.5", "8", "8", "9"], start=1)
    ] + [("D", f"P{i}", "dive2", v) for i, v in enumerate(["6", "6.5", "6.5", "7", "5"], start=1)]
    criteria = [CriterionSpec("dive1", Decimal("0.6")), CriterionSpec("dive2", Decimal("0.6"))]
    result = tabulate_round(
        marks(rows),
        criteria,
        method="trimmed_sum",
        drop_highest=1,
        drop_lowest=1,
        trim_per="criterion",
        difficulty={"D": {"dive1": Decimal("2.0"), "dive2": Decimal("3.1")}},
    )
    # dive1: 7.5 + 8 + 8 = 23.5 * 2.0 * 0.6 = 28.20; dive2: 6 + 6.5 + 6.5 = 19 * 3.1 * 0.6 = 35.34
    assert result.standings[0].score == Decimal("63.54")
    assert [(d.judge, d.criterion, d.side) for d in result.standings[0].dropped] == [
        ("P1", "dive1", "lowest"),
        ("P5", "dive1", "highest"),
        ("P5", "dive2", "lowest"),
        ("P4", "dive2", "highest"),
    ]


def test_median_of_the_judges_scores():
    odd = tabulate(panel({"A": {"J1": "9", "J2": "6", "J3": "7"}}), ONE, method="median")
    even = tabulate(
        panel({"A": {"J1": "9", "J2": "7", "J3": "8", "J4": "6"}}), ONE, method="median"
    )
    assert odd[0].score == Decimal("7.00")
    assert even[0].score == Decimal("7.50")
    assert even[0].median == Decimal("7.50")


def test_zscore_mean_stops_a_judge_with_a_wide_range_from_deciding_alone():
    rows = {
        "A": {"J1": "10", "J2": "5"},
        "B": {"J1": "6", "J2": "7"},
        "C": {"J1": "2", "J2": "6"},
    }
    by_mean = tabulate(panel(rows), ONE, method="mean")
    by_z = tabulate(panel(rows), ONE, method="zscore_mean")
    assert [r.entry for r in by_mean] == ["A", "B", "C"]  # 7.5, 6.5, 4
    # J1 (mean 6, population sd sqrt(32/3)): z = 1.2247, 0, -1.2247;
    # J2 (mean 6, population sd sqrt(2/3)):  z = -1.2247, 1.2247, 0.
    assert standings(by_z) == [
        ("B", 1, Decimal("0.61")),
        ("A", 2, Decimal("0.00")),
        ("C", 3, Decimal("-0.61")),
    ]
    assert {r.entry: r.mean for r in by_z} == {
        "A": Decimal("7.50"),
        "B": Decimal("6.50"),
        "C": Decimal("4.00"),
    }


def test_zscore_of_a_judge_who_gives_everyone_the_same_score_is_zero():
    rows = {"A": {"J1": "8", "J2": "9"}, "B": {"J1": "8", "J2": "7"}}
    results = tabulate(panel(rows), ONE, method="zscore_mean", decimals=4)
    assert standings(results) == [("A", 1, Decimal("0.5000")), ("B", 2, Decimal("-0.5000"))]


def test_rank_sum_lowest_total_wins():
    # ProofWiki, "Kendall's Coefficient of Concordance/Examples/Arbitrary Example 1".
    result = tabulate_round(panel(PROOFWIKI_RANKS), ONE, method="rank_sum", decimals=0)
    assert standings(result.standings) == [
        ("X", 1, Decimal("7")),
        ("Z", 2, Decimal("8")),
        ("Y", 3, Decimal("9")),
    ]


def test_rank_sum_is_always_lower_is_better():
    with pytest.raises(TabulationError, match="lower-is-better"):
        tabulate(panel(PROOFWIKI_RANKS), ONE, method="rank_sum", higher_is_better=True)


def test_lower_is_better_can_be_chosen_for_score_methods():
    results = tabulate(
        panel({"A": {"J1": "3"}, "B": {"J1": "1"}}), ONE, method="mean", higher_is_better=False
    )
    assert [r.entry for r in results] == ["B", "A"]


# --- ranking and ties --------------------------------------------------------------------------


def test_dense_ranking_of_tied_entries():
    rows = {"A": {"J1": "9"}, "B": {"J1": "8"}, "C": {"J1": "8"}, "D": {"J1": "7"}}
    standard = tabulate(panel(rows), ONE)
    dense = tabulate(panel(rows), ONE, ranking="dense")
    assert [r.rank for r in standard] == [1, 2, 2, 4]
    assert [r.rank for r in dense] == [1, 2, 2, 3]
    assert dense[1].explanation == "tied on 8.00 with C; rank shared"
    assert dense[0].explanation == ""


def test_independent_criterion_is_shown_but_not_counted():
    criteria = [
        CriterionSpec("content"),
        CriterionSpec("delivery"),
        CriterionSpec("audience", counts=False),
    ]
    result = tabulate_round(
        marks(
            [
                ("A", "J1", "content", "8"),
                ("A", "J1", "delivery", "6"),
                ("A", "J1", "audience", "10"),
                ("B", "J1", "content", "7"),
                ("B", "J1", "delivery", "8"),
                ("B", "J1", "audience", "2"),
            ]
        ),
        criteria,
    )
    assert standings(result.standings) == [("B", 1, Decimal("7.50")), ("A", 2, Decimal("7.00"))]
    assert result.standings[1].criterion_means["audience"] == Decimal("10.00")
    assert [(row.entry, row.rank) for row in result.criterion_standings["audience"]] == [
        ("A", 1),
        ("B", 2),
    ]
    assert result.standings[1].criterion_ranks == {"content": 1, "delivery": 2, "audience": 1}


# Three entries tied on 8.00 (two criteria of equal weight, two judges) and one behind:
#   A: J1 (9, 8) = 8.5, J2 (8, 7) = 7.5; content mean 8.5
#   B: J1 (8, 8) = 8.0, J2 (9, 7) = 8.0; content mean 8.5
#   C: J1 (7, 9) = 8.0, J2 (7, 9) = 8.0; content mean 7.0
# First placings: J1's best is A (8.5), J2's best are B and C (8.0): one each.
TIED = marks(
    [
        ("A", "J1", "content", "9"),
        ("A", "J1", "delivery", "8"),
        ("A", "J2", "content", "8"),
        ("A", "J2", "delivery", "7"),
        ("B", "J1", "content", "8"),
        ("B", "J1", "delivery", "8"),
        ("B", "J2", "content", "9"),
        ("B", "J2", "delivery", "7"),
        ("C", "J1", "content", "7"),
        ("C", "J1", "delivery", "9"),
        ("C", "J2", "content", "7"),
        ("C", "J2", "delivery", "9"),
        ("D", "J1", "content", "6"),
        ("D", "J1", "delivery", "6"),
        ("D", "J2", "content", "6"),
        ("D", "J2", "delivery", "6"),
    ]
)
TIED_CRITERIA = [CriterionSpec("content", label="Content"), CriterionSpec("delivery")]


def test_tie_break_chain_separates_ties_and_explains_each_step():
    results = tabulate(
        TIED,
        TIED_CRITERIA,
        tie_breaks=[{"criterion": "content"}, {"first_placings": True}, {"judge": "J1"}],
    )
    assert [(r.entry, r.rank) for r in results] == [("A", 1), ("B", 2), ("C", 3), ("D", 4)]
    assert [r.first_placings for r in results] == [1, 1, 1, 0]
    explanation = {r.entry: r.explanation for r in results}
    assert explanation == {
        "A": "tied on 8.00 with B, C; ahead of C on Content; ahead of B on judge J1",
        "B": "tied on 8.00 with A, C; ahead of C on Content; behind A on judge J1",
        "C": "tied on 8.00 with A, B; behind A, B on Content",
        "D": "",
    }


def test_tie_break_step_labels_and_head_judge():
    results = tabulate(TIED, TIED_CRITERIA, tie_breaks=[{"judge": "J1", "label": "head judge"}])
    assert [(r.entry, r.rank) for r in results] == [("A", 1), ("B", 2), ("C", 2), ("D", 4)]
    assert results[1].explanation == (
        "tied on 8.00 with A, C; behind A on head judge; "
        "still level with C after head judge; rank shared"
    )


def test_unresolved_ties_share_the_rank():
    results = tabulate(TIED, TIED_CRITERIA, tie_breaks=[{"first_placings": True}])
    assert [(r.entry, r.rank) for r in results] == [("A", 1), ("B", 1), ("C", 1), ("D", 4)]
    assert results[0].explanation == (
        "tied on 8.00 with B, C; still level with B, C after first placings; rank shared"
    )


def test_first_placings_break_a_tie():
    rows = {
        "A": {"J1": "10", "J2": "6", "J3": "10"},  # first for J1 and J3
        "B": {"J1": "9", "J2": "9", "J3": "8"},  # first for J2
    }
    results = tabulate(panel(rows), ONE, method="sum", tie_breaks=[{"first_placings": True}])
    assert [(r.entry, r.rank, r.first_placings) for r in results] == [("A", 1, 2), ("B", 2, 1)]
    assert results[0].explanation == "tied on 26.00 with B; ahead of B on first placings"


# --- analytics ---------------------------------------------------------------------------------

# ProofWiki, "Kendall's Coefficient of Concordance/Examples/Arbitrary Example 1"
# (https://proofwiki.org/wiki/Kendall%27s_Coefficient_of_Concordance/Examples/Arbitrary_Example_1):
# four judges rank three competitors; rank sums 7, 9, 8 around a mean of 8, S = 2,
# W = 12 S / (m^2 n (n^2 - 1)) = 24 / (16 * 3 * 8) = 1/16.
PROOFWIKI_RANKS = {
    "X": {"A": "1", "B": "1", "C": "2", "D": "3"},
    "Y": {"A": "3", "B": "2", "C": "3", "D": "1"},
    "Z": {"A": "2", "B": "3", "C": "1", "D": "2"},
}


def test_kendall_w_matches_the_textbook_example():
    assert kendall_w([[1, 3, 2], [1, 2, 3], [2, 3, 1], [3, 1, 2]]) == Fraction(1, 16)
    result = tabulate_round(panel(PROOFWIKI_RANKS), ONE, method="rank_sum")
    assert result.agreement.kendall_w == Fraction(1, 16)
    assert result.agreement.rounded(4) == Decimal("0.0625")


def test_kendall_w_corrects_for_tied_marks():
    # Hand computed with the tie correction (Kendall & Babington Smith 1939; the formula in
    # NAG g08daf): mid-ranks, best = 1
    #   J1: 9 9 7 5 -> 1.5 1.5 3 4   (one tie of 2: 2^3 - 2 = 6)
    #   J2: 8 7 7 6 -> 1 2.5 2.5 4   (one tie of 2: 6)
    #   J3: 9 8 6 7 -> 1 2 4 3
    # rank sums 3.5, 6, 9.5, 11 around m(n+1)/2 = 7.5: S = 16 + 2.25 + 4 + 12.25 = 34.5
    # W = 12 * 34.5 / (3^2 * (4^3 - 4) - 3 * 12) = 414 / 504 = 23/28 (0.7667 uncorrected)
    rows = {
        "A": {"J1": "9", "J2": "8", "J3": "9"},
        "B": {"J1": "9", "J2": "7", "J3": "8"},
        "C": {"J1": "7", "J2": "7", "J3": "6"},
        "D": {"J1": "5", "J2": "6", "J3": "7"},
    }
    result = tabulate_round(panel(rows), ONE)
    assert result.agreement.kendall_w == Fraction(23, 28)
    assert result.agreement.rounded(4) == Decimal("0.8214")


def test_kendall_w_needs_every_judge_to_rank_every_entry():
    rows = {"A": {"J1": "8", "J2": "6"}, "B": {"J1": "6"}}
    result = tabulate_round(panel(rows), ONE)
    assert result.agreement.kendall_w is None
    assert result.agreement.note == "not every judge marked every entry"
    assert tabulate_round(panel({"A": {"J1": "8"}}), ONE).agreement.kendall_w is None


def test_judge_bias_is_the_mean_deviation_from_the_entry_means():
    complete = tabulate_round(
        panel({"A": {"J1": "8", "J2": "6"}, "B": {"J1": "6", "J2": "6"}}), ONE
    )
    assert complete.judge_bias == {"J1": Decimal("0.50"), "J2": Decimal("-0.50")}
    # J2 did not mark B: entry means A 7, B 6; J1 +1 and 0, J2 -1.
    partial = tabulate_round(panel({"A": {"J1": "8", "J2": "6"}, "B": {"J1": "6"}}), ONE)
    assert partial.judge_bias == {"J1": Decimal("0.50"), "J2": Decimal("-1.00")}


def test_spread_flags_disagreement_above_the_threshold():
    rows = {"A": {"J1": "6", "J2": "8"}, "B": {"J1": "7", "J2": "8"}}
    flagged = tabulate(panel(rows), ONE, disagreement_threshold=Decimal("1.5"))
    assert {r.entry: (r.spread, r.disagreement) for r in flagged} == {
        "A": (Decimal("2.00"), True),
        "B": (Decimal("1.00"), False),
    }
    assert not any(r.disagreement for r in tabulate(panel(rows), ONE))


def test_standard_deviation_is_the_population_one():
    results = tabulate(panel({"A": {"J1": "7", "J2": "8", "J3": "9"}}), ONE, decimals=4)
    assert results[0].stdev == Decimal("0.8165")  # sqrt(2/3); the sample sd would be 1
    assert results[0].median == Decimal("8.0000")


def test_criterion_standings_rank_every_entry_on_every_criterion():
    result = tabulate_round(TIED, TIED_CRITERIA)
    assert [(row.entry, row.rank, row.mean) for row in result.criterion_standings["content"]] == [
        ("A", 1, Decimal("8.50")),
        ("B", 1, Decimal("8.50")),
        ("C", 3, Decimal("7.00")),
        ("D", 4, Decimal("6.00")),
    ]


def test_only_the_listed_judges_count():
    rows = {"A": {"J1": "10", "J2": "6"}, "B": {"J1": "7", "J2": "8"}}
    assert [r.entry for r in tabulate(panel(rows), ONE)] == ["A", "B"]
    assert [r.entry for r in tabulate(panel(rows), ONE, judges=["J2"])] == ["B", "A"]


def test_mean_of_many_sheets_equals_the_fraction_arithmetic():
    rows = [
        ("A", f"J{j}", key, str(Decimal(v) / 4))
        for j, v in enumerate([33, 29, 38, 17], start=1)
        for key in ("content", "delivery")
    ]
    results = tabulate(marks(rows), CRITERIA, decimals=6)
    exact = (
        sum(
            weighted_sheet_score({"content": Fraction(v, 4), "delivery": Fraction(v, 4)}, CRITERIA)
            for v in [33, 29, 38, 17]
        )
        / 4
    )
    assert results[0].score == round_half_up(exact, 6)


# --- skating -----------------------------------------------------------------------------------


def test_skating_delegates_to_the_skating_system():
    pytest.importorskip("scoring.skating")
    # github.com/haxney/railskating features/scoring/finals/single.feature, "Couples receive a
    # fractional placement" (also /work/shared/oracles/skating_fractional_tie_single_dance.json).
    places = {
        "81": [1, 4, 1, 1, 1],
        "82": [4, 2, 2, 4, 2],
        "83": [3, 1, 4, 3, 3],
        "84": [2, 3, 3, 2, 4],
        "85": [5, 5, 5, 5, 5],
    }
    rows = [
        (couple, judge, "waltz", str(place))
        for couple, row in places.items()
        for judge, place in zip("ABCDE", row, strict=True)
    ]
    result = tabulate_round(marks(rows), [CriterionSpec("waltz")], method="skating", decimals=1)
    assert [(r.entry, r.rank, r.score) for r in result.standings] == [
        ("81", 1, Decimal("1.0")),
        ("82", 2, Decimal("2.0")),
        ("83", Decimal("3.5"), Decimal("3.5")),
        ("84", Decimal("3.5"), Decimal("3.5")),
        ("85", 5, Decimal("5.0")),
    ]
    assert all(r.explanation for r in result.standings)
    assert str(result.standings[2].rank) == "3.5"  # a Decimal, ready for Standing.rank
    assert result.criterion_standings["waltz"][2].rank == Decimal("3.5")


def test_skating_placings_must_be_whole_numbers():
    pytest.importorskip("scoring.skating")
    with pytest.raises(TabulationError, match="whole numbers"):
        tabulate(marks([("A", "J1", "waltz", "1.5")]), [CriterionSpec("waltz")], method="skating")


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "rows", "message"),
    [
        ({"method": "trimmed_mean", "drop_highest": 1, "drop_lowest": 1}, {"J1": "8", "J2": "9"},
         "too few judges to trim: entry 'A' has 2 judges"),
        ({"method": "mean", "drop_highest": 1}, {"J1": "8"}, "applies only to trimmed"),
        ({"ranking": "olympic"}, {"J1": "8"}, "unknown ranking style"),
        ({"decimals": 9}, {"J1": "8"}, "decimals must be between 0 and 6"),
        ({"tie_breaks": [{"criterion": "charm"}]}, {"J1": "8"}, "unknown criterion 'charm'"),
        ({"tie_breaks": [{"judge": "J9"}]}, {"J1": "8"}, "tie-break judge 'J9' marked nothing"),
        ({"tie_breaks": [{"coin": True}]}, {"J1": "8"}, "exactly one of"),
        ({"judges": ["J1", "J7"]}, {"J1": "8"}, "judge 'J7' is listed to count"),
        ({"method": "rank_sum"}, {"J1": "0"}, "ranks, from 1"),
        ({"trim_per": "criterion"}, {"J1": "8"}, "trim_per applies only"),
        ({"disagreement_threshold": "lots"}, {"J1": "8"}, "is not a number"),
    ],
)  # fmt: skip
def test_bad_options_are_refused_with_the_reason(options, rows, message):
    with pytest.raises(TabulationError, match=message):
        tabulate(panel({"A": rows}), ONE, **options)


def test_a_mark_that_is_not_a_number_is_refused():
    with pytest.raises(TabulationError, match="'eight' is not a number"):
        tabulate([MarkInput("A", "J1", "score", "eight")], ONE)
    with pytest.raises(TabulationError, match="is not a number"):
        tabulate([MarkInput("A", "J1", "score", Decimal("NaN"))], ONE)


def test_a_sheet_of_weightless_criteria_is_refused():
    criteria = [CriterionSpec("content"), CriterionSpec("bonus", counts=False)]
    with pytest.raises(TabulationError, match="total weight of zero"):
        tabulate(marks([("A", "J1", "bonus", "5")]), criteria)


def test_penalties_are_deducted_before_ranking():
    from scoring.tabulation import tabulate_round

    rows = [("A", "J1", "score", "9"), ("B", "J1", "score", "8.75")]
    result = tabulate_round(marks(rows), [CriterionSpec("score")], penalties={"A": "0.5"})
    assert [(r.entry, r.rank, r.score, r.penalty) for r in result.standings] == [
        ("B", 1, Decimal("8.75"), Decimal("0.00")),
        ("A", 2, Decimal("8.50"), Decimal("0.50")),
    ]
    with pytest.raises(TabulationError, match="penalties"):
        tabulate_round(
            marks(rows), [CriterionSpec("score")], method="rank_sum", penalties={"A": "1"}
        )
