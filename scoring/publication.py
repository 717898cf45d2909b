"""What the public sees of a round's published results. Pure: plain data in, plain data out.

A published round is shown whole, unless its prizes are being revealed at the ceremony: then
the public sees the prizes revealed so far and nothing else, no standings, no scores, so a
phone in the hall never runs ahead of the projector.

The ceremony reveals special prizes first, then the main prizes from the last consolation
prize (Khuyến khích) up to the first prize (Nhất): within a tier, the lowest-placed entry
first; entries sharing a place in the order of their sort key (their title in Vietnamese
collation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

# Main prize tiers, best first; any other tier (special prizes) is revealed before them.
MAIN_TIERS = ("first", "second", "third", "consolation")


@dataclass(frozen=True)
class AwardLine:
    entry: int
    tier: str
    prize_order: int  # the contest's order of its prizes
    rank: Decimal
    sort_key: str = ""


def reveal_order(awards: Sequence[AwardLine]) -> list[AwardLine]:
    """The order in which the ceremony reveals the awards, one at a time."""
    specials = sorted(
        (a for a in awards if a.tier not in MAIN_TIERS),
        key=lambda a: (a.prize_order, -a.rank, a.sort_key),
    )
    main = sorted(
        (a for a in awards if a.tier in MAIN_TIERS),
        key=lambda a: (-MAIN_TIERS.index(a.tier), -a.rank, a.sort_key),
    )
    return specials + main


def visible_round(round_document: dict, reveal: tuple[int, bool] | None) -> dict:
    """The public's view of one round's document (`standings`, each with its `entry_id` and
    `prize`; `reveal_order`, the entry ids in reveal order), given the round's ceremony as
    (prizes revealed, finished) or None when there is none.

    During a ceremony `standings` is empty and `reveal.revealed` holds the revealed awards,
    in reveal order, without score or rank; after it, or without one, the whole round."""
    order = round_document["reveal_order"]
    public = {key: value for key, value in round_document.items() if key != "reveal_order"}
    if reveal is None:
        public["status"] = "published"
        return public
    revealed, finished = reveal
    if finished:
        public["status"] = "published"
        revealed = len(order)
    else:
        public["status"] = "ceremony"
    by_entry = {standing["entry_id"]: standing for standing in round_document["standings"]}
    public["reveal"] = {
        "step": revealed,
        "total": len(order),
        "finished": finished,
        "revealed": [_award_card(by_entry[entry]) for entry in order[:revealed]],
    }
    if not finished:
        public["standings"] = []
        public.pop("criteria", None)
    return public


def _award_card(standing: dict) -> dict:
    """What the projector shows when a prize is revealed: the prize and who receives it."""
    return {
        key: standing[key]
        for key in ("entry_id", "prize", "prize_tier", "initiative_title", "unit", "presenters")
    }
