"""Conventions of Vietnamese official documents shared by everything HoiThi prints. Pure."""

import datetime
import unicodedata


def formal_date_line(place: str, day: datetime.date) -> str:
    """The dated line of an official document.

    Days 1-9 and months 1-2 are written with a leading zero, as required by
    Nghị định 30/2020 and Hướng dẫn 36-HD/VPTW: "Hà Nội, ngày 05 tháng 02 năm
    2020", "ngày 15 tháng 3 năm 2021".
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    place = unicodedata.normalize("NFC", place or "").strip()
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
