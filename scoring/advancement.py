"""Who advances from a contest to the next level. Pure: plain data in, plain data out.

A contest's rule picks its winners from its published results:

- ``top_n``: the entries placed in the best N of the final round. Places are counted as in
  standard competition ranking (1, 2, 2, 4): an entry's place is one more than the number of
  entries placed strictly better, whatever the rubric printed (dense ranks, or the Skating
  System's shared mean places such as 3.5). Equal ranks are never split: when entries tie
  across the boundary, every tied entry placed N or better advances, so a tie at the last
  place lets more than N through (N = 3 with ranks 1, 2, 3, 3 advances four entries).
- ``prize_tiers``: the entries awarded a first, second or third prize (giải Nhất, Nhì, Ba);
  consolation (Khuyến khích) and special prizes do not advance an entry.
- ``best_per_cluster``: the best N of each cluster (cụm) of the round that has clusters, by
  the same counting within the cluster, ties at the boundary included.

The choices come back in order (place, then prize tier, then cluster by cluster), each with
what earned it, for the caller to put into words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

TOP_N = "top_n"
PRIZE_TIERS = "prize_tiers"
BEST_PER_CLUSTER = "best_per_cluster"
RULES = (TOP_N, PRIZE_TIERS, BEST_PER_CLUSTER)

# The prize tiers that advance an entry, best first.
ADVANCING_TIERS = ("first", "second", "third")


class AdvancementError(ValueError):
    pass


@dataclass(frozen=True)
class Placing:
    """An entry's published standing in a round: its rank (1 is best) and, in a round with
    clusters, the cluster it presented in."""

    entry: Hashable
    rank: Decimal
    cluster: str | None = None


@dataclass(frozen=True)
class PrizeWon:
    tier: str  # "first", "second", "third", "consolation" or "special"
    name: str  # as the contest calls it: "Giải Nhì"


@dataclass(frozen=True)
class Choice:
    """An entry chosen to advance and what earned it: its rank (in the final, or within its
    cluster), or its prize."""

    entry: Hashable
    rule: str
    rank: Decimal | None = None  # the rank the published ranking gives
    place: int | None = None  # standard competition place (in the cluster for clusters)
    prize: PrizeWon | None = None
    cluster: str | None = None


def choose_advancing(
    rule: str,
    count: int | None,
    *,
    standings: Sequence[Placing],
    awards: Mapping[Hashable, PrizeWon] | None = None,
) -> list[Choice]:
    """The entries that advance under `rule`. `standings`: the final round's for ``top_n``,
    the clustered round's (each with its cluster) for ``best_per_cluster``; `awards`: each
    entry's prize in the final, for ``prize_tiers``; `count`: N."""
    if rule not in RULES:
        raise AdvancementError(f"unknown advancement rule {rule!r}")
    if rule == PRIZE_TIERS:
        return _prize_winners(standings, awards or {})
    if count is None or count < 1:
        raise AdvancementError("the rule needs N of at least 1")
    if rule == TOP_N:
        return [
            Choice(entry=p.entry, rule=rule, rank=p.rank, place=place)
            for p, place in _best(standings, count)
        ]
    return _best_per_cluster(standings, count)


def competition_places(standings: Sequence[Placing]) -> list[tuple[Placing, int]]:
    """Each standing with its standard competition place (1 + the number of entries ranked
    strictly better), best first; entries of equal rank keep their given order."""
    ordered = sorted(standings, key=lambda p: p.rank)
    placed = []
    better = 0
    for index, placing in enumerate(ordered):
        if index and placing.rank != ordered[index - 1].rank:
            better = index
        placed.append((placing, better + 1))
    return placed


def _best(standings: Sequence[Placing], count: int) -> list[tuple[Placing, int]]:
    return [(p, place) for p, place in competition_places(standings) if place <= count]


def _prize_winners(
    standings: Sequence[Placing], awards: Mapping[Hashable, PrizeWon]
) -> list[Choice]:
    rank_of = {p.entry: p.rank for p in standings}
    order = {entry: index for index, entry in enumerate(p.entry for p in standings)}
    winners = [(entry, prize) for entry, prize in awards.items() if prize.tier in ADVANCING_TIERS]
    winners.sort(
        key=lambda item: (
            ADVANCING_TIERS.index(item[1].tier),
            rank_of.get(item[0], Decimal("Infinity")),
            order.get(item[0], len(order)),
        )
    )
    return [
        Choice(entry=entry, rule=PRIZE_TIERS, rank=rank_of.get(entry), prize=prize)
        for entry, prize in winners
    ]


def _best_per_cluster(standings: Sequence[Placing], count: int) -> list[Choice]:
    """The best `count` of each cluster, clusters in the order they first appear."""
    clusters: dict[str, list[Placing]] = defaultdict(list)
    for placing in standings:
        if placing.cluster is None:
            raise AdvancementError(f"entry {placing.entry!r} has no cluster")
        clusters[placing.cluster].append(placing)
    return [
        Choice(entry=p.entry, rule=BEST_PER_CLUSTER, rank=p.rank, place=place, cluster=cluster)
        for cluster, members in clusters.items()
        for p, place in _best(members, count)
    ]
