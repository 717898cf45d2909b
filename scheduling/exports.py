"""The schedule as files people take away: an iCalendar feed of one person's slots, the
round's schedule as a spreadsheet, the running order of a room for the master of ceremonies.

Plain data in, bytes out: the views gather the rows (scheduling.selectors) and send the files.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from config.spreadsheets import workbook


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across feeds, so that a calendar app updates the event in place
    start: datetime.datetime
    end: datetime.datetime
    summary: str
    location: str
    description: str


def calendar(name: str, events: Sequence[CalendarEvent], stamp: datetime.datetime) -> bytes:
    """An iCalendar (RFC 5545) feed of the events, times in UTC."""
    from icalendar import Calendar, Event

    feed = Calendar()
    feed.add("prodid", "-//HoiThi//Lịch hội thi//VI")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", name)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp.astimezone(datetime.UTC))
        event.add("dtstart", item.start.astimezone(datetime.UTC))
        event.add("dtend", item.end.astimezone(datetime.UTC))
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        feed.add_component(event)
    return feed.to_ical()


SCHEDULE_HEADER = (
    "Vòng thi",
    "Phiên",
    "Phòng",
    "STT",
    "Bắt đầu",
    "Kết thúc",
    "Đơn vị",
    "Mô hình",
    "Báo cáo viên",
    "Ban giám khảo",
)


@dataclass(frozen=True)
class ScheduleRow:
    round: str
    session: str
    room: str
    position: int | None
    start: datetime.datetime | None  # local time
    end: datetime.datetime | None
    unit: str
    title: str
    presenters: str
    panel: str


def schedule_workbook(rows: Sequence[ScheduleRow]) -> bytes:
    """The schedule as one sheet, a row per presentation, times as dd/mm/yyyy hh:mm text."""

    def when(moment):
        return moment.strftime("%d/%m/%Y %H:%M") if moment else ""

    return workbook(
        [
            (
                "Lịch thi",
                SCHEDULE_HEADER,
                (
                    (
                        row.round,
                        row.session,
                        row.room,
                        row.position,
                        when(row.start),
                        when(row.end),
                        row.unit,
                        row.title,
                        row.presenters,
                        row.panel,
                    )
                    for row in rows
                ),
            )
        ]
    )
