"""Tabulation: turning judges' marks into standings. Pure: no ORM, exact arithmetic.

Arithmetic is done in `Fraction`, so nothing is lost to binary or decimal rounding; scores are
rounded half-up exactly once, at the declared precision, and entries are ranked on the rounded
score (two entries that print the same score share a rank).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

METHODS = ("mean",)
RANKINGS = ("standard", "dense")


class TabulationError(ValueError):
    """The input cannot be tabulated; the message names the problem."""


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class MarkInput:
    entry: str
    judge: str
    criterion: str
    value: Decimal


@dataclass
class EntryResult:
    entry: str
    rank: int
    score: Decimal
    judges_counted: int
    criterion_means: dict[str, Decimal] = field(default_factory=dict)
    judge_scores: dict[str, Decimal] = field(default_factory=dict)


def round_half_up(value: Fraction, decimals: int) -> Decimal:
    """Round an exact fraction half-up (away from zero on .5) to `decimals` places, exactly."""
    scale = 10**decimals
    scaled = value * scale
    sign = -1 if scaled < 0 else 1
    magnitude = abs(scaled)
    whole, remainder = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * remainder >= magnitude.denominator:
        whole += 1
    return (Decimal(sign * whole) / Decimal(scale)).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP
    )


def assign_ranks(scores: Sequence[Decimal], *, style: str = "standard") -> list[int]:
    """Ranks for scores already sorted best first: standard (1, 2, 2, 4) or dense (1, 2, 2, 3)."""
    if style not in RANKINGS:
        raise TabulationError(f"unknown ranking style {style!r}; use one of {', '.join(RANKINGS)}")
    ranks: list[int] = []
    for index, score in enumerate(scores):
        if index and score == scores[index - 1]:
            ranks.append(ranks[-1])
        elif style == "dense":
            ranks.append(ranks[-1] + 1 if ranks else 1)
        else:
            ranks.append(index + 1)
    return ranks


def weighted_sheet_score(
    values: dict[str, Fraction], criteria: Sequence[CriterionSpec]
) -> Fraction:
    """A judge's score for one entry: the weighted mean of the criteria they marked."""
    weights = {c.key: Fraction(c.weight) for c in criteria}
    total_weight = sum(weights[key] for key in values)
    if total_weight == 0:
        raise TabulationError("the criteria marked on a sheet have a total weight of zero")
    return sum(weights[key] * value for key, value in values.items()) / total_weight


def tabulate(
    marks: Iterable[MarkInput],
    criteria: Sequence[CriterionSpec],
    *,
    method: str = "mean",
    decimals: int = 2,
    ranking: str = "standard",
) -> list[EntryResult]:
    """Standings, best first, from every counted mark of a round."""
    if method not in METHODS:
        raise TabulationError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if not 0 <= decimals <= 6:
        raise TabulationError("decimals must be between 0 and 6")
    known = {c.key for c in criteria}
    if len(known) != len(criteria):
        raise TabulationError("a criterion key is listed twice")

    sheets: dict[str, dict[str, dict[str, Fraction]]] = defaultdict(lambda: defaultdict(dict))
    for mark in marks:
        if mark.criterion not in known:
            raise TabulationError(f"mark for unknown criterion {mark.criterion!r}")
        judge_sheet = sheets[mark.entry][mark.judge]
        if mark.criterion in judge_sheet:
            raise TabulationError(
                f"judge {mark.judge!r} marked entry {mark.entry!r} on {mark.criterion!r} twice"
            )
        judge_sheet[mark.criterion] = Fraction(mark.value)

    unranked: list[EntryResult] = []
    for entry, by_judge in sheets.items():
        judge_scores = {judge: weighted_sheet_score(v, criteria) for judge, v in by_judge.items()}
        mean = sum(judge_scores.values()) / len(judge_scores)
        criterion_means = {}
        for spec in criteria:
            values = [v[spec.key] for v in by_judge.values() if spec.key in v]
            if values:
                criterion_means[spec.key] = round_half_up(sum(values) / len(values), decimals)
        unranked.append(
            EntryResult(
                entry=entry,
                rank=0,
                score=round_half_up(mean, decimals),
                judges_counted=len(judge_scores),
                criterion_means=criterion_means,
                judge_scores={j: round_half_up(s, decimals) for j, s in judge_scores.items()},
            )
        )

    # Best score first; entries with equal scores in a stable, input-independent order.
    unranked.sort(key=lambda result: (-result.score, result.entry))
    for result, rank in zip(
        unranked, assign_ranks([r.score for r in unranked], style=ranking), strict=True
    ):
        result.rank = rank
    return unranked
