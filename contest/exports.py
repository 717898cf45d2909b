"""Spreadsheets out of the contest app: the contest's entries, in the entries import's own
columns, so an exported file imports into another contest (the next level, next year's)."""

from django.db.models import Prefetch, QuerySet
from django.utils import translation

from config.spreadsheets import workbook
from contest.imports import MAX_PRESENTERS, import_kind, vietnamese_label
from contest.models import Contest, Entry, EntryPresenter

# After the import's columns, for the reader; the import ignores them.
EXTRA_HEADER = ("Tên đơn vị", "Trạng thái")


def contest_entries(contest: Contest) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(contest=contest)
        .select_related("unit", "initiative")
        .prefetch_related(
            Prefetch(
                "presenter_links",
                queryset=EntryPresenter.objects.select_related("person").order_by("order"),
            )
        )
        .order_by("id")
    )


def entries_workbook(entries) -> bytes:
    """One row per entry: unit code, initiative, and up to three presenters' details."""
    kind = import_kind("entries")
    columns = kind.columns
    rows = []
    with translation.override("vi"):
        for entry in entries:
            initiative = entry.initiative
            values = {
                "unit": entry.unit.code,
                "initiative_title": initiative.title,
                "field": vietnamese_label(kind.column("field"), initiative.field),
                "kind": vietnamese_label(kind.column("kind"), initiative.kind),
                "initiative_year": initiative.year,
                "summary": initiative.summary,
            }
            for number, link in enumerate(entry.presenter_links.all()[:MAX_PRESENTERS], 1):
                person = link.person
                values[f"presenter_{number}_name"] = person.full_name
                values[f"presenter_{number}_email"] = person.email
                values[f"presenter_{number}_phone"] = person.phone
                values[f"presenter_{number}_position"] = person.position
            rows.append(
                [values.get(column.key, "") for column in columns]
                + [entry.unit.name, str(entry.get_status_display())]
            )
    return workbook(
        [(kind.sheet_title, [column.header for column in columns] + list(EXTRA_HEADER), rows)]
    )
