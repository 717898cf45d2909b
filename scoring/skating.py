"""The DanceSport Skating System: final places from the judges' placings (rules 5-11).

Pure: no Django, no ORM; places are exact `Fraction`s, so a shared place such as 3rd-4th is
`Fraction(7, 2)` and the rule 9 sums that include it stay exact.

Each judge places every couple of a final 1st, 2nd, ... in each dance (rules 1-4 bind the judges;
this module only checks that they were kept). Then:

- Rules 5-8 place the couples in one dance from the *cumulative columns*: column k counts, for
  each couple, the judges who placed it k-th or better, and sums those judges' marks.
  The majority is an absolute majority of the judges, ``floor(judges / 2) + 1``.

  * Rule 5: a couple with a majority in a column is placed before couples without one.
  * Rule 6: when several couples have a majority in the same column, the larger majority is
    placed first, the next largest next, and so on.
  * Rule 7: equal majorities are separated by the lower sum of the marks forming them (7a); if the
    sums are equal too, the next column is brought in for those couples only (7b), and so on.
  * Rule 8: when no couple still to be placed has a majority in a column, the next column (the
    next lower place) is brought in.

  Column progression: once the couples with a majority in column c are placed, the search goes
  on in column c + 1, even when that column is lower than the next place to award (the note to
  rule 6: after 2nd and 3rd are settled in the "2nd and higher" column, 4th is sought in the
  "3rd and higher" column). Jumping to the column of the place under review instead gives a
  different 5th place in the jUdge "Beispiel P" dance 1 oracle.

  Couples equal in every column share the places they cover, each getting their mean (3.5 for
  3rd-4th, 4 for 3rd-5th).

- Rule 9 (several dances): the per-dance places are added up; the lowest total wins.
- Rule 10: couples tied on the total are separated, for the place under review p, by (a) the
  number of dances in which they were placed p-th or higher, then (b) the lower sum of those
  places. The winner takes p and all the couples still tied are reconsidered for p + 1, those
  that lost at 10(a) as well as those that lost at 10(b) (railskating's "remaining couples
  reconsidered"; jUdge would settle the 10(b) losers first; no oracle tells them apart). Couples
  none of which was placed p-th or higher in any dance are equal under (a) and (b), so they go
  to rule 11 (read literally, as jUdge and railskating do; no oracle has such a tie).
- Rule 11: couples that rule 10 cannot separate are compared on the marks of all judges in all
  dances taken as one dance (majority ``floor(judges * dances / 2) + 1``), starting with the
  column of the place under review and ranking those marks as rules 5-8 do; the winner takes p.

  Group resolution (the choice the oracles disagree on, see skating_textbook_rule11_example2):
  the couples that went to rule 11 together are settled completely - the rule 11 winner, then
  rule 10 (and rule 11 again if needed) among the rest of that group - before the couples that
  lost to them at rule 10(a)/(b) are reconsidered for the next place. The oracle notes report
  this for jUdge, Greg Cooper's scrutineer and the railskating fixture; reconsidering all the
  remaining tied couples together would swap 7th and 8th in that file. Couples that rule 11
  cannot separate share places as in a single dance.

`SkatingResult.rule` names the rule that placed each couple. In one dance: "R5" for the only
couple with a majority in its column, "R6" / "R7" when several had one and the size of the
majority / the sum (or a later column) separated them, "R8" when no couple had a majority for
the place under review and lower places had to be brought in. Over several dances: "R9" for a
total nobody shares, "R10" / "R11" for the rule that won or lost the couple its place in a tie.
"tie" marks a shared place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "SkatingError",
    "SkatingResult",
    "cumulative_columns",
    "majority",
    "single_dance",
    "skating",
]

# Column k of a couple's tally: (how many marks are k or better, the sum of those marks).
_Column = tuple[int, int]


class SkatingError(ValueError):
    """The placings cannot be scrutineered; the message names the problem."""


@dataclass(frozen=True)
class SkatingResult:
    """The outcome of a final.

    places: final place of each couple (shared places are fractional, e.g. Fraction(7, 2));
    per_dance: place of each couple in each dance, by rules 5-8;
    totals: rule 9 sum of each couple's per-dance places (its only dance's place for one dance);
    rule: what decided each couple's final place: "R5"-"R8" for a single dance, "R9"-"R11" for
        several, "tie" for a shared place;
    explanations: one short English sentence per couple saying why it got its place.
    """

    places: dict[str, Fraction]
    per_dance: dict[str, dict[str, Fraction]]
    totals: dict[str, Fraction]
    rule: dict[str, str]
    explanations: dict[str, str]


def majority(marks: int) -> int:
    """Absolute majority of ``marks`` marks: more than half of them (rules 5 and 11)."""
    return marks // 2 + 1


def single_dance(placings: Mapping[str, Mapping[str, int]]) -> dict[str, Fraction]:
    """Places in one dance by rules 5-8. ``placings[judge][couple]`` is that judge's place for
    the couple (1 = best); every judge must place every couple exactly once."""
    return _Dance.scrutineer(placings).places


def cumulative_columns(
    placings: Mapping[str, Mapping[str, int]], *, with_sums: bool = False
) -> dict[str, list[str]]:
    """The cumulative columns of one dance as results sheets print them (rules 5-8).

    Entry k - 1 of a couple's list is column k: the number of judges who placed the couple k-th
    or better, or "-" when there are none (as on the Brown 2013 sheets). With ``with_sums`` a
    non-empty cell also shows the sum of those marks, "count(sum)", e.g. "2(3)": the figure
    rule 7 compares.
    """
    judges, couples = _check_placings(placings)
    tallies = _tallies(_marks_by_couple(placings, judges, couples), len(couples))
    return {
        couple: [_column_cell(count, total, with_sums) for count, total in tallies[couple]]
        for couple in couples
    }


def skating(dances: Mapping[str, Mapping[str, Mapping[str, int]]]) -> SkatingResult:
    """Final result of ``dances[dance][judge][couple] = place``.

    One dance: rules 5-8. Several dances: rules 5-8 in each dance, then rules 9-11 on the final
    summary. Every dance must have the same couples and, for rule 11, the same judges.
    """
    if not dances:
        raise SkatingError("no dances: a final needs at least one dance")
    results: dict[str, _Dance] = {}
    for dance, placings in dances.items():
        try:
            results[dance] = _Dance.scrutineer(placings)
        except SkatingError as error:
            raise SkatingError(f"dance {dance!r}: {error}") from None
    _check_same_panel_and_couples(results)
    per_dance = {dance: dict(result.places) for dance, result in results.items()}
    if len(results) == 1:
        (only,) = results.values()
        return SkatingResult(
            places=dict(only.places),
            per_dance=per_dance,
            totals=dict(only.places),
            rule=dict(only.rule),
            explanations=dict(only.explanation),
        )
    return _FinalSummary(results).result(per_dance)


# --- one dance: rules 5-8 ---------------------------------------------------------------------


@dataclass
class _Dance:
    judges: list[str]
    couples: list[str]
    marks: dict[str, list[int]]
    places: dict[str, Fraction]
    rule: dict[str, str]
    explanation: dict[str, str]

    @classmethod
    def scrutineer(cls, placings: Mapping[str, Mapping[str, int]]) -> _Dance:
        judges, couples = _check_placings(placings)
        marks = _marks_by_couple(placings, judges, couples)
        dance = cls(judges, couples, marks, {}, {}, {})
        dance._place_by_majority()
        return dance

    def _place_by_majority(self) -> None:
        tallies = _tallies(self.marks, len(self.couples))
        needed = majority(len(self.judges))
        unplaced = list(self.couples)
        place, column = 1, 1
        while unplaced:
            column, groups = _majority_groups(tallies, unplaced, needed, column)
            for index, group in enumerate(groups):
                share = _shared_place(place, len(group))
                for couple in group:
                    self.places[couple] = share
                    self.rule[couple], self.explanation[couple] = self._why(
                        couple, place, column, groups, index, tallies, needed
                    )
                place += len(group)
            unplaced = [couple for couple in unplaced if couple not in self.places]
            column += 1

    def _why(
        self,
        couple: str,
        place: int,
        column: int,
        groups: list[list[str]],
        index: int,
        tallies: dict[str, list[_Column]],
        needed: int,
    ) -> tuple[str, str]:
        """The rule that placed ``couple`` and a sentence saying how."""
        group = groups[index]
        if len(group) > 1:
            return "tie", _tie_sentence(couple, group, place, "in every column")
        count, total = tallies[couple][column - 1]
        if len(groups) == 1:
            rule = "R5"
            how = (
                f"{count} of {len(self.judges)} judges placed it {_or_better(column)} "
                f"(majority {needed})"
            )
        else:
            rival = _neighbour(groups, index)
            offset, what = _separation(tallies[couple][column - 1 :], tallies[rival][column - 1 :])
            decisive = column + offset
            rival_count, rival_total = tallies[rival][decisive - 1]
            if offset == 0 and what == "count":
                rule = "R6"
                how = (
                    f"majority of {count} of {len(self.judges)} judges for {_or_better(column)}, "
                    f"against {rival_count} for {rival}"
                )
            elif offset == 0:
                rule = "R7"
                how = (
                    f"equal majority of {count} for {_or_better(column)} with {rival}, sum of "
                    f"marks {total} against {rival_total}"
                )
            else:
                count, total = tallies[couple][decisive - 1]
                rule = "R7"
                how = (
                    f"equal majority and sum for {_or_better(column)} with {rival}; the "
                    f"{_ordinal(decisive)} column decides ({count} marks, sum {total}, against "
                    f"{rival_count}, sum {rival_total})"
                )
        if column > place:
            # No couple left had a majority for the place under review: lower places were
            # brought in, and rules 5-7 settled the couples holding one there.
            how = f"no majority for {_or_better(place)}; {how}"
            if rule != "R5":
                how += f" (rule {rule[1:]})"
            rule = "R8"
        return rule, f"{how}: {_ordinal(place)} by rule {rule[1:]}"


# --- several dances: rules 9-11 ---------------------------------------------------------------


class _FinalSummary:
    def __init__(self, dances: Mapping[str, _Dance]) -> None:
        first = next(iter(dances.values()))
        self.couples = first.couples
        self.size = len(self.couples)
        self.dance_places = {
            couple: [dance.places[couple] for dance in dances.values()] for couple in self.couples
        }
        self.totals = {
            couple: sum(self.dance_places[couple], Fraction(0)) for couple in self.couples
        }
        # Rule 11 reads every judge's mark in every dance as if it were one dance.
        self.all_marks = {
            couple: [mark for dance in dances.values() for mark in dance.marks[couple]]
            for couple in self.couples
        }
        self.all_marks_count = len(first.judges) * len(dances)
        self.places: dict[str, Fraction] = {}
        self.rule: dict[str, str] = {}
        self.explanation: dict[str, str] = {}

    def result(self, per_dance: dict[str, dict[str, Fraction]]) -> SkatingResult:
        place = 1
        for total in sorted(set(self.totals.values())):
            tied = [couple for couple in self.couples if self.totals[couple] == total]
            if len(tied) == 1:
                self._award(tied[0], place, "R9", "")
            else:
                self._rule10(tied, place, {})
            place += len(tied)
        return SkatingResult(
            places=self.places,
            per_dance=per_dance,
            totals=dict(self.totals),
            rule=self.rule,
            explanations=self.explanation,
        )

    def _award(self, couple: str, place: int, rule: str, detail: str) -> None:
        total = _number(self.totals[couple])
        self.places[couple] = Fraction(place)
        self.rule[couple] = rule
        self.explanation[couple] = {
            "R9": f"total {total}: {_ordinal(place)} by rule 9",
            "R10": f"tied on {total} after rule 9; {_ordinal(place)} by rule 10 ({detail})",
            "R11": (
                f"tied on {total} after rule 9, not separated by rule 10; "
                f"{_ordinal(place)} by rule 11 ({detail})"
            ),
        }[rule]

    def _rule10(self, group: list[str], place: int, lost: dict[str, tuple[str, str]]) -> None:
        """Rule 10 for ``place`` among ``group`` (equal totals), then for each next place.

        ``lost`` holds, for couples that already lost a comparison, the rule and the reason
        that explain their place if they end up alone.
        """
        group = list(group)
        while group:
            if len(group) == 1:
                self._award(group[0], place, *lost[group[0]])
                return
            wins = {couple: self._places_or_better(couple, place) for couple in group}
            most = max(count for count, _ in wins.values())
            by_count = [couple for couple in group if wins[couple][0] == most]
            lowest = min(wins[couple][1] for couple in by_count)
            by_sum = [couple for couple in by_count if wins[couple][1] == lowest]
            better = _or_better(place)
            for couple in group:
                count, total = wins[couple]
                if couple not in by_count:
                    lost[couple] = (
                        "R10",
                        f"{_places(count, better)}, fewer than {_names(by_count)}",
                    )
                elif couple not in by_sum:
                    lost[couple] = (
                        "R10",
                        f"{_places(count, better)} like {_names(by_sum)}, but a higher sum "
                        f"{_number(total)} against {_number(lowest)}",
                    )
            if len(by_sum) == 1:
                (winner,) = by_sum
                count, total = wins[winner]
                if len(by_count) == 1:
                    detail = f"{_places(count, better)}, the most"
                else:
                    detail = (
                        f"{_places(count, better)} like {_names(by_count, winner)}, "
                        f"the lowest sum {_number(total)}"
                    )
                self._award(winner, place, "R10", detail)
                # Every couple still tied is reconsidered for the next place.
                group.remove(winner)
                place += 1
                continue
            # Rule 10 cannot separate ``by_sum``: they are settled completely (rule 11, then
            # rule 10 among the rest of them) before the couples that lost to them here.
            self._rule11(by_sum, place)
            group = [couple for couple in group if couple not in by_sum]
            place += len(by_sum)

    def _rule11(self, group: list[str], place: int) -> None:
        marks = self.all_marks_count
        needed = majority(marks)
        tallies = _tallies({couple: self.all_marks[couple] for couple in group}, self.size)
        # The search starts in the column of the place under review, not in column 1.
        column, groups = _majority_groups(tallies, group, needed, place)
        winners = groups[0]
        if len(winners) == 1:
            (winner,) = winners
            count, total = tallies[winner][column - 1]
            self._award(
                winner,
                place,
                "R11",
                f"{count} of {marks} marks {_or_better(column)}, majority {needed}, sum {total}",
            )
        else:
            share = _shared_place(place, len(winners))
            for couple in winners:
                self.places[couple] = share
                self.rule[couple] = "tie"
                self.explanation[couple] = (
                    f"tied on {_number(self.totals[couple])} after rule 9; "
                    + _tie_sentence(couple, winners, place, "under rules 10 and 11")
                )
        rest = [couple for couple in group if couple not in winners]
        behind = ("R11", f"behind {_names(winners)} on all {marks} marks")
        self._rule10(rest, place + len(winners), dict.fromkeys(rest, behind))

    def _places_or_better(self, couple: str, place: int) -> tuple[int, Fraction]:
        won = [value for value in self.dance_places[couple] if value <= place]
        return len(won), sum(won, Fraction(0))


# --- shared by rules 5-8 and rule 11 -----------------------------------------------------------


def _majority_groups(
    tallies: Mapping[str, Sequence[_Column]], couples: Sequence[str], needed: int, column: int
) -> tuple[int, list[list[str]]]:
    """The first column from ``column`` on in which some of ``couples`` hold ``needed`` marks
    (rules 5 and 8), and those couples in order (rules 6 and 7), equal ones grouped together."""
    while True:
        holders = [couple for couple in couples if tallies[couple][column - 1][0] >= needed]
        if holders:
            break
        # The last column holds every mark, so a majority is always found there.
        column += 1

    def standing(couple: str) -> tuple[tuple[int, int], ...]:
        # Larger majority first (rule 6), then lower sum (7a), then the next columns (7b).
        return tuple((-count, total) for count, total in tallies[couple][column - 1 :])

    groups: list[list[str]] = []
    previous = None
    for couple in sorted(holders, key=standing):
        key = standing(couple)
        if key == previous:
            groups[-1].append(couple)
        else:
            groups.append([couple])
        previous = key
    for group in groups:
        group.sort()
    return column, groups


def _tallies(marks: Mapping[str, Sequence[int]], columns: int) -> dict[str, list[_Column]]:
    return {
        couple: [
            (sum(1 for mark in values if mark <= k), sum(mark for mark in values if mark <= k))
            for k in range(1, columns + 1)
        ]
        for couple, values in marks.items()
    }


def _separation(mine: Sequence[_Column], theirs: Sequence[_Column]) -> tuple[int, str]:
    """Where two different tallies first differ: (columns after the first, "count" or "sum")."""
    for offset, ((count, total), (other_count, other_total)) in enumerate(
        zip(mine, theirs, strict=True)
    ):
        if count != other_count:
            return offset, "count"
        if total != other_total:
            return offset, "sum"
    raise AssertionError("equal tallies are grouped, never separated")


def _neighbour(groups: list[list[str]], index: int) -> str:
    """The couple a placed couple was compared with: the next one down, or the last one up."""
    if index + 1 < len(groups):
        return groups[index + 1][0]
    return groups[index - 1][0]


def _shared_place(first: int, size: int) -> Fraction:
    """Mean of the places ``first`` .. ``first + size - 1`` that ``size`` equal couples cover."""
    return Fraction(2 * first + size - 1, 2)


# --- input checks ------------------------------------------------------------------------------


def _check_placings(placings: Mapping[str, Mapping[str, int]]) -> tuple[list[str], list[str]]:
    """The judges and couples of one dance, after checking rules 1-4 were kept: each judge
    places each couple once, with the places 1..n."""
    if not placings:
        raise SkatingError("no judges: at least one judge must place the couples")
    judges = sorted(placings)
    couples = sorted({couple for judge in judges for couple in placings[judge]})
    if not couples:
        raise SkatingError("no couples to place")
    size = len(couples)
    for judge in judges:
        given = placings[judge]
        missing = [couple for couple in couples if couple not in given]
        if missing:
            raise SkatingError(f"judge {judge!r} gives no place to couple(s) {_quoted(missing)}")
        seen: dict[int, str] = {}
        for couple in couples:
            mark = given[couple]
            if isinstance(mark, bool) or not isinstance(mark, int):
                raise SkatingError(
                    f"judge {judge!r} gives couple {couple!r} the place {mark!r}, "
                    "which is not a whole number"
                )
            if not 1 <= mark <= size:
                raise SkatingError(
                    f"judge {judge!r} gives couple {couple!r} place {mark}, outside 1..{size}"
                )
            if mark in seen:
                raise SkatingError(
                    f"judge {judge!r} gives place {mark} to both couple {seen[mark]!r} "
                    f"and couple {couple!r}"
                )
            seen[mark] = couple
    return judges, couples


def _marks_by_couple(
    placings: Mapping[str, Mapping[str, int]], judges: list[str], couples: list[str]
) -> dict[str, list[int]]:
    return {couple: [placings[judge][couple] for judge in judges] for couple in couples}


def _check_same_panel_and_couples(dances: Mapping[str, _Dance]) -> None:
    (first_name, first), *others = dances.items()
    for name, dance in others:
        if dance.couples != first.couples:
            raise SkatingError(
                f"dance {name!r} places couples {_quoted(dance.couples)} but dance "
                f"{first_name!r} places {_quoted(first.couples)}: rule 9 adds up the places of "
                "the same couples in every dance"
            )
        if dance.judges != first.judges:
            raise SkatingError(
                f"dance {name!r} is judged by {_quoted(dance.judges)} but dance {first_name!r} "
                f"by {_quoted(first.judges)}: rule 11 needs the same judges in every dance"
            )


# --- wording -----------------------------------------------------------------------------------


def _ordinal(place: int | Fraction) -> str:
    place = Fraction(place)
    if place.denominator != 1:
        return f"{_number(place)} (shared)"
    n = place.numerator
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _or_better(column: int) -> str:
    return "1st" if column == 1 else f"{_ordinal(column)} or higher"


def _places(count: int, better: str) -> str:
    return f"{count} place{'' if count == 1 else 's'} {better}"


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    # Sums of places shared by k couples are multiples of 1/2.
    return f"{float(value):g}"


def _names(couples: Sequence[str], *leave_out: str) -> str:
    return ", ".join(str(couple) for couple in couples if couple not in leave_out)


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _tie_sentence(couple: str, group: Sequence[str], place: int, where: str) -> str:
    last = place + len(group) - 1
    shared = _number(_shared_place(place, len(group)))
    return (
        f"equal to {_names(group, couple)} {where}: shares places "
        f"{_ordinal(place)}-{_ordinal(last)} ({shared})"
    )


def _column_cell(count: int, total: int, with_sums: bool) -> str:
    if count == 0:
        return "-"
    return f"{count}({total})" if with_sums else str(count)
