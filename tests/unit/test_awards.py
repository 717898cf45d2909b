from decimal import Decimal

from scoring.awards import PrizeTier, RankedEntry, give_prizes

TIERS = [PrizeTier("Nhất", 1), PrizeTier("Nhì", 2), PrizeTier("Ba", 3), PrizeTier("KK", 6)]


def standings(*scores, parts=None):
    """Entries A, B, C... with these scores, ranked standard-competition style."""
    result, previous, rank = [], None, 0
    for index, score in enumerate(scores):
        if score != previous:
            rank = index + 1
        previous = score
        entry = chr(ord("A") + index)
        result.append(
            RankedEntry(entry, Decimal(rank), Decimal(score), (parts or {}).get(entry, {}))
        )
    return result


def test_quotas_are_filled_in_rank_order():
    awards = give_prizes(standings(*range(20, 0, -1)), TIERS)
    assert [p for p, _ in awards] == ["Nhất"] + ["Nhì"] * 2 + ["Ba"] * 3 + ["KK"] * 6
    assert awards[0] == ("Nhất", "A") and awards[-1] == ("KK", "L")


def test_equal_ranks_receive_equal_prizes_and_widen_the_quota():
    awards = dict(
        (entry, prize) for prize, entry in give_prizes(standings(90, 85, 85, 85, 80), TIERS)
    )
    assert awards == {"A": "Nhất", "B": "Nhì", "C": "Nhì", "D": "Nhì", "E": "Ba"}


def test_minimum_score_leaves_a_tier_vacant():
    tiers = [
        PrizeTier("Nhất", 1, Decimal(95)),
        PrizeTier("Nhì", 2, Decimal(80)),
        PrizeTier("Ba", 3, Decimal(70)),
    ]
    awards = give_prizes(standings(90, 85, 75, 60), tiers)
    assert awards == [("Nhì", "A"), ("Nhì", "B"), ("Ba", "C")]  # no Nhất; 60 gets nothing


def test_cap_is_a_hard_maximum_and_never_splits_a_tie():
    # 10 entrants, at most 50% may receive a prize: 5 prizes, but B..E tie at the edge.
    awards = give_prizes(standings(99, 98, 97, 96, 95, 94, 94, 93, 92, 91), TIERS, cap_percent=50)
    assert [entry for _, entry in awards] == ["A", "B", "C", "D", "E"]
    tied_at_edge = give_prizes(
        standings(99, 98, 97, 96, 95, 95, 93, 92, 91, 90), TIERS, cap_percent=50
    )
    assert [entry for _, entry in tied_at_edge] == ["A", "B", "C", "D"]


def test_special_prize_goes_to_the_best_part_score_ties_included():
    parts = {
        "A": {"talk": Decimal("9.0")},
        "B": {"talk": Decimal("9.5")},
        "C": {"talk": Decimal("9.5")},
    }
    awards = give_prizes(
        standings(90, 80, 70, parts=parts),
        [PrizeTier("Nhất", 1), PrizeTier("Best talk", 1, part="talk")],
    )
    assert awards == [("Nhất", "A"), ("Best talk", "B"), ("Best talk", "C")]


def test_lower_is_better_for_rank_based_methods():
    awards = give_prizes(
        standings(3, 5, 7), [PrizeTier("Nhất", 1, Decimal(4))], higher_is_better=False
    )
    assert awards == [("Nhất", "A")]
