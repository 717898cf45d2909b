"""Who advances to the next level, from plain standings and awards (scoring.advancement)."""

from decimal import Decimal

import pytest

from scoring.advancement import (
    AdvancementError,
    Placing,
    PrizeWon,
    choose_advancing,
    competition_places,
)


def placings(*ranks, cluster=None):
    return [
        Placing(entry=f"e{index}", rank=Decimal(str(rank)), cluster=cluster)
        for index, rank in enumerate(ranks, start=1)
    ]


def entries(choices):
    return [choice.entry for choice in choices]


def test_top_n_takes_the_entries_ranked_n_or_better_in_order():
    choices = choose_advancing("top_n", 2, standings=placings(1, 2, 3, 4))
    assert entries(choices) == ["e1", "e2"]
    assert [choice.place for choice in choices] == [1, 2]


def test_top_n_advances_every_entry_tied_at_the_boundary():
    # N = 3 with ranks 1, 2, 3, 3: the tie for third is never split, four advance.
    choices = choose_advancing("top_n", 3, standings=placings(1, 2, 3, 3, 5))
    assert entries(choices) == ["e1", "e2", "e3", "e4"]


def test_top_n_leaves_out_a_tie_placed_beyond_n():
    # Ranks 1, 2, 2, 4: with N = 3 the fourth entry is fourth, whatever else.
    assert entries(choose_advancing("top_n", 3, standings=placings(1, 2, 2, 4))) == [
        "e1",
        "e2",
        "e3",
    ]


def test_top_n_counts_places_the_standard_way_whatever_the_printed_ranks():
    # Dense ranks 1, 2, 2, 3: three entries are better than the last, so it is not in the
    # best three. A Skating System place shared by the third and fourth is 3.5: both in.
    assert entries(choose_advancing("top_n", 3, standings=placings(1, 2, 2, 3))) == [
        "e1",
        "e2",
        "e3",
    ]
    skating = placings(1, 2, 3.5, 3.5, 5)
    assert entries(choose_advancing("top_n", 3, standings=skating)) == ["e1", "e2", "e3", "e4"]


def test_competition_places_follow_the_ranks_not_the_order_given():
    placed = competition_places(placings(3, 1, 1))
    assert [(p.entry, place) for p, place in placed] == [("e2", 1), ("e3", 1), ("e1", 3)]


def test_prize_tiers_advance_first_second_and_third_prizes_only():
    awards = {
        "e1": PrizeWon("first", "Giải Nhất"),
        "e2": PrizeWon("second", "Giải Nhì"),
        "e3": PrizeWon("third", "Giải Ba"),
        "e4": PrizeWon("consolation", "Giải Khuyến khích"),
        "e5": PrizeWon("special", "Giải Trình bày hay nhất"),
    }
    choices = choose_advancing(
        "prize_tiers", None, standings=placings(1, 2, 3, 4, 5), awards=awards
    )
    assert entries(choices) == ["e1", "e2", "e3"]
    assert [choice.prize.name for choice in choices] == ["Giải Nhất", "Giải Nhì", "Giải Ba"]


def test_prize_tiers_list_by_tier_then_rank():
    awards = {
        "e3": PrizeWon("second", "Giải Nhì"),
        "e2": PrizeWon("second", "Giải Nhì"),
        "e1": PrizeWon("first", "Giải Nhất"),
    }
    choices = choose_advancing("prize_tiers", None, standings=placings(1, 2, 2), awards=awards)
    assert entries(choices) == ["e1", "e2", "e3"]


def test_best_per_cluster_takes_the_best_n_of_each_cluster():
    standings = [
        Placing("a1", Decimal(1), "Cụm 1"),
        Placing("b1", Decimal(2), "Cụm 2"),
        Placing("a2", Decimal(3), "Cụm 1"),
        Placing("b2", Decimal(4), "Cụm 2"),
        Placing("a3", Decimal(5), "Cụm 1"),
        Placing("b3", Decimal(6), "Cụm 2"),
    ]
    choices = choose_advancing("best_per_cluster", 1, standings=standings)
    assert [(c.entry, c.cluster, c.place) for c in choices] == [
        ("a1", "Cụm 1", 1),
        ("b1", "Cụm 2", 1),
    ]
    two = choose_advancing("best_per_cluster", 2, standings=standings)
    assert entries(two) == ["a1", "a2", "b1", "b2"]


def test_best_per_cluster_advances_a_tie_at_the_clusters_boundary():
    standings = [
        Placing("a1", Decimal(1), "Cụm 1"),
        Placing("a2", Decimal(3), "Cụm 1"),
        Placing("a3", Decimal(3), "Cụm 1"),
        Placing("b1", Decimal(2), "Cụm 2"),
        Placing("b2", Decimal(5), "Cụm 2"),
    ]
    choices = choose_advancing("best_per_cluster", 2, standings=standings)
    assert entries(choices) == ["a1", "a2", "a3", "b1", "b2"]


def test_a_rule_counting_entries_needs_n():
    with pytest.raises(AdvancementError):
        choose_advancing("top_n", None, standings=placings(1, 2))
    with pytest.raises(AdvancementError):
        choose_advancing("best_per_cluster", 0, standings=placings(1, cluster="Cụm 1"))


def test_an_unknown_rule_or_a_standing_without_cluster_is_refused():
    with pytest.raises(AdvancementError):
        choose_advancing("none", 1, standings=placings(1))
    with pytest.raises(AdvancementError):
        choose_advancing("best_per_cluster", 1, standings=placings(1))
