from decimal import Decimal as D

from scoring.penalties import overtime_penalty

RULES = [(1, D("0.5")), (2, D("1"))]


def test_the_largest_threshold_reached_applies():
    assert overtime_penalty(RULES, D("0.9")) == 0
    assert overtime_penalty(RULES, D("1")) == D("0.5")
    assert overtime_penalty(RULES, D("1.99")) == D("0.5")
    assert overtime_penalty(RULES, D("2")) == D("1")
    assert overtime_penalty(RULES, D("7")) == D("1")
    assert overtime_penalty([], D("7")) == 0
