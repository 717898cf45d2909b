"""The session builder: a round's approved entries distributed into sessions (clusters, cụm).

Pure and deterministic: the same entries and options give the same sessions. Three wishes an
organiser combines:

- by count: sessions as equal in size as the entries allow (sizes differ by at most one);
- by field: entries of one field (lĩnh vực) kept together, each field getting a share of the
  sessions in proportion to its entries (a small field shares a session with another);
- units apart: a unit's entries spread over as many sessions as possible, so that one unit
  never fills a cluster and a judge from that unit is excluded from as few entries as may be.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class EntryInfo:
    key: Hashable
    unit: Hashable
    field: str = ""


class ClusterError(ValueError):
    pass


def build_sessions(
    entries: Sequence[EntryInfo],
    session_count: int,
    *,
    by_field: bool = False,
    units_apart: bool = True,
) -> list[list[Hashable]]:
    """The entry keys of each of ``session_count`` sessions."""
    if session_count < 1:
        raise ClusterError("at least one session is needed")
    if session_count > len(entries):
        raise ClusterError(
            f"{session_count} sessions for {len(entries)} entries would leave a session empty"
        )
    ordered = sorted(entries, key=lambda e: (str(e.field), str(e.unit), str(e.key)))
    if not by_field:
        capacities = _even_sizes(len(ordered), session_count)
        return _fill(ordered, capacities, units_apart)
    groups: dict[str, list[EntryInfo]] = defaultdict(list)
    for entry in ordered:
        groups[entry.field].append(entry)
    shares = _field_shares({field: len(items) for field, items in groups.items()}, session_count)
    sessions: list[list[Hashable]] = []
    leftovers: list[EntryInfo] = []
    for field in sorted(groups):
        if shares[field]:
            items = groups[field]
            sessions += _fill(items, _even_sizes(len(items), shares[field]), units_apart)
        else:
            leftovers += groups[field]
    # Fields too small for a session of their own join the smallest sessions, together.
    for entry in leftovers:
        target = min(range(len(sessions)), key=lambda i: (len(sessions[i]), i))
        sessions[target].append(entry.key)
    return sessions


def _even_sizes(count: int, sessions: int) -> list[int]:
    base, extra = divmod(count, sessions)
    return [base + 1 if i < extra else base for i in range(sessions)]


def _field_shares(sizes: dict[str, int], session_count: int) -> dict[str, int]:
    """Sessions per field in proportion to its entries (largest remainder), never more
    sessions than a field has entries; every session goes to some field."""
    total = sum(sizes.values())
    exact = {field: size * session_count / total for field, size in sizes.items()}
    shares = {field: min(int(value), sizes[field]) for field, value in exact.items()}
    by_remainder = sorted(sizes, key=lambda f: (-(exact[f] - int(exact[f])), -sizes[f], f))
    while sum(shares.values()) < session_count:
        for field in by_remainder:
            if shares[field] < sizes[field] and sum(shares.values()) < session_count:
                shares[field] += 1
    return shares


def _fill(items: Sequence[EntryInfo], capacities: list[int], units_apart: bool):
    """Place the entries into sessions of the given sizes. With ``units_apart``, the units
    with most entries go first, each entry into the open session holding fewest entries of its
    unit (then the emptiest): a unit with n entries and k sessions has at most ceil(n / k) in
    any one."""
    sessions: list[list[Hashable]] = [[] for _ in capacities]
    if not units_apart:
        position = 0
        for index, capacity in enumerate(capacities):
            sessions[index] = [item.key for item in items[position : position + capacity]]
            position += capacity
        return sessions
    by_unit: dict[Hashable, list[EntryInfo]] = defaultdict(list)
    for item in items:
        by_unit[item.unit].append(item)
    units = sorted(by_unit, key=lambda unit: (-len(by_unit[unit]), str(unit)))
    held: list[dict[Hashable, int]] = [defaultdict(int) for _ in capacities]
    for unit in units:
        for item in by_unit[unit]:
            open_sessions = [i for i, cap in enumerate(capacities) if len(sessions[i]) < cap]
            target = min(
                open_sessions,
                key=lambda i: (held[i][unit], len(sessions[i]) - capacities[i], i),
            )
            sessions[target].append(item.key)
            held[target][unit] += 1
    return sessions
