"""Overtime penalties. Pure: the rubric's rules for a part and the minutes over time in, the
points to deduct out."""

from collections.abc import Iterable
from decimal import Decimal


def overtime_penalty(rules: Iterable[tuple[int, Decimal]], minutes_over: Decimal) -> Decimal:
    """Points for running `minutes_over` minutes over time: the rule with the largest threshold
    reached applies (e.g. −0.5 from 1 minute over, −1 from 2 minutes over); none below 1."""
    reached = [points for threshold, points in rules if minutes_over >= threshold]
    return max(reached, default=Decimal(0))


def overtime_minutes(elapsed_seconds: Decimal, allowed_minutes: Decimal | None) -> Decimal:
    """Minutes over the allowed time (0 when within it, or when the part has no limit)."""
    if allowed_minutes is None:
        return Decimal(0)
    return max(Decimal(0), elapsed_seconds / 60 - allowed_minutes)
