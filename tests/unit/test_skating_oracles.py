"""The Skating System reproduces published results (rules 5-11).

Every `skating_*.json` under shared/oracles is a real final or a rule-book example with the raw
marks and the published outcome; the adapter below reads them as they are. Without the oracle
folder the oracle tests skip, or fail when REQUIRE_SERVICES=1 (CI).
"""

import io
import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.skating import SkatingError, cumulative_columns, single_dance, skating

ORACLES = Path(__file__).resolve().parents[3] / "shared" / "oracles"
ORACLE_FILES = sorted(ORACLES.glob("skating_*.json")) if ORACLES.is_dir() else []

# The notes of this file: couples 113 and 117 take 7th and 8th between them, but which is 7th
# depends on how a group tied after rule 10 is resolved, so only the pair of places is asserted
# against the file. The engine's own choice is pinned by a test of its own below.
DISPUTED = {"skating_textbook_rule11_example2": {"113", "117"}}

# A dance known only by its published places is fed as one judge placing the couples that way:
# rules 5-8 then give back exactly those places.
PLACES_ONLY_JUDGE = "published"


def _require_oracles() -> None:
    reason = f"no skating_*.json oracle files under {ORACLES}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _load_case(name: str) -> dict:
    path = ORACLES / f"{name}.json"
    if not path.is_file():
        _require_oracles()
    return json.loads(path.read_text(encoding="utf-8"))


def dances_from_marks(marks: dict) -> dict[str, dict[str, dict[str, int]]]:
    """The oracle's marks as ``dances[dance][judge][couple] = place``."""
    if "places_by_couple" in marks:
        by_dance = {"dance": marks["places_by_couple"]}
    elif "per_dance_judge_places" in marks:
        by_dance = marks["per_dance_judge_places"]
    else:
        return {
            dance: {PLACES_ONLY_JUDGE: dict(places)}
            for dance, places in marks["per_dance_places"].items()
        }
    dances = {}
    for dance, by_couple in by_dance.items():
        panel = len(next(iter(by_couple.values())))
        judges = marks.get("judges") or [f"J{index + 1}" for index in range(panel)]
        dances[dance] = {
            judge: {couple: places[index] for couple, places in by_couple.items()}
            for index, judge in enumerate(judges)
        }
    return dances


def exact(mapping: dict) -> dict[str, Fraction]:
    """Published figures (ints, or floats such as 3.5 for shared places) as exact fractions."""
    return {key: Fraction(str(value)) for key, value in mapping.items()}


def without(mapping: dict, keys: set[str]) -> dict:
    return {key: value for key, value in mapping.items() if key not in keys}


@pytest.mark.parametrize(
    "path",
    ORACLE_FILES or [pytest.param(None, id="oracles-missing")],
    ids=lambda path: path.stem if path else "oracles-missing",
)
def test_published_skating_result_is_reproduced(path):
    if path is None:
        _require_oracles()
    case = json.loads(path.read_text(encoding="utf-8"))
    expected = case["expected"]
    disputed = DISPUTED.get(case["id"], set())
    dances = dances_from_marks(case["marks"])

    result = skating(dances)

    final = expected.get("final_place") or expected.get("place")
    if final is None:
        # A single-dance event publishes only the dance's places: they are the final result.
        (final,) = expected["per_dance_place"].values()
    final = exact(final)
    assert without(result.places, disputed) == without(final, disputed)
    assert sorted(result.places[couple] for couple in disputed) == sorted(
        final[couple] for couple in disputed
    )
    per_dance = expected.get("per_dance_place") or expected.get("per_dance_place_derived")
    if per_dance:
        assert result.per_dance == {dance: exact(places) for dance, places in per_dance.items()}
    if "per_dance_places" in case["marks"]:
        assert result.per_dance == {
            dance: exact(places) for dance, places in case["marks"]["per_dance_places"].items()
        }
    totals = expected.get("final_sum_as_published") or expected.get("total_derived")
    if totals:
        assert result.totals == exact(totals)
    for dance, columns in expected.get("per_dance_cumulative_columns_as_published", {}).items():
        assert cumulative_columns(dances[dance]) == columns, dance
    if "tiebreak_rule_tag_in_fixture" in expected:
        # The fixture tags only the couples a tie-break placed; the others were placed by rule 9.
        tags = {couple: "R9" for couple in result.places} | expected["tiebreak_rule_tag_in_fixture"]
        assert without(result.rule, disputed) == without(tags, disputed)


@pytest.mark.parametrize(
    "path",
    ORACLE_FILES or [pytest.param(None, id="oracles-missing")],
    ids=lambda path: path.stem if path else "oracles-missing",
)
def test_published_skating_result_through_the_tabulate_command(path, tmp_path):
    """The same cases, as an organiser would run them: `manage.py tabulate` on a JSON file of
    each judge's placings per dance; rank is the final place, score the rule-9 sum."""
    if path is None:
        _require_oracles()
    case = json.loads(path.read_text(encoding="utf-8"))
    expected = case["expected"]
    disputed = DISPUTED.get(case["id"], set())
    dances = dances_from_marks(case["marks"])
    document = {
        "method": "skating",
        "decimals": 1,
        "criteria": [{"key": dance} for dance in dances],
        "marks": [
            {"entry": couple, "judge": judge, "criterion": dance, "value": place}
            for dance, by_judge in dances.items()
            for judge, places in by_judge.items()
            for couple, place in places.items()
        ],
    }
    source = tmp_path / f"{case['id']}.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    out = io.StringIO()
    call_command("tabulate", str(source), stdout=out)
    standings = json.loads(out.getvalue())["standings"]

    final = expected.get("final_place") or expected.get("place")
    if final is None:
        (final,) = expected["per_dance_place"].values()
    ranks = {row["entry"]: Fraction(str(row["rank"])) for row in standings}
    assert without(ranks, disputed) == without(exact(final), disputed)
    assert [row["rank"] for row in standings] == sorted(row["rank"] for row in standings)
    totals = expected.get("final_sum_as_published") or expected.get("total_derived")
    if totals:
        assert {row["entry"]: Fraction(row["score"]) for row in standings} == exact(totals)


def test_every_oracle_file_is_read_by_the_adapter():
    if not ORACLE_FILES:
        _require_oracles()
    for path in ORACLE_FILES:
        case = json.loads(path.read_text(encoding="utf-8"))
        assert case["id"] == path.stem
        assert case["method"].startswith("skating_system")
        assert dances_from_marks(case["marks"]), path.name


# --- rules 5-8 ---------------------------------------------------------------------------------

# skating_fractional_tie_single_dance (railskating fixture): judges A-E, one dance.
FRACTIONAL_TIE = {
    "81": [1, 4, 1, 1, 1],
    "82": [4, 2, 2, 4, 2],
    "83": [3, 1, 4, 3, 3],
    "84": [2, 3, 3, 2, 4],
    "85": [5, 5, 5, 5, 5],
}

# Dance 1 of jUdge's "Beispiel P": the case that fixes the column progression of rules 5-8.
BEISPIEL_P_DANCE1 = {
    "C1": [2, 2, 5, 2, 5],
    "C2": [3, 3, 6, 3, 6],
    "C3": [4, 5, 3, 1, 1],
    "C4": [1, 1, 2, 5, 3],
    "C5": [6, 6, 1, 4, 4],
    "C6": [5, 4, 4, 6, 2],
}


def by_judge(places_by_couple: dict[str, list[int]]) -> dict[str, dict[str, int]]:
    return dances_from_marks({"places_by_couple": places_by_couple})["dance"]


def test_couples_equal_in_every_column_share_the_mean_of_their_places():
    result = skating({"Waltz": by_judge(FRACTIONAL_TIE)})

    assert result.places == {
        "81": 1,
        "82": 2,
        "83": Fraction(7, 2),
        "84": Fraction(7, 2),
        "85": 5,
    }
    assert result.rule["83"] == result.rule["84"] == "tie"
    assert "3.5" in result.explanations["83"]
    assert single_dance(by_judge(FRACTIONAL_TIE)) == result.places


def test_after_a_majority_column_is_used_up_the_next_column_is_searched():
    # Column 2 places C4 and C1, column 3 places C3 and C2; 5th is sought in column 4, where C5
    # and C6 both hold 3 of 5 and C5's lower sum (9 v 10) wins. Jumping to column 5 (the place
    # under review) would give C6 four marks and wrongly put it 5th.
    places = single_dance(by_judge(BEISPIEL_P_DANCE1))

    assert places == {"C4": 1, "C1": 2, "C3": 3, "C2": 4, "C5": 5, "C6": 6}


def test_cumulative_columns_print_a_dash_where_no_judge_placed_the_couple_that_high():
    columns = cumulative_columns(by_judge(FRACTIONAL_TIE), with_sums=True)

    assert cumulative_columns(by_judge(FRACTIONAL_TIE))["85"] == ["-", "-", "-", "-", "5"]
    assert columns["83"] == ["1(1)", "1(1)", "4(10)", "5(14)", "5(14)"]
    assert columns["84"] == ["-", "2(4)", "4(10)", "5(14)", "5(14)"]


# --- rules 9-11 --------------------------------------------------------------------------------


def test_group_tied_after_rule_10_is_settled_before_couples_that_lost_at_rule_10():
    # 112, 113 and 117 tie on 14 for 6th; rule 10 drops 117 and cannot separate 112 and 113;
    # rule 11 gives 112 6th. The engine then settles 113 before reconsidering 117, as jUdge,
    # railskating and Greg Cooper's scrutineer do: 113 7th, 117 8th.
    case = _load_case("skating_textbook_rule11_example2")

    result = skating(dances_from_marks(case["marks"]))

    assert (result.places["112"], result.places["113"], result.places["117"]) == (6, 7, 8)
    assert (result.rule["112"], result.rule["113"], result.rule["117"]) == ("R11", "R11", "R10")
    assert "rule 11" in result.explanations["112"]


def test_after_a_rule_10_winner_every_couple_still_tied_is_reconsidered():
    # 2 (3rd, 3rd), 4 (5th, 1st) and 5 (4th, 2nd) tie on 6 for 2nd. Rule 10(a) leaves 4 and 5
    # (one place 2nd or higher each), 10(b) gives 2nd to 4 (sum 1 v 2). For 3rd, 2 and 5 are
    # compared afresh: 2 has two places 3rd or higher, 5 one. (Placing 5 first because it got
    # further at 2nd, as jUdge does, would swap them; no oracle covers this case.)
    dances = {
        "Waltz": {
            "A": {"1": 3, "2": 2, "3": 4, "4": 5, "5": 1},
            "B": {"1": 2, "2": 5, "3": 1, "4": 3, "5": 4},
            "C": {"1": 1, "2": 3, "3": 2, "4": 5, "5": 4},
        },
        "Tango": {
            "A": {"1": 5, "2": 1, "3": 3, "4": 4, "5": 2},
            "B": {"1": 1, "2": 3, "3": 4, "4": 2, "5": 5},
            "C": {"1": 3, "2": 4, "3": 5, "4": 1, "5": 2},
        },
    }

    result = skating(dances)

    assert result.per_dance == {
        "Waltz": {"1": 1, "3": 2, "2": 3, "5": 4, "4": 5},
        "Tango": {"4": 1, "5": 2, "2": 3, "1": 4, "3": 5},
    }
    assert result.places == {"1": 1, "4": 2, "2": 3, "5": 4, "3": 5}
    assert result.rule == {"1": "R9", "4": "R10", "2": "R10", "5": "R10", "3": "R9"}


def test_rule_11_starts_in_the_column_of_the_place_under_review():
    # All four couples total 5. Rule 11 gives 1st to 3 over 1; then 2 and 4 are equal under
    # rule 10 for 3rd (a 2nd and a 3rd each), and rule 11 for 3rd reads the "3rd or higher"
    # column: 2 has 6 of 6 marks there, 4 has 5. Starting from column 1 would give 4 the place:
    # it reaches a majority (4 of 6) first, in column 2.
    dances = {
        "Waltz": {
            "A": {"1": 1, "2": 3, "3": 4, "4": 2},
            "B": {"1": 1, "2": 3, "3": 4, "4": 2},
            "C": {"1": 4, "2": 3, "3": 1, "4": 2},
        },
        "Tango": {
            "A": {"1": 4, "2": 1, "3": 2, "4": 3},
            "B": {"1": 3, "2": 2, "3": 1, "4": 4},
            "C": {"1": 4, "2": 3, "3": 1, "4": 2},
        },
    }

    result = skating(dances)

    assert result.totals == {"1": 5, "2": 5, "3": 5, "4": 5}
    assert result.places == {"3": 1, "1": 2, "2": 3, "4": 4}
    assert set(result.rule.values()) == {"R11"}
    assert "6 of 6 marks 3rd or higher" in result.explanations["2"]


def test_identical_couples_stay_tied_through_rule_11_and_share_places():
    dances = {
        dance: {
            "A": {"1": 1, "2": 2, "3": 3},
            "B": {"1": 1, "2": 3, "3": 2},
            "C": {"1": 1, "2": 2, "3": 3},
            "D": {"1": 1, "2": 3, "3": 2},
        }
        for dance in ("Waltz", "Tango")
    }

    result = skating(dances)

    assert result.places == {"1": 1, "2": Fraction(5, 2), "3": Fraction(5, 2)}
    assert result.totals == {"1": 2, "2": 5, "3": 5}
    assert result.rule == {"1": "R9", "2": "tie", "3": "tie"}


# --- bad input ---------------------------------------------------------------------------------

WALTZ = {
    "A": {"1": 1, "2": 2, "3": 3},
    "B": {"1": 2, "2": 1, "3": 3},
    "C": {"1": 1, "2": 3, "3": 2},
}


@pytest.mark.parametrize(
    ("dances", "message"),
    [
        (
            {"Waltz": WALTZ | {"B": {"1": 2, "2": 2, "3": 3}}},
            "judge 'B' gives place 2 to both couple '1' and couple '2'",
        ),
        ({"Waltz": WALTZ | {"C": {"1": 1, "2": 2}}}, "judge 'C' gives no place to couple(s) '3'"),
        ({"Waltz": WALTZ | {"A": {"1": 1, "2": 2, "3": 4}}}, "place 4, outside 1..3"),
        ({"Waltz": WALTZ | {"A": {"1": 1, "2": 2, "3": 3.0}}}, "not a whole number"),
        ({"Waltz": {}}, "no judges"),
        ({}, "no dances"),
        (
            {"Waltz": WALTZ, "Tango": {judge: {"1": 1, "2": 2} for judge in WALTZ}},
            "dance 'Tango' places couples '1', '2' but dance 'Waltz' places '1', '2', '3'",
        ),
        (
            {"Waltz": WALTZ, "Tango": WALTZ | {"D": {"1": 1, "2": 2, "3": 3}}},
            "rule 11 needs the same judges in every dance",
        ),
    ],
    ids=[
        "duplicate-place",
        "missing-couple",
        "place-out-of-range",
        "not-whole",
        "no-judges",
        "no-dances",
        "different-couples",
        "different-judges",
    ],
)
def test_bad_placings_are_rejected_with_a_clear_message(dances, message):
    with pytest.raises(SkatingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        skating(dances)


def test_single_dance_rejects_a_judge_placing_two_couples_equal():
    with pytest.raises(SkatingError, match="judge 'A' gives place 1 to both"):
        single_dance({"A": {"1": 1, "2": 1}})


# --- properties --------------------------------------------------------------------------------


@st.composite
def finals(draw):
    """Random finals: 1-6 couples, 1-5 judges, 1-4 dances; every judge places every couple."""
    couples = [f"c{index}" for index in range(draw(st.integers(1, 6)))]
    judges = [f"j{index}" for index in range(draw(st.integers(1, 5)))]
    places = list(range(1, len(couples) + 1))
    return {
        f"d{dance}": {
            judge: dict(zip(couples, draw(st.permutations(places)), strict=True))
            for judge in judges
        }
        for dance in range(draw(st.integers(1, 4)))
    }


@settings(deadline=None, derandomize=True, max_examples=200)
@given(dances=finals(), data=st.data())
def test_renaming_and_reordering_judges_and_couples_changes_nothing(dances, data):
    a_dance = next(iter(dances.values()))
    couples = list(next(iter(a_dance.values())))
    judges = list(a_dance)
    new_couple = dict(zip(couples, data.draw(st.permutations(couples)), strict=True))
    new_couple = {old: f"couple {new}" for old, new in new_couple.items()}
    new_judge = {old: f"judge {new}" for old, new in zip(judges, reversed(judges), strict=True)}
    dance_order = data.draw(st.permutations(list(dances)))
    renamed = {
        dance: {
            new_judge[judge]: {
                new_couple[couple]: dances[dance][judge][couple]
                for couple in reversed(list(dances[dance][judge]))
            }
            for judge in reversed(list(dances[dance]))
        }
        for dance in dance_order
    }

    before, after = skating(dances), skating(renamed)

    assert {new_couple[c]: place for c, place in before.places.items()} == after.places
    assert {new_couple[c]: total for c, total in before.totals.items()} == after.totals
    assert {new_couple[c]: rule for c, rule in before.rule.items()} == after.rule
    for dance in dances:
        assert {
            new_couple[c]: place for c, place in before.per_dance[dance].items()
        } == after.per_dance[dance]


@settings(deadline=None, derandomize=True, max_examples=200)
@given(dances=finals())
def test_places_always_cover_exactly_one_to_n(dances):
    result = skating(dances)

    n = len(result.places)
    assert sum(result.places.values()) == Fraction(n * (n + 1), 2)
    assert all(1 <= place <= n for place in result.places.values())
    for places in result.per_dance.values():
        assert sum(places.values()) == Fraction(n * (n + 1), 2)
    assert set(result.rule.values()) <= {"R5", "R6", "R7", "R8", "R9", "R10", "R11", "tie"}
    assert set(result.explanations) == set(result.places)
