"""`manage.py tabulate FILE`: the tabulation engine outside the web app, end to end."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

REPOSITORY = Path(__file__).resolve().parents[2]

ROUND = {
    "method": "trimmed_mean",
    "drop_highest": 1,
    "drop_lowest": 1,
    "decimals": 2,
    "ranking": "standard",
    "higher_is_better": True,
    "criteria": [{"key": "content", "weight": "3"}, {"key": "delivery", "weight": "2"}],
    "marks": [
        {"entry": entry, "judge": judge, "criterion": criterion, "value": value}
        for entry, judge, criterion, value in [
            ("A", "J1", "content", "8.5"),
            ("A", "J1", "delivery", "9"),  # 8.70
            ("A", "J2", "content", "7"),
            ("A", "J2", "delivery", "9.5"),  # 8.00
            ("A", "J3", "content", "9"),
            ("A", "J3", "delivery", "6"),  # 7.80
            ("B", "J1", "content", "9"),
            ("B", "J1", "delivery", "9"),  # 9.00
            ("B", "J2", "content", "9"),
            ("B", "J2", "delivery", "7"),  # 8.20
            ("B", "J3", "content", "6"),
            ("B", "J3", "delivery", "6"),  # 6.00
            ("C", "J1", "content", "6"),
            ("C", "J1", "delivery", "6"),  # 6.00
            ("C", "J2", "content", "7"),
            ("C", "J2", "delivery", "7"),  # 7.00
            ("C", "J3", "content", "5"),
            ("C", "J3", "delivery", "5"),  # 5.00
        ]
    ],
}


def run(args, *, stdin=None):
    return subprocess.run(
        [sys.executable, "manage.py", "tabulate", *args],
        cwd=REPOSITORY,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(tmp_path, document, name="round.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def test_a_file_is_tabulated_to_json_standings_in_rank_order(tmp_path):
    done = run([write(tmp_path, ROUND)])
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert [(row["entry"], row["rank"], row["score"]) for row in output["standings"]] == [
        ("B", 1, "8.20"),  # 9.00 and 6.00 dropped
        ("A", 2, "8.00"),  # 8.70 and 7.80 dropped
        ("C", 3, "6.00"),
    ]
    first = output["standings"][0]
    assert first["judge_scores"] == {"J1": "9.00", "J2": "8.20", "J3": "6.00"}
    assert {(d["judge"], d["side"]) for d in first["dropped"]} == {
        ("J1", "highest"),
        ("J3", "lowest"),
    }
    assert first["criteria"] == {"content": "8.00", "delivery": "7.33"}
    # J1 and J2 order B, A, C; J3 orders A, B, C: W = 0.7778 (rank sums 4, 5, 9 of 3 judges).
    assert output["agreement"]["kendall_w"] == "0.7778"


def test_standard_input_is_read_with_a_dash():
    done = run(["-"], stdin=json.dumps(ROUND))
    assert done.returncode == 0, done.stderr
    assert [row["entry"] for row in json.loads(done.stdout)["standings"]] == ["B", "A", "C"]


def test_stdin_in_process_and_the_optional_fields():
    document = {
        **ROUND,
        "method": "mean",
        "drop_highest": 0,
        "drop_lowest": 0,
        "judges": ["J1", "J2"],
        "tie_breaks": [{"criterion": "delivery", "label": "Delivery"}],
        "disagreement_threshold": "1",
    }
    out = io.StringIO()
    call_command("tabulate", "-", stdin=io.StringIO(json.dumps(document)), stdout=out)
    output = json.loads(out.getvalue())
    rows = {row["entry"]: row for row in output["standings"]}
    # Only J1 and J2 count: A (8.70 + 8.00) / 2 = 8.35, B (9.00 + 8.20) / 2 = 8.60.
    assert (rows["B"]["rank"], rows["B"]["score"]) == (1, "8.60")
    assert (rows["A"]["score"], rows["A"]["judges_counted"]) == ("8.35", 2)
    assert rows["B"]["disagreement"] is False  # spread 0.80
    assert rows["C"]["disagreement"] is False
    assert set(output["judge_bias"]) == {"J1", "J2"}


def test_tie_breaks_through_the_command(tmp_path):
    document = {
        "method": "sum",
        "decimals": 1,
        "tie_breaks": [{"first_placings": True}],
        "marks": [
            {"entry": "A", "judge": "J1", "value": 10},
            {"entry": "A", "judge": "J2", "value": 6},
            {"entry": "A", "judge": "J3", "value": 10},
            {"entry": "B", "judge": "J1", "value": 9},
            {"entry": "B", "judge": "J2", "value": 9},
            {"entry": "B", "judge": "J3", "value": 8},
        ],
    }
    done = run([write(tmp_path, document)])
    assert done.returncode == 0, done.stderr
    standings = json.loads(done.stdout)["standings"]
    assert [(row["entry"], row["rank"], row["score"]) for row in standings] == [
        ("A", 1, "26.0"),
        ("B", 2, "26.0"),
    ]
    assert standings[0]["explanation"] == "tied on 26.0 with B; ahead of B on first placings"


def test_a_shared_skating_place_is_a_fractional_rank(tmp_path):
    pytest.importorskip("scoring.skating")
    places = {"81": [1, 4, 1, 1, 1], "82": [4, 2, 2, 4, 2], "83": [3, 1, 4, 3, 3]}
    places |= {"84": [2, 3, 3, 2, 4], "85": [5, 5, 5, 5, 5]}
    document = {
        "method": "skating",
        "decimals": 1,
        "criteria": [{"key": "waltz"}],
        "marks": [
            {"entry": couple, "judge": judge, "criterion": "waltz", "value": place}
            for couple, row in places.items()
            for judge, place in zip("ABCDE", row, strict=True)
        ],
    }
    done = run([write(tmp_path, document)])
    assert done.returncode == 0, done.stderr
    standings = json.loads(done.stdout)["standings"]
    assert [(row["entry"], row["rank"], row["score"]) for row in standings] == [
        ("81", 1, "1.0"),
        ("82", 2, "2.0"),
        ("83", 3.5, "3.5"),
        ("84", 3.5, "3.5"),
        ("85", 5, "5.0"),
    ]
    assert '"rank": 1,' in done.stdout  # a whole place is printed as an integer


def with_marks(*extra, **fields):
    return {**ROUND, **fields, "marks": ROUND["marks"] + list(extra)}


BAD_INPUT = [
    ("unknown method", with_marks(method="vibes"), "unknown method 'vibes'"),
    (
        "a judge marking an entry twice",
        with_marks({"entry": "A", "judge": "J1", "criterion": "content", "value": "7"}),
        "judge 'J1' marked entry 'A' on 'content' twice",
    ),
    (
        "a non-number",
        with_marks({"entry": "D", "judge": "J1", "criterion": "content", "value": "tám"}),
        "'tám' is not a number",
    ),
    ("too few judges to trim", with_marks(drop_highest=2), "too few judges to trim"),
    (
        "an unknown criterion",
        with_marks({"entry": "A", "judge": "J1", "criterion": "charm", "value": "7"}),
        "unknown criterion 'charm'",
    ),
    ("malformed JSON", '{"method": "mean", "marks": [', "is not valid JSON"),
    ("deeply nested JSON", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("NaN", '{"marks": [{"entry": "A", "judge": "J", "value": NaN}]}', "NaN is not a number"),
    ("not an object", "[1, 2]", "the input must be a JSON object"),
    ("no marks", {"method": "mean"}, "the input has no 'marks'"),
    ("a misspelt field", with_marks(methd="mean"), "unknown field 'methd'"),
]


@pytest.mark.parametrize(
    ("problem", "document", "message"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT]
)
def test_bad_input_exits_non_zero_with_one_line_naming_the_problem(
    tmp_path, problem, document, message
):
    done = run([write(tmp_path, document)])
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("CommandError: ")
    assert message in lines[0]
    assert "Traceback" not in done.stderr


def test_a_missing_file_exits_non_zero_with_one_line(tmp_path):
    missing = tmp_path / "nope.json"
    done = run([str(missing)])
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"CommandError: cannot read {missing}: No such file or directory"
    ]


def test_bad_input_in_process_raises_command_error(tmp_path):
    with pytest.raises(CommandError, match="unknown method"):
        call_command("tabulate", write(tmp_path, with_marks(method="vibes")), stdout=io.StringIO())
