"""Spreadsheets out of the scoring app: the awards of a contest's published results.

Plain data in, bytes out: the view gathers the rows (scoring.spreadsheet_views) and sends the
file. Names and titles are written as typed; text that looks like a formula stays text
(config.spreadsheets).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from config.spreadsheets import workbook

AWARDS_HEADER = (
    "Vòng thi",
    "Giải",
    "Thứ hạng",
    "Điểm",
    "Đơn vị",
    "Mô hình",
    "Lĩnh vực",
    "Báo cáo viên",
)


@dataclass(frozen=True)
class AwardRow:
    round: str
    prize: str
    rank: Decimal | None
    score: Decimal | None
    unit: str
    title: str
    field: str
    presenters: Sequence[str]  # full names, in Vietnamese order, in the entry's order


def _number(value: Decimal | None) -> Decimal | int | None:
    """A whole rank as a whole number (1, not 1.00); a shared Skating place stays 3.5."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def awards_workbook(rows: Sequence[AwardRow]) -> bytes:
    """The awards (giải thưởng) as one sheet, a row per prize given to an entry."""
    return workbook(
        [
            (
                "Giải thưởng",
                AWARDS_HEADER,
                (
                    (
                        row.round,
                        row.prize,
                        _number(row.rank),
                        row.score,
                        row.unit,
                        row.title,
                        row.field,
                        "; ".join(row.presenters),
                    )
                    for row in rows
                ),
            )
        ]
    )
