from collections import Counter

import pytest

from scheduling.draw import draw_order, new_seed

ITEMS = [str(i) for i in range(1, 11)]


def test_same_seed_same_order_and_a_permutation():
    seed = new_seed()
    first = draw_order(ITEMS, seed)
    assert first == draw_order(ITEMS, seed)
    assert sorted(first, key=int) == ITEMS


def test_known_seed_gives_a_documented_order():
    # Pinned so that any reimplementation (or a library upgrade) is checked against it.
    assert draw_order(ITEMS, "00" * 32) == ["9", "8", "2", "1", "4", "3", "7", "10", "5", "6"]
    assert draw_order(["a", "b", "c"], "ab" * 16) == ["b", "c", "a"]
    assert draw_order(ITEMS, "11" * 32) != draw_order(ITEMS, "12" * 32)


def test_seeds_are_fresh_and_long():
    seeds = {new_seed() for _ in range(100)}
    assert len(seeds) == 100 and all(len(seed) == 64 for seed in seeds)


def test_every_position_is_reachable_roughly_uniformly():
    first_places = Counter(draw_order(["a", "b", "c", "d"], f"{i:064x}")[0] for i in range(4000))
    assert set(first_places) == {"a", "b", "c", "d"}
    assert all(800 < count < 1200 for count in first_places.values())


@pytest.mark.parametrize("seed", ["not hex", "abcd"])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(ValueError):
        draw_order(ITEMS, seed)
