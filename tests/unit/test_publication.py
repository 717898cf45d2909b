"""What the public sees of a round, and the order of the prize ceremony (scoring.publication)."""

from decimal import Decimal

from scoring.publication import AwardLine, reveal_order, visible_round


def award(entry, tier, rank, order=1, key=""):
    return AwardLine(entry=entry, tier=tier, prize_order=order, rank=Decimal(rank), sort_key=key)


def test_the_ceremony_goes_from_the_last_consolation_prize_to_the_first_prize():
    awards = [
        award(1, "first", 1, order=1),
        award(2, "second", 2, order=2),
        award(3, "second", 3, order=2),
        award(4, "third", 4, order=3),
        award(9, "consolation", 9, order=4),
        award(6, "consolation", 6, order=4),
        award(7, "special", 2, order=5),
    ]
    # Special prizes first; then within each tier the lowest-placed entry first.
    assert [a.entry for a in reveal_order(awards)] == [7, 9, 6, 4, 3, 2, 1]


def test_entries_sharing_a_place_are_revealed_in_the_order_of_their_titles():
    awards = [award(5, "second", 2, key="b"), award(8, "second", 2, key="a")]
    assert [a.entry for a in reveal_order(awards)] == [8, 5]
    assert [a.entry for a in reveal_order(list(reversed(awards)))] == [8, 5]


def round_document():
    standings = [
        {
            "entry_id": entry,
            "rank": rank,
            "score": score,
            "prize": prize,
            "prize_tier": tier,
            "initiative_title": f"Mô hình {entry}",
            "unit": "Đảng bộ",
            "presenters": ["Nguyễn Thị Ánh"],
        }
        for entry, rank, score, prize, tier in [
            (1, 1, "9.00", "Giải Nhất", "first"),
            (2, 2, "8.00", "Giải Nhì", "second"),
            (3, 3, "7.00", None, None),
        ]
    ]
    return {"round": "Chung khảo", "standings": standings, "reveal_order": [2, 1]}


def test_without_a_ceremony_the_whole_round_is_shown():
    public = visible_round(round_document(), None)
    assert public["status"] == "published" and len(public["standings"]) == 3
    assert "reveal_order" not in public and "reveal" not in public


def test_during_the_ceremony_only_the_revealed_prizes_are_shown_without_scores():
    public = visible_round(round_document(), (1, False))
    assert public["status"] == "ceremony" and public["standings"] == []
    assert public["reveal"]["step"] == 1 and public["reveal"]["total"] == 2
    (card,) = public["reveal"]["revealed"]
    assert card["entry_id"] == 2 and card["prize"] == "Giải Nhì"
    assert "score" not in card and "rank" not in card
    assert visible_round(round_document(), (0, False))["reveal"]["revealed"] == []


def test_after_the_ceremony_everything_is_shown_with_the_order_it_was_revealed_in():
    public = visible_round(round_document(), (2, True))
    assert public["status"] == "published" and len(public["standings"]) == 3
    assert [card["entry_id"] for card in public["reveal"]["revealed"]] == [2, 1]
