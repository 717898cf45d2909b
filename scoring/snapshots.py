"""What changed between two ranking snapshots. Pure: plain data in, JSON-ready data out."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Line:
    rank: Decimal
    score: Decimal
    judges_counted: int


def diff_standings(
    previous: Mapping[str, Line] | None,
    current: Mapping[str, Line],
    *,
    previous_sheets: int = 0,
    current_sheets: int = 0,
) -> dict:
    """Rank and score changes per entry, entries added or gone, and sheets added since."""
    if previous is None:
        return {"first": True, "sheets_added": current_sheets}
    changes: dict = {
        "first": False,
        "sheets_added": current_sheets - previous_sheets,
        "rank_changes": [],
        "score_changes": [],
        "added": sorted(set(current) - set(previous)),
        "removed": sorted(set(previous) - set(current)),
    }
    for entry in sorted(set(current) & set(previous)):
        before, after = previous[entry], current[entry]
        if before.rank != after.rank:
            changes["rank_changes"].append(
                {"entry": entry, "from": str(before.rank), "to": str(after.rank)}
            )
        if before.score != after.score or before.judges_counted != after.judges_counted:
            changes["score_changes"].append(
                {
                    "entry": entry,
                    "from": str(before.score),
                    "to": str(after.score),
                    "judges_from": before.judges_counted,
                    "judges_to": after.judges_counted,
                }
            )
    return changes
