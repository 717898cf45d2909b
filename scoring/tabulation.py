"""Tabulation: turning judges' marks into standings. Pure: no ORM, exact arithmetic.

Marks and weights are exact numbers (decimals in practice: marks with two places, weights with
three), so the engine works in scaled integers: every value becomes an integer over the round's
least common denominator, each judge's sheet score an integer over one denominator shared by the
whole round, and an entry's score a ratio of two integers; Fractions appear only per entry where
a method needs them. Scores are rounded half-up exactly once, at the declared precision, and
entries are ranked on the rounded score (two entries that print the same score share a rank
unless a configured tie-break separates them): standard competition ranking (1, 2, 2, 4) or
dense (1, 2, 2, 3). ``judges`` restricts which judges count; ``judges_counted`` is the number of
judges who marked the entry (marks dropped by trimming are listed in ``dropped``).

Methods (``METHODS``), for ``n`` judges who marked an entry:

``mean``          the mean of the judges' sheet scores;
``sum``           the sum of the judges' sheet scores;
``trimmed_mean``  the mean after dropping the ``drop_highest`` highest and ``drop_lowest`` lowest
                  sheet scores;
``trimmed_sum``   the same, summed;
``median``        the median of the sheet scores (the mean of the middle two for even ``n``);
``zscore_mean``   each judge's sheet scores standardised over the entries that judge marked
                  (``z = (s - mean) / population sd``; a judge whose scores are all equal
                  contributes 0), then averaged; ``EntryResult.mean`` keeps the raw mean;
``rank_sum``      the values are the judges' ranks; the sum of ranks, lowest wins;
``skating``       the DanceSport Skating System (``scoring.skating``): the criteria are the dances
                  and the values each judge's placings.

A judge's *sheet score* for an entry is the weighted mean of the counting criteria marked on it
(``sum(w * v) / sum(w)``) for ``mean``, ``median``, ``trimmed_mean`` and ``zscore_mean``, and the
weighted sum (``sum(w * v)``) for ``sum``, ``trimmed_sum``, ``rank_sum`` and ``skating``. A
criterion with ``counts=False`` is independent: marked and shown, never in the total.

Two generic extensions, both off by default:

- ``difficulty``: a per-entry multiplier of a criterion's weight (diving's degree of difficulty:
  the weight of the criterion "Final|3" is 0.6 for everyone and the diver's dive multiplies it).
- ``trim_per="criterion"``: the trimmed methods drop the extreme marks on each criterion
  separately (diving drops the highest and lowest judge on every dive) instead of the judges with
  the extreme sheet scores (``trim_per="sheet"``, the default). The entry's score is then
  ``sum_c w_c * f_c * T_c`` for ``trimmed_sum`` (``T_c`` the sum of the kept marks) and
  ``sum_c w_c * M_c / sum_c w_c`` for ``trimmed_mean`` (``M_c`` their mean).

Tie-breaks (``tie_breaks``, a chain applied in order to entries tied on the rounded score):
``{"criterion": key}`` (the better mean on that criterion), ``{"first_placings": true}`` (more
judges who gave the entry their best sheet score of the round; equal best scores all count) and
``{"judge": id}`` (the better sheet score from that judge, e.g. the head judge); each may carry a
``"label"``. "Better" follows the method's direction (higher, or lower for lower-is-better).
Steps compare the values as shown, rounded to the declared precision, so every decision can be
checked on the printed table; a step is skipped for a tied group in which some entry has no
value (a judge who did not mark it cannot separate it). Entries still level share the rank.
Each tied entry's ``explanation`` reads e.g. "tied on 87.50 with B; ahead of B on Presentation".
The Skating System breaks its own ties (rules 10 and 11): ``tie_breaks`` and dense ranking are
refused for it, and its places (3.5 when shared) and explanations come from ``scoring.skating``.

Analytics (all exact, rounded half-up to ``decimals`` for display):

- per entry: the raw mean, median, population standard deviation (the panel is the whole
  population of judges of that entry, not a sample) and spread (max - min) of the sheet scores,
  the per-criterion means and ranks, the dropped marks, the number of judges who placed it first,
  a disagreement flag (spread > ``disagreement_threshold``) and a tie explanation; criterion
  means are over every judge's marks (trimming does not apply to them);
- per judge: bias, the mean of (judge's sheet score - that entry's mean sheet score) over the
  entries the judge marked; positive means higher sheet scores than the panel (for rank_sum and
  skating: placing entries lower down);
- for the panel: Kendall's W with the correction for ties, from each judge's ranking of the
  entries by sheet score (mid-ranks for equal scores). It is defined only for complete data: at
  least two judges and two entries, every judge marked every entry; otherwise it is ``None`` and
  ``Agreement.note`` says why. It is also ``None`` when every judge tied every entry (0/0).
  For rank_sum the values already are ranks; for skating a judge's sheet score is the sum of
  their placings over the dances.

The one inexact step is the square root in ``zscore_mean``: the standardised scores are carried
to ``ZSCORE_DIGITS`` decimal places with integer arithmetic (deterministic, independent of any
decimal context) before the final rounding. The standard deviation shown is exact: its square
root is rounded half-up exactly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import chain
from operator import attrgetter, eq, itemgetter, mul
from typing import Any, NamedTuple

METHODS = (
    "mean",
    "sum",
    "trimmed_mean",
    "trimmed_sum",
    "median",
    "zscore_mean",
    "rank_sum",
    "skating",
)
RANKINGS = ("standard", "dense")
TRIM_SCOPES = ("sheet", "criterion")
LOWER_IS_BETTER = frozenset({"rank_sum", "skating"})
TRIMMED = frozenset({"trimmed_mean", "trimmed_sum"})
SUMMED_SHEETS = frozenset({"sum", "trimmed_sum", "rank_sum", "skating"})
ZSCORE_DIGITS = 30
MAX_DECIMALS = 6


# entry -> judge -> criterion -> raw value
SheetMap = Mapping[str, Mapping[str, Mapping[str, Any]]]


class TabulationError(ValueError):
    """The input cannot be tabulated; the message names the problem."""


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    weight: Decimal = Decimal(1)
    counts: bool = True  # False: an independent criterion, shown but not in the total
    label: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.key


class MarkInput(NamedTuple):
    """One judge's mark for one entry on one criterion. A tuple: a large round has 100,000 of
    them, and a tuple is built ten times faster than a frozen dataclass."""

    entry: str
    judge: str
    criterion: str
    value: Decimal | str


@dataclass(frozen=True)
class TieBreak:
    """One step of a tie-break chain: ``criterion`` (higher mean on it wins), ``first_placings``
    (more judges placing the entry first wins) or ``judge`` (a better score from that judge)."""

    kind: str
    ref: str | None = None
    label: str | None = None

    @classmethod
    def parse(cls, step: TieBreak | Mapping[str, Any]) -> TieBreak:
        if isinstance(step, TieBreak):
            return step
        if not isinstance(step, Mapping):
            raise TabulationError(f"tie-break step {step!r} must be an object")
        kinds = [k for k in ("criterion", "first_placings", "judge") if k in step]
        unknown = set(step) - {"criterion", "first_placings", "judge", "label"}
        if len(kinds) != 1 or unknown:
            raise TabulationError(
                f"tie-break step {dict(step)!r} must have exactly one of "
                "'criterion', 'first_placings' or 'judge' (and optionally 'label')"
            )
        kind = kinds[0]
        label = step.get("label")
        if label is not None and not isinstance(label, str):
            raise TabulationError(f"tie-break label {label!r} must be a string")
        if kind == "first_placings":
            if step[kind] is not True:
                raise TabulationError("tie-break step 'first_placings' must be true")
            return cls(kind, None, label)
        ref = step[kind]
        if isinstance(ref, bool) or not isinstance(ref, str | int):
            raise TabulationError(f"tie-break {kind} {ref!r} must be a string")
        return cls(kind, str(ref), label)


@dataclass(frozen=True)
class DroppedMark:
    """A mark left out by a trimmed method: a judge's whole sheet (criterion None; value is the
    sheet score as shown) or their mark on one criterion (trim_per="criterion")."""

    judge: str
    criterion: str | None
    value: Decimal
    side: str  # "highest" or "lowest"


@dataclass(slots=True)
class EntryResult:
    entry: str
    rank: int  # a Decimal for a place shared under the Skating System (e.g. 3.5)
    score: Decimal
    judges_counted: int  # judges who marked the entry (trimmed marks are in `dropped`)
    criterion_means: dict[str, Decimal] = field(default_factory=dict)
    judge_scores: dict[str, Decimal] = field(default_factory=dict)
    mean: Decimal | None = None  # raw mean of the judges' sheet scores
    median: Decimal | None = None
    stdev: Decimal | None = None  # population standard deviation of the sheet scores
    spread: Decimal | None = None  # highest minus lowest sheet score
    disagreement: bool = False
    dropped: list[DroppedMark] = field(default_factory=list)
    first_placings: int = 0
    criterion_ranks: dict[str, int] = field(default_factory=dict)
    explanation: str = ""
    rule: str = ""  # skating: the rule that decided the place
    penalty: Decimal = Decimal(0)  # points deducted before ranking


class CriterionStanding(NamedTuple):
    entry: str
    rank: int | Decimal
    mean: Decimal | None


@dataclass(frozen=True)
class Agreement:
    kendall_w: Fraction | None
    judges: int
    entries: int
    note: str = ""

    def rounded(self, places: int = 4) -> Decimal | None:
        return None if self.kendall_w is None else round_half_up(self.kendall_w, places)


@dataclass
class TabulationResult:
    method: str
    decimals: int
    standings: list[EntryResult]
    agreement: Agreement
    judge_bias: dict[str, Decimal]
    criterion_standings: dict[str, list[CriterionStanding]]


# --- exact helpers -----------------------------------------------------------------------------


def round_half_up(value: Fraction, decimals: int) -> Decimal:
    """Round an exact fraction half-up (away from zero on .5) to `decimals` places, exactly."""
    value = Fraction(value)
    return _round_ratio(value.numerator, value.denominator, decimals)


def _round_ratio(numerator: int, denominator: int, decimals: int) -> Decimal:
    """numerator / denominator rounded half-up (away from zero) to `decimals` places."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    magnitude = abs(numerator) * 10**decimals
    whole, remainder = divmod(magnitude, denominator)
    if 2 * remainder >= denominator:
        whole += 1
    if numerator < 0:
        whole = -whole
    return Decimal(whole).scaleb(-decimals)


def _round_sqrt_ratio(numerator: int, denominator: int, decimals: int) -> Decimal:
    """sqrt(numerator / denominator) rounded half-up to `decimals` places, exactly."""
    p, q = numerator * 10 ** (2 * decimals), denominator
    whole = math.isqrt(p // q)  # floor(sqrt(p/q))
    if 4 * p >= (4 * whole * whole + 4 * whole + 1) * q:  # sqrt(p/q) >= whole + 1/2
        whole += 1
    return Decimal(whole).scaleb(-decimals)


class _Rounder:
    """Half-up rounding of integers over a fixed denominator, sharing the Decimals it makes."""

    def __init__(self, denominator: int, decimals: int) -> None:
        self.denominator = denominator
        self.decimals = decimals
        self.factor = 10**decimals
        self.made: dict[int, Decimal] = {}  # rounded whole -> its Decimal
        self.seen: dict[int, Decimal] = {}  # value -> its rounded Decimal

    def __call__(self, value: int, divisor: int = 1) -> Decimal:
        """value / (denominator * divisor), rounded."""
        return self.ratio(value, self.denominator * divisor)

    def ratio(self, numerator: int, denominator: int) -> Decimal:
        whole, remainder = divmod(abs(numerator) * self.factor, denominator)
        if 2 * remainder >= denominator:
            whole += 1
        if numerator < 0:
            whole = -whole
        made = self.made.get(whole)
        if made is None:
            made = self.made[whole] = Decimal(whole).scaleb(-self.decimals)
        return made

    def many(self, values: Iterable[int]) -> list[Decimal]:
        """Each value / denominator, rounded; the same as calling the rounder on each."""
        seen = self.seen
        return [seen[v] if v in seen else self._see(v) for v in values]

    def _see(self, value: int) -> Decimal:
        # Sheet scores repeat across a round: remember each value's rounding.
        half, step = self.denominator, 2 * self.denominator
        factor = 2 * self.factor
        if value >= 0:
            whole = (value * factor + half) // step
        else:
            whole = -((-value * factor + half) // step)
        made = self.made.get(whole)
        if made is None:
            made = self._make(whole)
        self.seen[value] = made
        return made

    def _make(self, whole: int) -> Decimal:
        made = self.made[whole] = Decimal(whole).scaleb(-self.decimals)
        return made


def assign_ranks(scores: Sequence[Any], *, style: str = "standard") -> list[int]:
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
    values: dict[str, Fraction], criteria: Sequence[CriterionSpec], *, total: bool = False
) -> Fraction:
    """A judge's score for one entry: the weighted mean of the counting criteria they marked,
    or with `total=True` their weighted sum. Independent criteria (counts=False) are left out."""
    weights = {c.key: Fraction(c.weight) for c in criteria if c.counts}
    counted = {key: Fraction(value) for key, value in values.items() if key in weights}
    weighted = sum((weights[key] * value for key, value in counted.items()), Fraction(0))
    if total:
        return weighted
    total_weight = sum((weights[key] for key in counted), Fraction(0))
    if total_weight == 0:
        raise TabulationError("the criteria marked on a sheet have a total weight of zero")
    return weighted / total_weight


def parse_number(value: Any, what: str) -> Fraction:
    """An exact number from a Decimal, int, Fraction, decimal string or float (by its repr)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, int | Fraction):
            return Fraction(value)
        if isinstance(value, float):
            value = Decimal(repr(value))
        elif isinstance(value, str):
            value = Decimal(value.strip())
        if isinstance(value, Decimal) and value.is_finite():
            return Fraction(value)
    except (InvalidOperation, TypeError, ValueError):
        pass
    raise TabulationError(f"{what}: {value!r} is not a number")


def _lcm(values: Iterable[int]) -> int:
    result = 1
    for value in values:
        result = result * value // math.gcd(result, value)
    return result


def _mid_ranks_doubled(values: Sequence[Any]) -> tuple[list[int], int]:
    """Twice the mid-rank of each value (rank 1 = lowest) and the tie term sum(t^3 - t).
    W does not depend on the direction: reversing every ranking leaves it unchanged."""
    counts = Counter(values)
    doubled_of = {}
    first = 0  # values below this one
    for value in sorted(counts):
        size = counts[value]
        doubled_of[value] = 2 * first + size + 1  # 2 * mean of ranks first+1 .. first+size
        first += size
    ties = sum(size**3 - size for size in counts.values() if size > 1)
    return list(map(doubled_of.__getitem__, values)), ties


def kendall_w(rankings: Sequence[Sequence[Any]]) -> Fraction:
    """Kendall's coefficient of concordance with the tie correction, from m judges' scores (or
    ranks) of the same n entries, one row per judge, entries in the same order in every row:
    W = 12 S / (m^2 (n^3 - n) - m sum T), S the squared deviations of the entries' rank sums
    from their mean m (n + 1) / 2, T = sum(t^3 - t) over each judge's groups of t tied ranks
    (Kendall & Babington Smith 1939; mid-ranks for ties)."""
    m = len(rankings)
    n = len(rankings[0]) if m else 0
    if m < 2 or n < 2 or any(len(row) != n for row in rankings):
        raise TabulationError("Kendall's W needs at least two judges each ranking the same entries")
    tie_terms = 0
    doubled_rows = []
    for row in rankings:
        doubled, ties = _mid_ranks_doubled(row)
        tie_terms += ties
        doubled_rows.append(doubled)
    rank_sums = list(map(sum, zip(*doubled_rows, strict=True)))  # doubled
    centre = m * (n + 1)  # doubled mean rank sum
    s_times_4 = sum((r - centre) ** 2 for r in rank_sums)
    denominator = m * m * (n**3 - n) - m * tie_terms
    if denominator == 0:
        raise TabulationError("Kendall's W is undefined: every judge tied every entry")
    return Fraction(3 * s_times_4, denominator)


# --- the engine ------------------------------------------------------------------------------


def sheets_from_marks(marks: Iterable[MarkInput]) -> dict[str, dict[str, dict[str, Any]]]:
    """Marks grouped into sheets, entry -> judge -> criterion -> raw value; a criterion marked
    twice on one sheet is an error. Marks are unpacked as (entry, judge, criterion, value): a
    MarkInput or any such tuple, e.g. rows straight from the database."""
    sheets: dict[str, dict[str, dict[str, Any]]] = {}
    for entry, judge, criterion, value in marks:
        by_judge = sheets.get(entry)
        if by_judge is None:
            sheets[entry] = {judge: {criterion: value}}
            continue
        sheet = by_judge.get(judge)
        if sheet is None:
            by_judge[judge] = {criterion: value}
        elif criterion in sheet:
            raise TabulationError(f"judge {judge!r} marked entry {entry!r} on {criterion!r} twice")
        else:
            sheet[criterion] = value
    return sheets


@dataclass(slots=True)
class _Entry:
    """Working data of one entry: sheet scores as integers over the round's denominator."""

    key: str
    judges: list[str]
    scores: list[int]
    score_num: int = 0
    score_den: int = 1
    score: Decimal = Decimal(0)
    exact: Fraction | None = None  # set for zscore_mean, trim_per="criterion" and skating
    place: Fraction | None = None  # skating only
    rule: str = ""  # skating only
    dropped: list[DroppedMark] = field(default_factory=list)
    criterion_means: dict[str, Decimal] = field(default_factory=dict)
    first_placings: int = 0
    penalty: Fraction = Fraction(0)
    result: EntryResult | None = None


def tabulate(
    marks: Iterable[MarkInput],
    criteria: Sequence[CriterionSpec],
    *,
    method: str = "mean",
    decimals: int = 2,
    ranking: str = "standard",
    **options: Any,
) -> list[EntryResult]:
    """Standings, best first, from every counted mark of a round (see `tabulate_round`)."""
    return tabulate_round(
        marks, criteria, method=method, decimals=decimals, ranking=ranking, **options
    ).standings


def tabulate_round(
    marks: Iterable[MarkInput] | None,
    criteria: Sequence[CriterionSpec],
    *,
    sheets: SheetMap | None = None,
    method: str = "mean",
    decimals: int = 2,
    ranking: str = "standard",
    higher_is_better: bool | None = None,
    drop_highest: int = 0,
    drop_lowest: int = 0,
    trim_per: str = "sheet",
    judges: Iterable[str] | None = None,
    tie_breaks: Sequence[TieBreak | Mapping[str, Any]] = (),
    disagreement_threshold: Decimal | str | int | None = None,
    difficulty: Mapping[str, Mapping[str, Any]] | None = None,
    penalties: Mapping[str, Any] | None = None,
) -> TabulationResult:
    """Standings, best first, and the round's analytics, from every counted mark of a round:
    `marks` as (entry, judge, criterion, value) tuples, or `sheets` already grouped as
    entry -> judge -> criterion -> value (e.g. one JSON document from the database).

    `penalties` (entry → points) are deducted from the exact score before it is rounded and
    ranked; they apply to score-based methods only."""
    # -- options --
    if method not in METHODS:
        raise TabulationError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise TabulationError("decimals must be a whole number")
    if not 0 <= decimals <= MAX_DECIMALS:
        raise TabulationError(f"decimals must be between 0 and {MAX_DECIMALS}")
    if ranking not in RANKINGS:
        raise TabulationError(
            f"unknown ranking style {ranking!r}; use one of {', '.join(RANKINGS)}"
        )
    lower_is_better = method in LOWER_IS_BETTER
    if higher_is_better is None:
        higher_is_better = not lower_is_better
    elif higher_is_better and lower_is_better:
        raise TabulationError(f"{method} is always lower-is-better; higher_is_better must be false")
    for name, count in (("drop_highest", drop_highest), ("drop_lowest", drop_lowest)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise TabulationError(f"{name} must be a whole number, 0 or more")
        if count and method not in TRIMMED:
            raise TabulationError(f"{name} applies only to trimmed_mean and trimmed_sum")
    if trim_per not in TRIM_SCOPES:
        raise TabulationError(f"trim_per must be one of {', '.join(TRIM_SCOPES)}")
    if trim_per != "sheet" and method not in TRIMMED:
        raise TabulationError("trim_per applies only to trimmed_mean and trimmed_sum")
    threshold = (
        None
        if disagreement_threshold is None
        else parse_number(disagreement_threshold, "disagreement_threshold")
    )
    if threshold is not None and threshold < 0:
        raise TabulationError("disagreement_threshold must not be negative")
    steps = [TieBreak.parse(step) for step in tie_breaks]
    if method == "skating" and steps:
        raise TabulationError("skating breaks ties by its own rules 10 and 11; drop tie_breaks")
    if method == "skating" and ranking == "dense":
        raise TabulationError("skating places are fixed by the Skating System; use standard")

    # -- criteria and weights --
    specs = {c.key: c for c in criteria}
    if len(specs) != len(criteria):
        raise TabulationError("a criterion key is listed twice")
    if not specs:
        raise TabulationError("no criteria")
    weights = {
        key: parse_number(c.weight, f"weight of criterion {key!r}") for key, c in specs.items()
    }
    for key, weight in weights.items():
        if weight < 0:
            raise TabulationError(f"weight of criterion {key!r} must not be negative")
    factors: dict[str, dict[str, Fraction]] = {}
    for entry, by_criterion in (difficulty or {}).items():
        factors[str(entry)] = {}
        for key, factor in by_criterion.items():
            if key not in specs:
                raise TabulationError(f"difficulty for unknown criterion {key!r}")
            value = parse_number(factor, f"difficulty of entry {entry!r} on {key!r}")
            if value < 0:
                raise TabulationError(f"difficulty of entry {entry!r} on {key!r} is negative")
            factors[str(entry)][key] = value
    for step in steps:
        if step.kind == "criterion" and step.ref not in specs:
            raise TabulationError(f"tie-break on unknown criterion {step.ref!r}")

    # -- marks into sheets: entry -> judge -> {criterion: raw value} --
    counted_judges = None if judges is None else {str(j) for j in judges}
    if (marks is None) == (sheets is None):
        raise TabulationError("give either marks or sheets")
    if sheets is None:
        if counted_judges is not None:
            marks = [mark for mark in marks if mark[1] in counted_judges]
        sheets = sheets_from_marks(marks)
    elif counted_judges is not None:
        sheets = {
            entry: kept
            for entry, by_judge in sheets.items()
            if (kept := {j: s for j, s in by_judge.items() if j in counted_judges})
        }
    all_judges = set(chain.from_iterable(sheets.values()))
    if counted_judges is not None and counted_judges - all_judges:
        missing = min(counted_judges - all_judges)
        raise TabulationError(f"judge {missing!r} is listed to count but marked nothing")
    for step in steps:
        if step.kind == "judge" and step.ref not in all_judges:
            raise TabulationError(f"tie-break judge {step.ref!r} marked nothing")

    # Weights as integers over one scale; independent criteria weigh 0 in the total.
    keys = list(specs)
    effective = list(weights.values())
    effective += [weights[k] * f for by in factors.values() for k, f in by.items()]
    weight_scale = _lcm({w.denominator for w in effective})

    def weight_vector(by: Mapping[str, Fraction]) -> list[int]:
        return [
            int(weights[key] * by.get(key, 1) * weight_scale) if specs[key].counts else 0
            for key in keys
        ]

    vectors = {entry: weight_vector(by) for entry, by in factors.items()}
    vectors[None] = weight_vector({})

    # Marks as integers over one scale (value = int_of[raw] / int_of.scale): hundredths first,
    # and again with a finer scale if a mark needs one.
    int_of = _ScaledValues(100)
    while True:
        try:
            prepared = _sheet_rows(
                sheets, keys, specs, vectors, int_of, mean=method not in SUMMED_SHEETS
            )
            break
        except _Rescale as finer:
            int_of = _ScaledValues(finer.scale)
    exact_of, value_scale = int_of, int_of.scale
    if method == "rank_sum" and any(v < 1 for v in int_of.exact.values()):
        lowest = _decimal(min(int_of.exact.values()))
        raise TabulationError(f"rank_sum takes each judge's ranks, from 1; got {lowest}")
    if method in SUMMED_SHEETS:  # the weighted sum: every sheet over the same weight scale
        prepared = [(e, j, n, [weight_scale] * len(n), r) for e, j, n, _w, r in prepared]

    # One denominator for every sheet score of the round.
    scale = _lcm({w for _e, _n, _m, sums, _r in prepared for w in set(sums)}) * value_scale
    shown = _Rounder(scale, decimals)
    entries: dict[str, _Entry] = {}
    criterion_mean: dict[tuple[int, int], Decimal] = {}
    for entry, names, numerators, weight_sums, rows in prepared:
        if len(set(weight_sums)) == 1:
            factor = scale // (weight_sums[0] * value_scale)
            scores = [n * factor for n in numerators]
        else:
            scores = [
                n * (scale // (w * value_scale))
                for n, w in zip(numerators, weight_sums, strict=True)
            ]
        item = entries[entry] = _Entry(key=entry, judges=names, scores=scores)
        for key, column in zip(keys, zip(*rows, strict=True), strict=True):
            if None in column:
                column = [value for value in column if value is not None]
                if not column:
                    continue
            # Few distinct (total, count) pairs recur across thousands of entries.
            mean_key = (sum(column), len(column))
            mean = criterion_mean.get(mean_key)
            if mean is None:
                mean = criterion_mean[mean_key] = shown.ratio(
                    mean_key[0], mean_key[1] * value_scale
                )
            item.criterion_means[key] = mean

    # -- per-entry scores --
    rules = _Rules(method, drop_highest, drop_lowest, trim_per, specs, weights, factors)
    skating_notes: dict[str, str] = {}
    per_dance: Any = None
    if method == "skating":
        skating_notes, per_dance = _skate(entries, sheets, specs, exact_of)
    else:
        for item in entries.values():
            _score_entry(item, rules, sheets, exact_of, shown)
        if method == "zscore_mean":
            _zscores(entries)
    deductions = {
        str(key): parse_number(points, f"penalty of entry {key!r}")
        for key, points in (penalties or {}).items()
    }
    if any(deductions.values()) and method in LOWER_IS_BETTER:
        raise TabulationError(f"penalties cannot be deducted under {method}")
    for item in entries.values():
        item.penalty = deductions.get(item.key, Fraction(0))
        if item.exact is not None or item.penalty:
            exact = (
                item.exact if item.exact is not None else Fraction(item.score_num, item.score_den)
            )
            item.score = round_half_up(exact - item.penalty, decimals)
        else:
            item.score = _round_ratio(item.score_num, item.score_den, decimals)

    # -- first placings: entries with the judge's best sheet score --
    columns = _complete_columns(entries)
    pick = max if higher_is_better else min
    if columns is not None:  # every entry has the same judges, in the same order
        best_row = [pick(column) for column in columns.values()]
        for item in entries.values():
            item.first_placings = sum(map(eq, item.scores, best_row))
    else:
        best: dict[str, int] = {}
        for item in entries.values():
            for judge, value in zip(item.judges, item.scores, strict=True):
                current = best.get(judge)
                best[judge] = value if current is None else pick(current, value)
        for item in entries.values():
            item.first_placings = sum(
                1
                for judge, value in zip(item.judges, item.scores, strict=True)
                if value == best[judge]
            )

    # -- order and ranks --
    if method == "skating":
        ordered = sorted(entries.values(), key=lambda it: (it.place, it.key))
        ranks: list[Any] = [_place(it.place) for it in ordered]
        explanations = skating_notes
    else:
        ordered, ranks, explanations = _rank(
            entries, steps, specs, higher_is_better, ranking, shown
        )

    standings: list[EntryResult] = []
    # The threshold over the round's denominator: compared with integer spreads below.
    limit = None if threshold is None else threshold * scale
    no_penalty = round_half_up(Fraction(0), decimals)
    for item, rank in zip(ordered, ranks, strict=True):
        scores = item.scores
        count, total = len(scores), sum(scores)
        middle = sorted(scores)
        if count % 2:
            median = shown(middle[count // 2])
        else:
            median = shown(middle[count // 2 - 1] + middle[count // 2], 2)
        variance_num = count * sum(map(mul, scores, scores)) - total * total
        spread = middle[-1] - middle[0]
        result = EntryResult(
            entry=item.key,
            rank=rank,
            score=item.score,
            judges_counted=count,
            criterion_means=item.criterion_means,
            judge_scores=dict(zip(item.judges, shown.many(scores), strict=True)),
            mean=shown(total, count),
            median=median,
            stdev=_round_sqrt_ratio(variance_num, (count * scale) ** 2, decimals),
            spread=shown(spread),
            disagreement=limit is not None and spread > limit,
            dropped=item.dropped,
            first_placings=item.first_placings,
            explanation=explanations.get(item.key, ""),
            rule=item.rule,
            penalty=round_half_up(item.penalty, decimals) if item.penalty else no_penalty,
        )
        item.result = result
        standings.append(result)

    criterion_standings = _criterion_standings(entries, specs, higher_is_better, ranking)
    if method == "skating":
        criterion_standings = (
            _skating_criterion_standings(entries, specs, per_dance) or criterion_standings
        )
    for key, rows in criterion_standings.items():
        for row in rows:
            entries[row.entry].result.criterion_ranks[key] = row.rank

    return TabulationResult(
        method=method,
        decimals=decimals,
        standings=standings,
        agreement=_agreement(entries, columns),
        judge_bias=_judge_bias(entries, columns, shown),
        criterion_standings=criterion_standings,
    )


class _Rescale(Exception):
    """A mark needs a finer integer scale than the one in use."""

    def __init__(self, scale: int) -> None:
        self.scale = scale


class _ScaledValues(dict):
    """A raw mark (its text, or a number) -> its integer numerator over `scale`, converted on
    first sight. Marks from the database arrive as text: a dict lookup of a string is far
    cheaper than hashing a fresh Decimal, and a Decimal's text is exact."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale
        self.exact: dict[Any, Fraction] = {}

    def __missing__(self, raw: Any) -> int:
        text = raw if isinstance(raw, str) else str(raw)
        try:
            exact = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise TabulationError(f"mark value: {text!r} is not a number") from None
        if self.scale % exact.denominator:
            raise _Rescale(_lcm([self.scale, exact.denominator]))
        self.exact[raw] = exact
        value = self[raw] = exact.numerator * (self.scale // exact.denominator)
        return value

    def value(self, raw: Any) -> Fraction:
        """The exact value of a raw mark seen before (as itself or as its text)."""
        exact = self.exact.get(raw)
        return exact if exact is not None else self.exact[str(raw)]


_Prepared = tuple[str, list[str], list[int], list[int], list[list[Any]]]


def _sheet_rows(
    sheets: Mapping[str, Mapping[str, Mapping[str, Any]]],
    keys: Sequence[str],
    specs: Mapping[str, CriterionSpec],
    vectors: Mapping[str | None, list[int]],
    int_of: _ScaledValues,
    *,
    mean: bool,
) -> list[_Prepared]:
    """Each entry's judges (sorted), and for each of their sheets the weighted numerator, the
    weight sum and the row of integer marks in criterion order (None where not marked):
    sheet score = numerator / (weight sum * int_of.scale)."""
    get_int = int_of.__getitem__
    in_order = itemgetter(*keys) if len(keys) > 1 else lambda sheet: (sheet[keys[0]],)
    count = len(keys)
    complete = all(set(map(len, by_judge.values())) == {count} for by_judge in sheets.values())
    # Marks from the database come as text; numbers (Decimals from Python callers) are looked
    # up by their exact text too, which is cheaper than hashing a fresh Decimal.
    sample = next(
        (v for by_judge in sheets.values() for sheet in by_judge.values() for v in sheet.values()),
        "",
    )
    textual = isinstance(sample, str)
    prepared: list[_Prepared] = []
    for entry, by_judge in sheets.items():
        names = sorted(by_judge)
        vector = vectors.get(entry) or vectors[None]
        rows: list[list[Any]] | None = None
        if complete:
            try:
                if textual:
                    rows = [list(map(get_int, in_order(by_judge[j]))) for j in names]
                else:
                    rows = [list(map(get_int, map(str, in_order(by_judge[j])))) for j in names]
            except KeyError:
                rows = None  # an unknown criterion: reported below
            except TypeError:  # an unhashable raw value
                raise TabulationError("a mark value is not a number") from None
        if rows is not None:
            numerators = [sum(map(mul, vector, row)) for row in rows]
            weight_sums = [sum(vector)] * len(rows)
        else:
            rows, numerators, weight_sums = [], [], []
            for judge in names:
                sheet = by_judge[judge]
                for criterion in sheet:
                    if criterion not in specs:
                        raise TabulationError(f"mark for unknown criterion {criterion!r}")
                row = [
                    get_int(sheet[key] if textual else str(sheet[key])) if key in sheet else None
                    for key in keys
                ]
                present = [(w, v) for w, v in zip(vector, row, strict=True) if v is not None]
                rows.append(row)
                numerators.append(sum(w * v for w, v in present))
                weight_sums.append(sum(w for w, _v in present))
        if mean and 0 in weight_sums:
            judge = names[weight_sums.index(0)]
            raise TabulationError(
                f"the criteria judge {judge!r} marked on entry {entry!r} have a total weight "
                "of zero"
            )
        prepared.append((entry, names, numerators, weight_sums, rows))
    return prepared


@dataclass(frozen=True)
class _Rules:
    method: str
    drop_highest: int
    drop_lowest: int
    trim_per: str
    specs: Mapping[str, CriterionSpec]
    weights: Mapping[str, Fraction]
    factors: Mapping[str, Mapping[str, Fraction]]


def _score_entry(
    item: _Entry,
    rules: _Rules,
    sheets: Mapping[str, Mapping[str, Mapping[str, Any]]],
    exact_of: _ScaledValues,
    shown: _Rounder,
) -> None:
    """Set the entry's score as a ratio of integers (or an exact fraction) for the method."""
    method, drop_highest, drop_lowest = rules.method, rules.drop_highest, rules.drop_lowest
    scale = shown.denominator
    scores = item.scores
    count = len(scores)
    if method in ("mean", "zscore_mean"):
        item.score_num, item.score_den = sum(scores), count * scale
    elif method in ("sum", "rank_sum"):
        item.score_num, item.score_den = sum(scores), scale
    elif method == "median":
        middle = sorted(scores)
        if count % 2:
            item.score_num, item.score_den = middle[count // 2], scale
        else:
            item.score_num = middle[count // 2 - 1] + middle[count // 2]
            item.score_den = 2 * scale
    elif rules.trim_per == "sheet":
        kept = count - drop_highest - drop_lowest
        if kept < 1:
            raise TabulationError(
                f"too few judges to trim: entry {item.key!r} has {count} judges; dropping "
                f"{drop_highest} highest and {drop_lowest} lowest needs at least "
                f"{drop_highest + drop_lowest + 1}"
            )
        # Equal scores: which judge's identical mark is dropped does not change the score.
        order = sorted(zip(scores, item.judges, strict=True))
        for value, judge in order[:drop_lowest]:
            item.dropped.append(DroppedMark(judge, None, shown(value), "lowest"))
        for value, judge in order[count - drop_highest :]:
            item.dropped.append(DroppedMark(judge, None, shown(value), "highest"))
        total = sum(value for value, _judge in order[drop_lowest : count - drop_highest])
        item.score_num = total
        item.score_den = scale * (kept if method == "trimmed_mean" else 1)
    else:
        item.exact = _trim_per_criterion(item, rules, sheets, exact_of)


def _trim_per_criterion(
    item: _Entry,
    rules: _Rules,
    sheets: Mapping[str, Mapping[str, Mapping[str, Any]]],
    exact_of: _ScaledValues,
) -> Fraction:
    """Drop the extreme marks on each criterion separately, then combine the criteria."""
    method, drop_highest, drop_lowest = rules.method, rules.drop_highest, rules.drop_lowest
    specs, weights, factors = rules.specs, rules.weights, rules.factors
    by_criterion: dict[str, list[tuple[Fraction, str]]] = {}
    for judge in item.judges:
        for key, raw in sheets[item.key][judge].items():
            by_criterion.setdefault(key, []).append((exact_of.value(raw), judge))
    weighted = Fraction(0)
    weight_total = Fraction(0)
    for key in specs:
        if key not in by_criterion or not specs[key].counts:
            continue
        marks = sorted(by_criterion[key])
        count = len(marks)
        if count - drop_highest - drop_lowest < 1:
            raise TabulationError(
                f"too few judges to trim: entry {item.key!r} has {count} marks on {key!r}; "
                f"dropping {drop_highest} highest and {drop_lowest} lowest needs at least "
                f"{drop_highest + drop_lowest + 1}"
            )
        for value, judge in marks[:drop_lowest]:
            item.dropped.append(DroppedMark(judge, key, _decimal(value), "lowest"))
        for value, judge in marks[count - drop_highest :]:
            item.dropped.append(DroppedMark(judge, key, _decimal(value), "highest"))
        kept = [value for value, _judge in marks[drop_lowest : count - drop_highest]]
        weight = weights[key] * factors.get(item.key, {}).get(key, 1)
        if method == "trimmed_sum":
            weighted += weight * sum(kept)
        else:
            weighted += weight * sum(kept) / len(kept)
            weight_total += weight
    if method == "trimmed_sum":
        return weighted
    if weight_total == 0:
        raise TabulationError(f"the criteria marked on entry {item.key!r} have a total weight of 0")
    return weighted / weight_total


def _decimal(value: Fraction) -> Decimal:
    """An exact Decimal of a fraction whose denominator divides a power of ten."""
    digits = 0
    while (value * 10**digits).denominator != 1 and digits < 30:
        digits += 1
    return _round_ratio(value.numerator, value.denominator, digits)


def _zscores(entries: Mapping[str, _Entry]) -> None:
    """Set each entry's score to the mean of its judges' standardised sheet scores.

    z = (v - mean) / sd = (n v - total) / sqrt(n sum(v^2) - total^2) for a judge's n scores;
    each z is carried as an integer in units of 10^-ZSCORE_DIGITS (the square root and the
    quotient rounded half-up there), so the result is deterministic and exact to about 29 places.
    """
    per_judge: dict[str, list[int]] = {}
    for item in entries.values():
        for judge, value in zip(item.judges, item.scores, strict=True):
            per_judge.setdefault(judge, []).append(value)
    unit = 10**ZSCORE_DIGITS
    stats: dict[str, tuple[int, int, int]] = {}
    for judge, values in per_judge.items():
        n, total = len(values), sum(values)
        spread = n * sum(map(mul, values, values)) - total * total
        root = math.isqrt(spread * unit * unit)  # sqrt(spread) in units of 10^-ZSCORE_DIGITS
        stats[judge] = (n, total, root)
    for item in entries.values():
        z_units = 0
        for judge, value in zip(item.judges, item.scores, strict=True):
            n, total, root = stats[judge]
            if root:  # a judge who gave every entry the same score contributes 0
                z_units += (2 * (n * value - total) * unit * unit + root) // (2 * root)
        item.exact = Fraction(z_units, unit * len(item.scores))


def _skate(
    entries: dict[str, _Entry],
    sheets: Mapping[str, Mapping[str, Mapping[str, Any]]],
    specs: Mapping[str, CriterionSpec],
    exact_of: _ScaledValues,
) -> tuple[dict[str, str], Any]:
    """Places from the Skating System; returns its explanations and its per-dance result."""
    try:
        from scoring import skating as skating_system
    except ImportError:
        raise TabulationError(
            "the skating method needs scoring.skating, which is missing"
        ) from None
    dances: dict[str, dict[str, dict[str, int]]] = {key: {} for key in specs}
    for entry, by_judge in sheets.items():
        for judge, sheet in by_judge.items():
            for dance, raw in sheet.items():
                place = exact_of.value(raw)
                if place.denominator != 1 or place < 1:
                    raise TabulationError(
                        f"skating placings are whole numbers from 1: judge {judge!r} gave "
                        f"entry {entry!r} {_decimal(place)} in {dance!r}"
                    )
                dances[dance].setdefault(judge, {})[entry] = int(place)
    dances = {dance: by_judge for dance, by_judge in dances.items() if by_judge}
    try:
        result = skating_system.skating(dances)
    except skating_system.SkatingError as error:
        raise TabulationError(str(error)) from None
    for item in entries.values():
        item.exact = Fraction(result.totals[item.key])
        item.place = Fraction(result.places[item.key])
        item.rule = str(result.rule.get(item.key, ""))
    notes = {key: str(note) for key, note in result.explanations.items()}
    return notes, getattr(result, "per_dance", None)


def _place(place: Fraction) -> int | Decimal:
    """A Skating System place: an int, or a Decimal when shared (the mean of consecutive
    places, so a whole number or a half: exact either way)."""
    return int(place) if place.denominator == 1 else _decimal(place)


def _rank(
    entries: Mapping[str, _Entry],
    steps: Sequence[TieBreak],
    specs: Mapping[str, CriterionSpec],
    higher_is_better: bool,
    ranking: str,
    shown: Callable[..., Decimal],
) -> tuple[list[_Entry], list[int], dict[str, str]]:
    """Sort on the rounded score, split ties with the chain, then number the tie classes."""
    ordered = sorted(entries.values(), key=attrgetter("key"))
    ordered.sort(key=attrgetter("score"), reverse=higher_is_better)  # stable: ties by entry
    classes: list[list[_Entry]] = []
    explanations: dict[str, str] = {}
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1].score == ordered[start].score:
            end += 1
        group = ordered[start : end + 1]
        if len(group) == 1:
            classes.append(group)
        else:
            split, notes = _break_ties(group, steps, specs, higher_is_better, shown)
            classes.extend(split)
            class_of = {item.key: members for members in split for item in members}
            keys = [item.key for item in group]
            tied_on = f"tied on {group[0].score} with "
            for index, item in enumerate(group):
                others = ", ".join(keys[:index] + keys[index + 1 :])
                explanations[item.key] = _explain(
                    item, tied_on + others, class_of[item.key], notes[item.key], steps, specs
                )
        start = end + 1
    flat: list[_Entry] = []
    class_ids: list[int] = []
    for index, members in enumerate(classes):
        for item in members:
            flat.append(item)
            class_ids.append(index)
    return flat, assign_ranks(class_ids, style=ranking), explanations


def _step_label(step: TieBreak, specs: Mapping[str, CriterionSpec]) -> str:
    if step.label:
        return step.label
    if step.kind == "criterion":
        return specs[step.ref].name
    if step.kind == "first_placings":
        return "first placings"
    return f"judge {step.ref}"


def _break_ties(
    group: list[_Entry],
    steps: Sequence[TieBreak],
    specs: Mapping[str, CriterionSpec],
    higher_is_better: bool,
    shown: Callable[..., Decimal],
) -> tuple[list[list[_Entry]], dict[str, list[str]]]:
    """Apply the chain to entries tied on the rounded score. A step compares the values as shown
    (rounded to the declared precision); it is skipped for a tied group unless every entry in it
    has a value (a judge who did not mark one of them cannot separate them)."""
    classes = [group]
    notes: dict[str, list[str]] = {item.key: [] for item in group}
    for step in steps:
        label = _step_label(step, specs)
        more_is_better = step.kind == "first_placings" or higher_is_better
        refined: list[list[_Entry]] = []
        for members in classes:
            values = {item.key: _step_value(step, item, shown) for item in members}
            distinct = set(values.values())
            if len(members) == 1 or None in distinct or len(distinct) == 1:
                refined.append(members)
                continue
            parts = [
                [item for item in members if values[item.key] == value]
                for value in sorted(distinct, reverse=more_is_better)
            ]
            for index, part in enumerate(parts):
                ahead = [item.key for p in parts[:index] for item in p]
                behind = [item.key for p in parts[index + 1 :] for item in p]
                phrase = []
                if ahead:
                    phrase.append(f"behind {', '.join(ahead)}")
                if behind:
                    phrase.append(f"ahead of {', '.join(behind)}")
                for item in part:
                    notes[item.key].append(f"{' and '.join(phrase)} on {label}")
            refined.extend(parts)
        classes = refined
    return classes, notes


def _step_value(step: TieBreak, item: _Entry, shown: Callable[..., Decimal]) -> Any:
    if step.kind == "criterion":
        return item.criterion_means.get(step.ref)
    if step.kind == "first_placings":
        return item.first_placings
    for judge, value in zip(item.judges, item.scores, strict=True):
        if judge == step.ref:
            return shown(value)
    return None


def _explain(
    item: _Entry,
    tied: str,
    still: list[_Entry],
    notes: list[str],
    steps: Sequence[TieBreak],
    specs: Mapping[str, CriterionSpec],
) -> str:
    """`tied`: "tied on <score> with <the others>"; `still`: the entries the chain left level
    with this one (itself included)."""
    parts = [tied, *notes]
    if len(still) > 1:
        if steps:
            level = ", ".join(other.key for other in still if other is not item)
            labels = ", ".join(_step_label(step, specs) for step in steps)
            parts.append(f"still level with {level} after {labels}; rank shared")
        else:
            parts.append("rank shared")
    return "; ".join(parts)


def _criterion_standings(
    entries: Mapping[str, _Entry],
    specs: Mapping[str, CriterionSpec],
    higher_is_better: bool,
    ranking: str,
) -> dict[str, list[CriterionStanding]]:
    standings: dict[str, list[CriterionStanding]] = {}
    means_by_entry = [(entry, entries[entry].criterion_means) for entry in sorted(entries)]
    for key in specs:
        rows = [(means[key], entry) for entry, means in means_by_entry if key in means]
        if not rows:
            continue
        rows.sort(key=itemgetter(0), reverse=higher_is_better)  # stable: ties stay by entry
        means, entry_keys = zip(*rows, strict=True)
        ranks = assign_ranks(means, style=ranking)
        standings[key] = list(map(CriterionStanding, entry_keys, ranks, means))
    return standings


def _skating_criterion_standings(
    entries: Mapping[str, _Entry], specs: Mapping[str, CriterionSpec], per_dance: Any
) -> dict[str, list[CriterionStanding]]:
    """Per-dance places from the Skating System's result, when it reports them per couple."""
    if not isinstance(per_dance, Mapping):
        return {}
    standings: dict[str, list[CriterionStanding]] = {}
    for dance in specs:
        places = per_dance.get(dance)
        places = getattr(places, "places", places)
        if not isinstance(places, Mapping):
            continue
        try:
            rows = sorted((Fraction(places[key]), key) for key in entries if key in places)
        except (TypeError, ValueError):
            return {}
        standings[dance] = [
            CriterionStanding(key, _place(place), entries[key].criterion_means.get(dance))
            for place, key in rows
        ]
    return standings


def _complete_columns(entries: Mapping[str, _Entry]) -> dict[str, tuple[int, ...]] | None:
    """Each judge's sheet scores in entry order when every judge marked every entry."""
    judge_set = sorted({judge for item in entries.values() for judge in item.judges})
    if any(item.judges != judge_set for item in entries.values()):
        return None
    columns = zip(*(entries[key].scores for key in sorted(entries)), strict=True)
    return dict(zip(judge_set, columns, strict=True))


def _agreement(
    entries: Mapping[str, _Entry], columns: Mapping[str, tuple[int, ...]] | None
) -> Agreement:
    """Kendall's W; `columns` as from `_complete_columns`."""
    m = len({judge for item in entries.values() for judge in item.judges})
    n = len(entries)
    if m < 2 or n < 2:
        return Agreement(None, m, n, "needs at least two judges and two entries")
    if columns is None:
        return Agreement(None, m, n, "not every judge marked every entry")
    try:
        return Agreement(kendall_w(list(columns.values())), m, n)
    except TabulationError as error:
        return Agreement(None, m, n, str(error))


def _judge_bias(
    entries: Mapping[str, _Entry],
    columns: Mapping[str, tuple[int, ...]] | None,
    shown: _Rounder,
) -> dict[str, Decimal]:
    """Mean over the judge's entries of (their sheet score - the entry's mean sheet score)."""
    if columns is not None:
        # Every entry has the same m judges: bias = (m * sum(column) - sum of all) / (m * n).
        m, n = len(columns), len(entries)
        everything = sum(sum(item.scores) for item in entries.values())
        return {
            judge: shown(m * sum(column) - everything, m * n) for judge, column in columns.items()
        }
    common = _lcm({len(item.scores) for item in entries.values()})
    deviation: dict[str, int] = {}
    counts: dict[str, int] = {}
    for item in entries.values():
        n, total = len(item.scores), sum(item.scores)
        for judge, value in zip(item.judges, item.scores, strict=True):
            # (value - total/n) * common, an integer because n divides common
            deviation[judge] = deviation.get(judge, 0) + (n * value - total) * (common // n)
            counts[judge] = counts.get(judge, 0) + 1
    return {judge: shown(deviation[judge], counts[judge] * common) for judge in sorted(deviation)}


# --- plain JSON in and out (the `tabulate` management command) ---------------------------------

DOCUMENT_FIELDS = (
    "method",
    "drop_highest",
    "drop_lowest",
    "trim_per",
    "decimals",
    "ranking",
    "higher_is_better",
    "criteria",
    "marks",
    "judges",
    "tie_breaks",
    "disagreement_threshold",
    "difficulty",
)


def tabulate_document(document: Any) -> dict[str, Any]:
    """Tabulate a round described as plain JSON data and return the result as plain JSON data.

    Input: {"method", "drop_highest", "drop_lowest", "trim_per", "decimals", "ranking",
    "higher_is_better", "criteria": [{"key", "weight", "counts", "label"}], "marks": [{"entry",
    "judge", "criterion", "value"}], "judges", "tie_breaks", "disagreement_threshold",
    "difficulty": {entry: {criterion: factor}}}; only "marks" is required. Numbers may be JSON
    numbers or decimal strings. Raises TabulationError naming the first problem found.
    """
    if not isinstance(document, Mapping):
        raise TabulationError("the input must be a JSON object")
    unknown = sorted(set(document) - set(DOCUMENT_FIELDS))
    if unknown:
        raise TabulationError(
            f"unknown field {unknown[0]!r}; the fields are {', '.join(DOCUMENT_FIELDS)}"
        )
    method = _field(document, "method", str, "mean")
    criteria = _document_criteria(document.get("criteria"))
    if "marks" not in document:
        raise TabulationError("the input has no 'marks'")
    marks = _document_marks(document["marks"], criteria)
    judges = document.get("judges")
    if judges is not None:
        if not isinstance(judges, list) or not judges:
            raise TabulationError("'judges' must be a non-empty list of judge names")
        judges = [_name(judge, "a judge in 'judges'") for judge in judges]
    tie_breaks = document.get("tie_breaks", [])
    if not isinstance(tie_breaks, list):
        raise TabulationError("'tie_breaks' must be a list of steps")
    difficulty = document.get("difficulty")
    if difficulty is not None and not (
        isinstance(difficulty, Mapping)
        and all(isinstance(by, Mapping) for by in difficulty.values())
    ):
        raise TabulationError("'difficulty' must map each entry to {criterion: factor}")
    result = tabulate_round(
        marks,
        criteria,
        method=method,
        decimals=_field(document, "decimals", int, 2),
        ranking=_field(document, "ranking", str, "standard"),
        higher_is_better=_field(document, "higher_is_better", bool, None),
        drop_highest=_field(document, "drop_highest", int, 0),
        drop_lowest=_field(document, "drop_lowest", int, 0),
        trim_per=_field(document, "trim_per", str, "sheet"),
        judges=judges,
        tie_breaks=tie_breaks,
        disagreement_threshold=document.get("disagreement_threshold"),
        difficulty=difficulty,
    )
    return result_to_json(result)


def _field(document: Mapping[str, Any], name: str, kind: type, default: Any) -> Any:
    value = document.get(name, default)
    if value is None and default is None:
        return None
    valid = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
    if not valid:
        wanted = {int: "a whole number", str: "a string", bool: "true or false"}[kind]
        raise TabulationError(f"{name!r} must be {wanted}, not {value!r}")
    return value


def _name(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise TabulationError(f"{what} must be a non-empty string, not {value!r}")
    return str(value)


def _document_criteria(raw: Any) -> list[CriterionSpec]:
    if raw is None:
        return [CriterionSpec("score")]
    if not isinstance(raw, list) or not raw:
        raise TabulationError("'criteria' must be a non-empty list")
    criteria = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping) or "key" not in item:
            raise TabulationError(f"criterion {index} must be an object with a 'key'")
        unknown = sorted(set(item) - {"key", "weight", "counts", "label"})
        if unknown:
            raise TabulationError(f"criterion {index} has an unknown field {unknown[0]!r}")
        key = _name(item["key"], f"the key of criterion {index}")
        weight = parse_number(item.get("weight", 1), f"weight of criterion {key!r}")
        counts = item.get("counts", True)
        if not isinstance(counts, bool):
            raise TabulationError(f"'counts' of criterion {key!r} must be true or false")
        label = item.get("label")
        if label is not None and not isinstance(label, str):
            raise TabulationError(f"'label' of criterion {key!r} must be a string")
        criteria.append(CriterionSpec(key, _decimal(weight), counts, label))
    return criteria


def _document_marks(raw: Any, criteria: Sequence[CriterionSpec]) -> list[MarkInput]:
    if not isinstance(raw, list):
        raise TabulationError("'marks' must be a list")
    only = criteria[0].key if len(criteria) == 1 else None
    marks = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise TabulationError(f"mark {index} must be an object")
        unknown = sorted(set(item) - {"entry", "judge", "criterion", "value"})
        if unknown:
            raise TabulationError(f"mark {index} has an unknown field {unknown[0]!r}")
        for name in ("entry", "judge", "value"):
            if name not in item:
                raise TabulationError(f"mark {index} has no {name!r}")
        if "criterion" not in item and only is None:
            raise TabulationError(f"mark {index} has no 'criterion'")
        entry = _name(item["entry"], f"the entry of mark {index}")
        judge = _name(item["judge"], f"the judge of mark {index}")
        criterion = _name(item.get("criterion", only), f"the criterion of mark {index}")
        value = parse_number(
            item["value"], f"mark {index} (entry {entry!r}, judge {judge!r}, {criterion!r})"
        )
        marks.append(MarkInput(entry, judge, criterion, value))
    return marks


def _json_number(value: int | Decimal | Fraction) -> int | float:
    value = Fraction(value)
    return int(value) if value.denominator == 1 else float(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def result_to_json(result: TabulationResult) -> dict[str, Any]:
    """A TabulationResult as JSON-ready data: decimals as strings, ranks as numbers."""
    standings = []
    for row in result.standings:
        item: dict[str, Any] = {
            "entry": row.entry,
            "rank": _json_number(row.rank),
            "score": str(row.score),
            "mean": _text(row.mean),
            "median": _text(row.median),
            "stdev": _text(row.stdev),
            "spread": _text(row.spread),
            "judges_counted": row.judges_counted,
            "criteria": {key: str(value) for key, value in row.criterion_means.items()},
            "criterion_ranks": {
                key: _json_number(rank) for key, rank in row.criterion_ranks.items()
            },
            "judge_scores": {judge: str(value) for judge, value in row.judge_scores.items()},
            "dropped": [
                {
                    "judge": mark.judge,
                    "criterion": mark.criterion,
                    "value": str(mark.value),
                    "side": mark.side,
                }
                for mark in row.dropped
            ],
            "first_placings": row.first_placings,
            "disagreement": row.disagreement,
            "explanation": row.explanation,
        }
        if row.rule:
            item["rule"] = row.rule
        standings.append(item)
    agreement = result.agreement.rounded(4)
    return {
        "method": result.method,
        "decimals": result.decimals,
        "standings": standings,
        "agreement": {
            "kendall_w": _text(agreement),
            "judges": result.agreement.judges,
            "entries": result.agreement.entries,
            "note": result.agreement.note,
        },
        "judge_bias": {judge: str(value) for judge, value in result.judge_bias.items()},
        "criterion_standings": {
            key: [
                {"entry": row.entry, "rank": _json_number(row.rank), "mean": _text(row.mean)}
                for row in rows
            ]
            for key, rows in result.criterion_standings.items()
        },
    }
