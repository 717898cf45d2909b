"""Prizes from standings. Pure: plain data in, plain data out.

Tiers are given in order (Nhất, Nhì, Ba, Khuyến khích) down the ranking:
- a tier takes `quota` entries, widened so that entries of equal rank receive equal prizes;
- an entry below a tier's `min_score` cannot take it: the tier stays (partly) vacant and the
  entry is considered for the next tier;
- the contest's cap (at most N % of entrants receive a prize) is a hard maximum: a group of
  tied entries that would cross it receives nothing, since splitting a tie is not allowed;
- special prizes go to the best score in a named part, every entry sharing that best score
  included.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby


@dataclass(frozen=True)
class RankedEntry:
    entry: str
    rank: Decimal
    score: Decimal
    part_scores: dict[str, Decimal]


@dataclass(frozen=True)
class PrizeTier:
    prize: str
    quota: int
    min_score: Decimal | None = None
    part: str | None = None  # set for a special prize: best score in this part


def give_prizes(
    standings: Sequence[RankedEntry],
    tiers: Sequence[PrizeTier],
    *,
    cap_percent: int | None = None,
    higher_is_better: bool = True,
) -> list[tuple[str, str]]:
    """(prize, entry) pairs. `standings` in rank order, `tiers` in prize order."""
    awards: list[tuple[str, str]] = []
    cap = len(standings) * cap_percent // 100 if cap_percent is not None else len(standings)
    groups = [list(group) for _rank, group in groupby(standings, key=lambda s: s.rank)]
    index = 0
    awarded = 0
    for tier in (t for t in tiers if t.part is None):
        given = 0
        while index < len(groups) and given < tier.quota:
            group = groups[index]
            if tier.min_score is not None and not _reaches(
                group[0].score, tier.min_score, higher_is_better
            ):
                break
            if awarded + len(group) > cap:
                return awards + _special(standings, tiers, higher_is_better)
            awards.extend((tier.prize, member.entry) for member in group)
            given += len(group)
            awarded += len(group)
            index += 1
    return awards + _special(standings, tiers, higher_is_better)


def _reaches(score: Decimal, minimum: Decimal, higher_is_better: bool) -> bool:
    return score >= minimum if higher_is_better else score <= minimum


def _special(
    standings: Sequence[RankedEntry], tiers: Sequence[PrizeTier], higher_is_better: bool
) -> list[tuple[str, str]]:
    awards = []
    for tier in (t for t in tiers if t.part is not None):
        scored = [s for s in standings if tier.part in s.part_scores]
        if not scored:
            continue
        pick = max if higher_is_better else min
        best = pick(s.part_scores[tier.part] for s in scored)
        if tier.min_score is not None and not _reaches(best, tier.min_score, higher_is_better):
            continue
        awards.extend((tier.prize, s.entry) for s in scored if s.part_scores[tier.part] == best)
    return awards
