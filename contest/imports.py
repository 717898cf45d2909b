"""Spreadsheets in: units, initiatives, entries and judges from Excel workbooks (.xlsx).

Reading is defensive. The file is at most 5 MB, is established to be an .xlsx package by its
bytes (never by its name), may not unpack to more than a spreadsheet would, and is opened by
openpyxl in read-only mode. Nothing in it is ever evaluated: a formula cell is refused with a
clear problem (its cached result is not trusted either), and so is text starting with "=".

Each kind of import is a column spec (the one place that names the template's Vietnamese
headers, the English ones also accepted, what each cell may hold) plus a row checker and a row
writer. Importing is all or nothing: every row runs inside its own savepoint of one
transaction, so a row the services refuse is reported on its row while the following rows are
still tried; if any row has a problem the whole transaction is rolled back. A preview is the
same run, always rolled back, so it reports exactly what the import would.
"""

from __future__ import annotations

import copy
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import DomainError, NotAllowed
from contest import uploads
from contest.models import (
    Contest,
    Field,
    Initiative,
    Membership,
    Person,
    Role,
    Unit,
    nfc,
)
from contest.selectors import require_role
from contest.services import (
    ORGANISER_SIGNUP_STATUSES,
    PresenterInput,
    enter_initiative,
    find_or_create_person,
)

User = get_user_model()

MAX_FILE_SIZE = 5 * uploads.MEGABYTE
# A 5 MB workbook of plain rows unpacks to a few tens of MB; more is a ZIP bomb.
MAX_UNPACKED = 100 * uploads.MEGABYTE
MAX_ROWS = 5000
MAX_COLUMNS = 60
# The header may sit below a title of a few rows.
HEADER_SEARCH_ROWS = 10
# So many blank rows one after another end the sheet (a sheet "formatted" to row 1,048,576).
BLANK_RUN_ENDS_SHEET = 1000
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other old Office files)

# What a cell may hold.
TEXT = "text"
YEAR = "year"
CHOICE = "choice"
EMAIL = "email"
CODE = "code"
USERNAME = "username"

CODE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]+$")


class SpreadsheetRefused(ValueError):
    """The file as a whole cannot be read; the message says why, for the organiser."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the sheet: on a row and column, a whole row, or the whole file."""

    row: int | None  # the sheet's row number; None for the file as a whole
    column: str  # the column's header as written in the sheet; "" for a whole row or file
    message: str
    letter: str = ""  # the column's letter (A, B, …)


@dataclass(frozen=True)
class Outcome:
    """What a row did, or would do: create, update or leave unchanged."""

    row: int
    action: str
    description: str


CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass
class ImportReport:
    """A preview or an import: the problems by row and column, else what each row does."""

    kind: str
    problems: list[Problem] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(outcome.action for outcome in self.outcomes)
        return {action: counted.get(action, 0) for action in (CREATE, UPDATE, UNCHANGED)}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Vietnamese, as written in the template
    english: str  # also accepted
    type: str = TEXT
    required: bool = False
    max_length: int | None = None
    choices: tuple = ()  # (code, label) pairs for CHOICE columns
    help: str = ""
    multiline: bool = False


def fold(text: object) -> str:
    """Text compared the way people type it: no case, no tone marks or diacritics (so "hoá"
    and "hóa" agree), punctuation and underscores as spaces."""
    text = unicodedata.normalize("NFKD", str(text)).replace("đ", "d").replace("Đ", "D")
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


_CHOICE_MAPS: dict[int, dict[str, str]] = {}  # by id of the (module-level) column


def _choice_map(column: Column) -> dict[str, str]:
    """Codes, English and Vietnamese labels of a column's choices, folded, to the code."""
    if id(column) not in _CHOICE_MAPS:
        accepted = {}
        for language in ("en", "vi"):
            with translation.override(language):
                for code, label in column.choices:
                    accepted.setdefault(fold(label), code)
        for code, _label in column.choices:
            accepted[fold(code)] = code
        _CHOICE_MAPS[id(column)] = accepted
    return _CHOICE_MAPS[id(column)]


def vietnamese_label(column: Column, code: str) -> str:
    with translation.override("vi"):
        return str(dict(column.choices).get(code, code))


def accepted_values(column: Column) -> str:
    """The instruction for a cell of this column, in the active language."""
    if column.type == CHOICE:
        values = ", ".join(
            f"{vietnamese_label(column, code)} ({code})" for code, _label in column.choices
        )
        text = _("One of: %(values)s.") % {"values": values}
        return f"{text} {column.help}".strip() if column.help else text
    if column.type == YEAR:
        text = _("A year, such as 2019.")
        return f"{text} {column.help}".strip() if column.help else text
    if column.type == EMAIL:
        text = _("An email address.")
        return f"{text} {column.help}".strip() if column.help else text
    if column.type == CODE and not column.help:
        return _("The code of a unit.")
    return str(column.help)


# The kinds of import, each with its column spec, checks and writes.


class RowRefused(Exception):
    """A row's writer refuses the row: (column key, message) pairs."""

    def __init__(self, *problems: tuple[str, str]):
        super().__init__(problems)
        self.problems = problems


@dataclass
class Row:
    number: int
    values: dict  # column key -> parsed value, for the cells that parsed
    problems: list[Problem]
    headers: dict  # column key -> (header as written, letter)

    def problem(self, key: str, message: str) -> None:
        header, letter = self.headers.get(key, ("", ""))
        self.problems.append(Problem(self.number, header, str(message), letter))

    def get(self, key: str, default=None):
        return self.values.get(key, default)


class ImportKind:
    key: str
    label: str
    sheet_title: str
    columns: tuple[Column, ...]
    per_contest = True

    def authorise(self, actor, contest: Contest | None) -> None:
        require_role(actor, contest, Role.ORGANISER)

    def refusal(self, contest: Contest | None) -> str | None:
        """Why nothing of this kind can be imported into the contest now, or None."""
        return None

    def example(self, contest: Contest | None, actor) -> dict:
        raise NotImplementedError

    def start(self, contest: Contest | None, actor, rows: list[Row]) -> dict:
        return {"contest": contest, "actor": actor}

    def check(self, row: Row, context: dict) -> None:
        """Problems of the row that need no writing (the other rows, existing data)."""

    def apply(self, row: Row, context: dict) -> Outcome:
        raise NotImplementedError

    def finish(self, context: dict) -> None:
        """Writes that wait for every row (adding their problems to their rows)."""

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


def _units_by_code(codes: Iterable[str]) -> dict[str, Unit]:
    codes = {code for code in codes if code}
    return {unit.code: unit for unit in Unit.objects.filter(code__in=codes)}


def _unit_tree() -> dict[int, int | None]:
    return dict(Unit.objects.values_list("id", "parent_id"))


def _below(unit_id: int | None, roots: set[int], parents: dict, *, inclusive: bool) -> bool:
    """Whether the unit is one of the roots' descendants (or a root, when inclusive)."""
    current = unit_id if inclusive else parents.get(unit_id)
    seen = set()
    while current is not None and current not in seen:
        if current in roots:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def _validation_problems(error: ValidationError, fields: dict[str, str]) -> list:
    """A model's validation messages as (column key, message) pairs."""
    pairs = []
    for name, messages in error.message_dict.items():
        for message in messages:
            pairs.append((fields.get(name, ""), message))
    return pairs


class UnitsImport(ImportKind):
    """Units are shared by every contest, so the import is not a contest's. A row whose code
    exists updates that unit to the row's values (a blank optional cell clears it); a row
    equal to the unit changes nothing. Administrators may import any unit; an organiser of some
    contest may add and change units only below the units organising their contests."""

    key = "units"
    label = gettext_lazy("Units")
    sheet_title = "Đơn vị"
    per_contest = False
    columns = (
        Column(
            "code",
            "Mã đơn vị",
            "Unit code",
            CODE,
            required=True,
            max_length=64,
            help=gettext_lazy(
                "Letters a–z, digits, hyphens; one per unit. A code that exists already "
                "updates that unit."
            ),
        ),
        Column("name", "Tên đơn vị", "Name", required=True, max_length=255),
        Column("short_name", "Tên viết tắt", "Short name", max_length=120),
        Column(
            "kind",
            "Loại đơn vị",
            "Kind",
            CHOICE,
            choices=tuple(Unit.Kind.choices),
            help=gettext_lazy("Blank: other body."),
        ),
        Column("level", "Cấp", "Level", CHOICE, required=True, choices=tuple(Unit.Level.choices)),
        Column(
            "parent",
            "Mã đơn vị cấp trên",
            "Parent unit code",
            CODE,
            max_length=64,
            help=gettext_lazy(
                "Required below the city level: a unit that exists already or comes on an "
                "earlier row."
            ),
        ),
        Column(
            "valid_from_year",
            "Từ năm",
            "Valid from year",
            YEAR,
            help=gettext_lazy("Blank: 1930."),
        ),
        Column(
            "valid_to_year",
            "Đến năm",
            "Valid to year",
            YEAR,
            help=gettext_lazy("Blank: still in existence."),
        ),
        Column(
            "successor",
            "Mã đơn vị kế thừa",
            "Renamed or merged into",
            CODE,
            max_length=64,
            help=gettext_lazy(
                "The code of the unit it became when renamed or merged (give the last year "
                "too); it may come on any row."
            ),
        ),
    )
    MODEL_FIELDS = {
        "code": "code",
        "name": "name",
        "short_name": "short_name",
        "kind": "kind",
        "level": "level",
        "parent": "parent",
        "valid_from_year": "valid_from_year",
        "valid_to_year": "valid_to_year",
        "successor": "successor",
    }

    def authorise(self, actor, contest=None) -> None:
        if not actor.is_authenticated:
            raise NotAllowed(_("Only organisers can import units."))
        if actor.is_superuser:
            return
        if not Membership.objects.filter(user=actor, role=Role.ORGANISER).exists():
            raise NotAllowed(_("Only organisers can import units."))

    def _roots(self, actor) -> set[int] | None:
        """The units whose descendants the actor may manage; None: every unit."""
        if actor.is_superuser:
            return None
        return set(
            Contest.objects.filter(
                memberships__user=actor, memberships__role=Role.ORGANISER
            ).values_list("organising_unit_id", flat=True)
        )

    def example(self, contest, actor) -> dict:
        roots = self._roots(actor)
        parents = Unit.objects.filter(pk__in=roots) if roots is not None else Unit.objects.all()
        parent = parents.order_by("level", "code").first()
        return {
            "code": "vi-du-chi-bo",
            "name": "Chi bộ Văn phòng (ví dụ)",
            "short_name": "Chi bộ Văn phòng",
            "kind": vietnamese_label(self.column("kind"), Unit.Kind.PARTY_CELL),
            "level": vietnamese_label(self.column("level"), Unit.Level.GRASSROOTS),
            "parent": parent.code if parent else "",
            "valid_from_year": 2020,
            "valid_to_year": None,
            "successor": "",
        }

    def start(self, contest, actor, rows) -> dict:
        units = {unit.code: unit for unit in Unit.objects.select_related("successor")}
        return {
            "actor": actor,
            "units": units,  # code -> unit, kept up to date as rows are written
            "existing": set(units),
            "parents": {unit.pk: unit.parent_id for unit in units.values()},
            "roots": self._roots(actor),
            "sheet_codes": {row.get("code") for row in rows if row.get("code")},
            "seen": {},  # code -> the row it was first given on
            "successors": [],  # (row, unit, successor code) set once every row is written
        }

    def check(self, row, context) -> None:
        code, level, parent = row.get("code"), row.get("level"), row.get("parent")
        known = context["existing"]
        if code and code in context["seen"]:
            row.problem(
                "code",
                _("The code “%(code)s” is already given on row %(row)d.")
                % {"code": code, "row": context["seen"][code]},
            )
        if level and level != Unit.Level.CITY and not parent and "parent" in row.values:
            row.problem("parent", _("A unit below the city level needs its parent unit's code."))
        if parent:
            if parent == code:
                row.problem("parent", _("A unit cannot be its own parent."))
            elif parent not in context["seen"] and parent not in known:
                row.problem(
                    "parent",
                    _(
                        "No unit has the code “%(code)s”; a parent unit must exist already or "
                        "come on an earlier row."
                    )
                    % {"code": parent},
                )
        start, end = row.get("valid_from_year"), row.get("valid_to_year")
        if start and end and end < start:
            row.problem("valid_to_year", _("This is before the year the unit starts."))
        successor = row.get("successor")
        if successor:
            if successor == code:
                row.problem("successor", _("A unit cannot be renamed or merged into itself."))
            elif successor not in context["sheet_codes"] and successor not in known:
                row.problem(
                    "successor", _("No unit has the code “%(code)s”.") % {"code": successor}
                )
            if not end and "valid_to_year" in row.values:
                row.problem(
                    "valid_to_year",
                    _("Give the last year of a unit that was renamed or merged."),
                )
        if code and code not in context["seen"]:
            context["seen"][code] = row.number

    def apply(self, row, context) -> Outcome:
        units, roots, parents = context["units"], context["roots"], context["parents"]
        code = row.get("code")
        parent = units.get(row.get("parent")) if row.get("parent") else None
        if row.get("parent") and parent is None:
            raise RowRefused(
                (
                    "parent",
                    _("The parent unit “%(code)s” is not imported: its row has problems.")
                    % {"code": row.get("parent")},
                )
            )
        # A copy: a refused row must not leave its values on the unit the other rows see.
        unit = copy.copy(units[code]) if code in units else None
        if roots is not None:
            if unit is not None and not _below(unit.pk, roots, parents, inclusive=False):
                raise RowRefused(
                    (
                        "code",
                        _("You may change only units below the units organising your contests."),
                    )
                )
            if parent is None:
                raise RowRefused(
                    ("parent", _("Only an administrator can add a unit without a parent."))
                )
            if not _below(parent.pk, roots, parents, inclusive=True):
                raise RowRefused(
                    (
                        "parent",
                        _("You may add units only below the units organising your contests."),
                    )
                )
        if unit is not None and parent is not None:
            if _below(parent.pk, {unit.pk}, parents, inclusive=True):
                raise RowRefused(("parent", _("This parent unit is below the unit itself.")))
        successor_code = row.get("successor") or ""
        successor = units.get(successor_code) if successor_code else None
        wanted = {
            "name": row.get("name"),
            "short_name": row.get("short_name") or "",
            "kind": row.get("kind") or Unit.Kind.OTHER,
            "level": row.get("level"),
            "parent_id": parent.pk if parent else None,
            "valid_from_year": row.get("valid_from_year") or 1930,
            "valid_to_year": row.get("valid_to_year"),
        }
        if unit is None:
            action = CREATE
            unit = Unit(code=code, **wanted)
        else:
            current_successor = unit.successor.code if unit.successor_id else ""
            changed = any(getattr(unit, name) != value for name, value in wanted.items())
            action = UPDATE if changed or current_successor != successor_code else UNCHANGED
            for name, value in wanted.items():
                setattr(unit, name, value)
        # A successor on a later row is linked once every row is written.
        unit.successor = successor
        if action != UNCHANGED:
            try:
                unit.full_clean()
            except ValidationError as error:
                raise RowRefused(*_validation_problems(error, self.MODEL_FIELDS)) from error
            unit.save()
        units[code] = unit
        parents[unit.pk] = unit.parent_id
        if successor_code and successor is None:
            context["successors"].append((row, unit, successor_code))
        return Outcome(row.number, action, f"{code} · {unit.name}")

    def finish(self, context) -> None:
        for row, unit, successor_code in context["successors"]:
            successor = context["units"].get(successor_code)
            if successor is None:
                row.problem(
                    "successor",
                    _("The unit “%(code)s” is not imported: its row has problems.")
                    % {"code": successor_code},
                )
                continue
            unit.successor = successor
            try:
                with transaction.atomic():
                    unit.save(update_fields=["successor"])
            except IntegrityError:
                row.problem("successor", _("This row conflicts with data saved already."))


class InitiativesImport(ImportKind):
    """Initiatives of the units below the contest's organising unit. A row naming an initiative
    the unit already has (same year, same title) leaves it unchanged, or updates its field,
    kind and summary if it has not been entered in any contest yet."""

    key = "initiatives"
    label = gettext_lazy("Initiatives")
    sheet_title = "Mô hình"
    columns = (
        Column("unit", "Mã đơn vị", "Unit code", CODE, required=True, max_length=64),
        Column(
            "year",
            "Năm",
            "Year",
            YEAR,
            required=True,
            help=gettext_lazy("The year the initiative started."),
        ),
        Column("title", "Tên mô hình", "Title", required=True, max_length=500),
        Column("field", "Lĩnh vực", "Field", CHOICE, required=True, choices=tuple(Field.choices)),
        Column(
            "kind",
            "Loại hình",
            "Kind",
            CHOICE,
            required=True,
            choices=tuple(Initiative.Kind.choices),
        ),
        Column("summary", "Tóm tắt", "Summary", multiline=True, max_length=10000),
    )

    def example(self, contest, actor) -> dict:
        unit = _example_unit(contest)
        return {
            "unit": unit.code if unit else "",
            "year": contest.year,
            "title": "Mô hình “Dân vận khéo” ở khu dân cư (ví dụ)",
            "field": vietnamese_label(self.column("field"), _example_field(contest)),
            "kind": vietnamese_label(self.column("kind"), Initiative.Kind.COLLECTIVE),
            "summary": "Tóm tắt mô hình.",
        }

    def start(self, contest, actor, rows) -> dict:
        return {
            "contest": contest,
            "units": _units_by_code(row.get("unit") for row in rows),
            "parents": _unit_tree(),
            "seen": {},
        }

    def check(self, row, context) -> None:
        contest = context["contest"]
        code, year, title = row.get("unit"), row.get("year"), row.get("title")
        unit = context["units"].get(code) if code else None
        if code and unit is None:
            row.problem("unit", _("No unit has the code “%(code)s”.") % {"code": code})
        if unit is not None and not _below(
            unit.pk, {contest.organising_unit_id}, context["parents"], inclusive=True
        ):
            row.problem(
                "unit",
                _("%(unit)s is not below %(organiser)s, which organises this contest.")
                % {"unit": unit.name, "organiser": contest.organising_unit.name},
            )
        if year is not None:
            this_year = timezone.localdate().year
            if not 1990 <= year <= this_year:
                row.problem(
                    "year",
                    _("Give a year from 1990 to %(year)s.") % {"year": this_year},
                )
            elif unit is not None and not unit.valid_in(year):
                row.problem(
                    "unit",
                    _("%(unit)s is not a unit in %(year)s; use the unit's code of that year.")
                    % {"unit": unit.name, "year": year},
                )
        if code and year and title:
            key = (code, year, fold(title))
            if key in context["seen"]:
                row.problem(
                    "title",
                    _("The same initiative is on row %(row)d.") % {"row": context["seen"][key]},
                )
            else:
                context["seen"][key] = row.number

    def apply(self, row, context) -> Outcome:
        unit = context["units"][row.get("unit")]
        title = row.get("title")
        wanted = {
            "field": row.get("field"),
            "kind": row.get("kind"),
            "summary": row.get("summary") or "",
        }
        initiative = Initiative.objects.filter(
            unit=unit, year=row.get("year"), title__iexact=title
        ).first()
        description = f"{unit.name} · {title}"
        if initiative is None:
            initiative = Initiative(unit=unit, year=row.get("year"), title=title, **wanted)
            action = CREATE
        elif all(getattr(initiative, name) == value for name, value in wanted.items()):
            return Outcome(row.number, UNCHANGED, description)
        elif initiative.entries.exists():
            raise RowRefused(
                (
                    "title",
                    _(
                        "This initiative is entered in a contest already; its field, kind and "
                        "summary are not changed by an import."
                    ),
                )
            )
        else:
            for name, value in wanted.items():
                setattr(initiative, name, value)
            action = UPDATE
        try:
            initiative.full_clean()
        except ValidationError as error:
            fields = {"title": "title", "field": "field", "kind": "kind", "year": "year"}
            fields.update(summary="summary", unit="unit")
            raise RowRefused(*_validation_problems(error, fields)) from error
        initiative.save()
        return Outcome(row.number, action, description)


PRESENTER_DETAILS = (
    ("name", "Họ và tên", "full name"),
    ("email", "Email", "email"),
    ("phone", "Điện thoại", "phone"),
    ("position", "Chức vụ", "position"),
)
MAX_PRESENTERS = 3


def _presenter_columns() -> tuple[Column, ...]:
    columns = []
    for number in range(1, MAX_PRESENTERS + 1):
        for detail, vietnamese, english in PRESENTER_DETAILS:
            columns.append(
                Column(
                    f"presenter_{number}_{detail}",
                    f"Báo cáo viên {number} - {vietnamese}",
                    f"Presenter {number} {english}",
                    EMAIL if detail == "email" else TEXT,
                    required=number == 1 and detail == "name",
                    max_length={"name": 150, "email": 150, "phone": 30, "position": 255}[detail],
                    help=(
                        gettext_lazy("Presenters 2 and 3 are for collective initiatives.")
                        if number > 1 and detail == "name"
                        else ""
                    ),
                )
            )
    return tuple(columns)


class EntriesImport(ImportKind):
    """Registrations of the contest, entered exactly as a signup is (contest.services.
    enter_initiative): the contest's eligibility rules apply to every row."""

    key = "entries"
    label = gettext_lazy("Entries")
    sheet_title = "Bài dự thi"
    columns = (
        Column("unit", "Mã đơn vị", "Unit code", CODE, required=True, max_length=64),
        Column(
            "initiative_title", "Tên mô hình", "Initiative title", required=True, max_length=500
        ),
        Column("field", "Lĩnh vực", "Field", CHOICE, required=True, choices=tuple(Field.choices)),
        Column(
            "kind",
            "Loại hình",
            "Kind",
            CHOICE,
            required=True,
            choices=tuple(Initiative.Kind.choices),
        ),
        Column(
            "initiative_year",
            "Năm bắt đầu",
            "Initiative year",
            YEAR,
            help=gettext_lazy("The year the initiative started. Blank: the contest's year."),
        ),
        Column("summary", "Tóm tắt", "Summary", multiline=True, max_length=10000),
        *_presenter_columns(),
    )
    # The service's input fields, as the column to report their problems on.
    SERVICE_FIELDS = {
        "unit": "unit",
        "initiative_title": "initiative_title",
        "field": "field",
        "kind": "kind",
        "initiative_year": "initiative_year",
        "summary": "summary",
        "presenters": "presenter_1_name",
        "full_name": "presenter_1_name",
        "email": "presenter_1_email",
        "phone": "presenter_1_phone",
        "position": "presenter_1_position",
    }

    def refusal(self, contest) -> str | None:
        if contest.status not in ORGANISER_SIGNUP_STATUSES:
            return _("Entries can no longer be added to this contest.")
        return None

    def example(self, contest, actor) -> dict:
        unit = _example_unit(contest)
        low, high = contest.initiative_year_from, contest.initiative_year_to
        year = min(contest.year, high) if high else contest.year
        if low and year < low:
            year = low
        return {
            "unit": unit.code if unit else "",
            "initiative_title": "Mô hình “Dân vận khéo” (ví dụ)",
            "field": vietnamese_label(self.column("field"), _example_field(contest)),
            "kind": vietnamese_label(self.column("kind"), Initiative.Kind.INDIVIDUAL),
            "initiative_year": year,
            "summary": "Tóm tắt mô hình.",
            "presenter_1_name": "Nguyễn Thị Hoa",
            "presenter_1_email": "nguyen.thi.hoa@example.org",
            "presenter_1_phone": "0912 345 678",
            "presenter_1_position": "Chuyên viên",
        }

    def start(self, contest, actor, rows) -> dict:
        return {
            "contest": contest,
            "actor": actor,
            "units": _units_by_code(row.get("unit") for row in rows),
        }

    def check(self, row, context) -> None:
        code = row.get("unit")
        if code and code not in context["units"]:
            row.problem("unit", _("No unit has the code “%(code)s”.") % {"code": code})
        for number in range(2, MAX_PRESENTERS + 1):
            details = [row.get(f"presenter_{number}_{d}") for d, _v, _e in PRESENTER_DETAILS]
            if any(details[1:]) and not details[0] and f"presenter_{number}_name" in row.values:
                row.problem(
                    f"presenter_{number}_name",
                    _("Give this presenter's full name, or leave their cells empty."),
                )

    def _presenters(self, row) -> list[PresenterInput]:
        presenters = []
        for number in range(1, MAX_PRESENTERS + 1):
            name = row.get(f"presenter_{number}_name")
            if name:
                presenters.append(
                    PresenterInput(
                        full_name=name,
                        email=row.get(f"presenter_{number}_email") or "",
                        phone=row.get(f"presenter_{number}_phone") or "",
                        position=row.get(f"presenter_{number}_position") or "",
                    )
                )
        return presenters

    def apply(self, row, context) -> Outcome:
        unit = context["units"][row.get("unit")]
        title = row.get("initiative_title")
        try:
            entry = enter_initiative(
                contest=context["contest"],
                unit=unit,
                actor=context["actor"],
                initiative_title=title,
                field=row.get("field"),
                kind=row.get("kind"),
                presenters=self._presenters(row),
                summary=row.get("summary") or "",
                initiative_year=row.get("initiative_year"),
                notify=False,
            )
        except DomainError as error:
            raise RowRefused(*_service_problems(error, self.SERVICE_FIELDS)) from error
        except IntegrityError as error:
            # The unit has an initiative of this title and year already, from another contest.
            raise RowRefused(
                (
                    "initiative_title",
                    _("%(unit)s already has an initiative with this title in %(year)s.")
                    % {
                        "unit": unit.name,
                        "year": row.get("initiative_year") or context["contest"].year,
                    },
                )
            ) from error
        return Outcome(row.number, CREATE, f"{unit.name} · {entry.initiative.title}")


def _service_problems(error: DomainError, fields: dict[str, str]) -> list[tuple[str, str]]:
    """A service's refusal as (column key, message) pairs; every message it gave, each on the
    column of its input field (nested presenter messages on the presenter columns)."""
    if not error.errors:
        return [(fields.get(error.field or "", ""), error.message)]
    pairs = []
    for name, messages in error.errors.items():
        for message in messages if isinstance(messages, list | tuple) else [messages]:
            if isinstance(message, dict):
                for inner, inner_messages in message.items():
                    for text in inner_messages:
                        pairs.append((fields.get(inner, fields.get(name, "")), str(text)))
            else:
                pairs.append((fields.get(name, ""), str(message)))
    return pairs


JUDGE_ROLES = ((Role.JUDGE.value, Role.JUDGE.label), (Role.HEAD_JUDGE.value, Role.HEAD_JUDGE.label))


class JudgesImport(ImportKind):
    """The contest's judges: an account each (no password: they log in by their login link or
    set one by password reset), their person and their role with their own unit (a conflict of
    interest with that unit's entries). An account that exists already is given the role if its
    person has the row's name; a judge already holding the role is left unchanged (their own
    unit updated if the row gives another)."""

    key = "judges"
    label = gettext_lazy("Judges")
    sheet_title = "Giám khảo"
    columns = (
        Column("full_name", "Họ và tên", "Full name", required=True, max_length=150),
        Column("email", "Email", "Email", EMAIL, max_length=150),
        Column("phone", "Điện thoại", "Phone", max_length=30),
        Column("position", "Chức vụ", "Position", max_length=255),
        Column(
            "unit",
            "Mã đơn vị công tác",
            "Own unit code",
            CODE,
            max_length=64,
            help=gettext_lazy("The judge's own unit: they do not judge its entries."),
        ),
        Column(
            "role",
            "Vai trò",
            "Role",
            CHOICE,
            choices=JUDGE_ROLES,
            help=gettext_lazy("Blank: judge."),
        ),
        Column(
            "username",
            "Tên đăng nhập",
            "Username",
            USERNAME,
            max_length=150,
            help=gettext_lazy("Blank: the email address."),
        ),
    )

    def example(self, contest, actor) -> dict:
        unit = _example_unit(contest)
        return {
            "full_name": "Trần Văn Bình",
            "email": "tran.van.binh@example.org",
            "phone": "0987 654 321",
            "position": "Trưởng ban Dân vận",
            "unit": unit.code if unit else "",
            "role": vietnamese_label(self.column("role"), Role.JUDGE),
            "username": "",
        }

    def start(self, contest, actor, rows) -> dict:
        return {
            "contest": contest,
            "units": _units_by_code(row.get("unit") for row in rows),
            "seen": {},
        }

    def check(self, row, context) -> None:
        code = row.get("unit")
        if code and code not in context["units"]:
            row.problem("unit", _("No unit has the code “%(code)s”.") % {"code": code})
        username = row.get("username") or row.get("email")
        if not username:
            if "username" in row.values and "email" in row.values:
                row.problem("email", _("Give an email address or a username."))
            return
        if username.lower() in context["seen"]:
            row.problem(
                "username" if row.get("username") else "email",
                _("The same login is on row %(row)d.") % {"row": context["seen"][username.lower()]},
            )
        else:
            context["seen"][username.lower()] = row.number

    def apply(self, row, context) -> Outcome:
        contest = context["contest"]
        role = row.get("role") or Role.JUDGE
        unit = context["units"].get(row.get("unit")) if row.get("unit") else None
        login_key = "username" if row.get("username") else "email"
        username = row.get(login_key)
        details = PresenterInput(
            full_name=row.get("full_name"),
            email=row.get("email") or "",
            phone=row.get("phone") or "",
            position=row.get("position") or "",
        )
        user = User.objects.filter(username__iexact=username).first()
        person = Person.objects.filter(user=user).first() if user is not None else None
        if person is None:
            person = _judge_person(details, unit)
            if person.user_id is not None and person.user_id != getattr(user, "pk", None):
                raise RowRefused(
                    (
                        login_key,
                        _("%(name)s already logs in as “%(username)s”; use that username.")
                        % {"name": person.full_name, "username": person.user.get_username()},
                    )
                )
        if fold(person.full_name) != fold(details.full_name):
            raise RowRefused(
                (
                    "full_name",
                    _("The login “%(username)s” (or this email) belongs to %(name)s.")
                    % {"username": username, "name": person.full_name},
                )
            )
        if user is None:
            # No password: the judge logs in by their login link, or sets one by password reset.
            user = User.objects.create_user(username=username, email=details.email)
        if person.user_id is None:
            person.user = user
            person.save(update_fields=["user"])
        other_role = (
            Membership.objects.filter(
                contest=contest, user=user, role__in=[Role.JUDGE, Role.HEAD_JUDGE]
            )
            .exclude(role=role)
            .first()
        )
        if other_role is not None:
            raise RowRefused(
                (
                    "role",
                    _("%(name)s is already %(role)s in this contest.")
                    % {"name": person.full_name, "role": other_role.get_role_display()},
                )
            )
        membership = Membership.objects.filter(contest=contest, user=user, role=role).first()
        if membership is None:
            Membership.objects.create(
                contest=contest, user=user, role=role, unit=unit, person=person
            )
            action = CREATE
        elif membership.unit_id != (unit.pk if unit else None) or membership.person_id is None:
            membership.unit = unit
            membership.person = person
            membership.save(update_fields=["unit", "person"])
            action = UPDATE
        else:
            action = UNCHANGED
        label = dict(JUDGE_ROLES)[role]
        return Outcome(row.number, action, f"{person.full_name} · {label} · {user.get_username()}")


def _judge_person(details: PresenterInput, unit: Unit | None) -> Person:
    """The judge's person: the one with this email in this unit, else a new one."""
    try:
        return find_or_create_person(details, unit=unit)
    except DomainError as error:
        raise RowRefused(
            ("email" if error.field == "email" else "full_name", error.message)
        ) from error


def _example_unit(contest: Contest) -> Unit | None:
    """A unit below the contest's organiser that exists in the contest's year."""
    parents = _unit_tree()
    candidates = [
        unit
        for unit in Unit.objects.exclude(pk=contest.organising_unit_id).order_by("level", "code")
        if unit.valid_in(contest.year)
        and _below(unit.pk, {contest.organising_unit_id}, parents, inclusive=False)
    ]
    grassroots = [unit for unit in candidates if unit.level == Unit.Level.GRASSROOTS]
    return (grassroots or candidates or [contest.organising_unit])[0]


def _example_field(contest: Contest) -> str:
    return contest.allowed_fields[0] if contest.allowed_fields else Field.ECONOMY


KINDS: dict[str, ImportKind] = {
    kind.key: kind for kind in (UnitsImport(), InitiativesImport(), EntriesImport(), JudgesImport())
}
CONTEST_KINDS = tuple(key for key, kind in KINDS.items() if kind.per_contest)


def import_kind(key: str) -> ImportKind:
    return KINDS[key]


# Reading the workbook.


def read_upload(file) -> bytes:
    """The uploaded file's bytes, refused when empty or larger than the limit."""
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > MAX_FILE_SIZE:
            raise SpreadsheetRefused(_too_large())
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_SIZE + 1)
    if not data:
        raise SpreadsheetRefused(_("The file is empty."))
    if len(data) > MAX_FILE_SIZE:
        raise SpreadsheetRefused(_too_large())
    return data


def _too_large() -> str:
    return _("The file is larger than %(limit)d MB.") % {"limit": MAX_FILE_SIZE // uploads.MEGABYTE}


def check_xlsx(data: bytes) -> None:
    """Refuse anything but an Excel workbook (.xlsx), judged by its bytes."""
    head = data[:8]
    if head.startswith(uploads.PROGRAM_SIGNATURES):
        raise SpreadsheetRefused(_("This file is a program, not a spreadsheet."))
    if head.startswith(OLE_SIGNATURE):
        raise SpreadsheetRefused(
            _(
                "This is an old Excel file (.xls). Open it in Excel and save it as an Excel "
                "Workbook (.xlsx)."
            )
        )
    not_xlsx = _("This is not an Excel workbook (.xlsx). Download the template and fill it in.")
    if not head.startswith(b"PK\x03\x04"):
        raise SpreadsheetRefused(not_xlsx)
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SpreadsheetRefused(_("The file is damaged; it cannot be opened.")) from error
    if len(parts) > uploads.MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED:
        raise SpreadsheetRefused(_("This file unpacks to far more than a spreadsheet would."))
    names = {part.filename for part in parts}
    if any(name.endswith("vbaProject.bin") for name in names):
        raise SpreadsheetRefused(
            _("Files with macros are not accepted; save it as an Excel Workbook (.xlsx).")
        )
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SpreadsheetRefused(not_xlsx)


def cell_text(value: object) -> str:
    """A cell's value as text: whole numbers without ".0" (Excel stores 2019 as 2019.0), dates
    as dd/mm/yyyy, text in NFC and stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def parse_cell(column: Column, value: object, data_type: str = "s"):
    """(parsed value, problem message or None) of one cell. A formula is never evaluated."""
    if data_type == "f":
        return None, _(
            "This cell holds a formula; formulas are not read. Type the value, or paste it as "
            "values only."
        )
    text = cell_text(value)
    if text.startswith("="):
        return None, _("A value may not start with “=”.")
    if not column.multiline:
        text = " ".join(text.split())
    if not text:
        if column.required:
            return None, _("This cell is required.")
        return (None if column.type == YEAR else ""), None
    if column.max_length and len(text) > column.max_length:
        return None, _("At most %(limit)d characters.") % {"limit": column.max_length}
    if column.type == YEAR:
        if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2100:
            return None, _("Give a year such as 2019.")
        return int(text), None
    if column.type == CHOICE:
        code = _choice_map(column).get(fold(text))
        if code is None:
            labels = ", ".join(str(label) for _code, label in column.choices)
            return None, _("“%(value)s” is not one of: %(values)s.") % {
                "value": text,
                "values": labels,
            }
        return code, None
    if column.type == EMAIL:
        text = text.lower()
        try:
            validate_email(text)
        except ValidationError:
            return None, _("“%(value)s” is not an email address.") % {"value": text}
        return text, None
    if column.type == CODE:
        if not CODE_PATTERN.match(text):
            return None, _(
                "“%(value)s” is not a code: use letters a–z, digits, hyphens and underscores."
            ) % {"value": text}
        return text, None
    if column.type == USERNAME:
        try:
            User.username_validator(text)
        except ValidationError as error:
            return None, " ".join(error.messages)
        return text, None
    return text, None


@dataclass
class Table:
    rows: list[Row]
    problems: list[Problem]
    ignored_columns: list[str]


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _find_header(kind: ImportKind, lines: list) -> tuple[int, dict[int, Column]] | None:
    """(index of the header line, column position -> column), or None."""
    accepted = {}
    for column in kind.columns:
        for name in (column.header, column.english, column.key):
            accepted[fold(name)] = column
    for index, line in enumerate(lines):
        found = {}
        for position, (value, _data_type) in enumerate(line):
            column = accepted.get(fold(cell_text(value))) if value is not None else None
            if column is not None:
                found.setdefault(position, column)
        if found:
            return index, found
    return None


def read_table(kind: ImportKind, data: bytes) -> Table:
    """The sheet's rows with their cells parsed, and the problems of the file and each cell."""
    check_xlsx(data)
    from openpyxl import load_workbook

    # openpyxl raises many kinds of errors on a damaged or hostile package; every one of them
    # means the same thing to the organiser.
    try:
        book = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False, keep_vba=False
        )
    except Exception as error:  # noqa: BLE001
        raise SpreadsheetRefused(_("The file is damaged; it cannot be opened.")) from error
    try:
        return _read_sheet(kind, book)
    except SpreadsheetRefused:
        raise
    except Exception as error:  # noqa: BLE001
        raise SpreadsheetRefused(_("The file is damaged; it cannot be opened.")) from error
    finally:
        book.close()


def _read_sheet(kind: ImportKind, book) -> Table:
    if not book.worksheets:
        raise SpreadsheetRefused(_("The workbook has no sheet."))
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(max_col=MAX_COLUMNS)
    top = []
    for line in lines:
        top.append([(cell.value, cell.data_type) for cell in line])
        if len(top) == HEADER_SEARCH_ROWS:
            break
    if not any(value is not None for line in top for value, _type in line):
        raise SpreadsheetRefused(_("The first sheet of the workbook is empty."))
    found = _find_header(kind, top)
    if found is None:
        raise SpreadsheetRefused(
            _(
                "The first sheet has no header row with the template's column names "
                "(such as “%(example)s”). Download the template and fill it in."
            )
            % {"example": kind.columns[0].header}
        )
    header_index, positions = found
    header_line = top[header_index]
    problems = []
    headers = {}
    ignored = []
    for position, (value, _data_type) in enumerate(header_line):
        column = positions.get(position)
        text = cell_text(value)
        if column is None:
            if text:
                ignored.append(text)
            continue
        if column.key in headers:
            problems.append(
                Problem(
                    header_index + 1,
                    text,
                    _("The column “%(column)s” is given twice.") % {"column": text},
                    _letter(position),
                )
            )
            continue
        headers[column.key] = (text, _letter(position))
    for column in kind.columns:
        if column.required and column.key not in headers:
            problems.append(
                Problem(
                    None,
                    column.header,
                    _("The column “%(column)s” is missing.") % {"column": column.header},
                )
            )
    if problems:
        return Table([], problems, ignored)
    # A column left out of the sheet reads as blank; its problems name the template's header.
    labels = {column.key: (column.header, "") for column in kind.columns} | headers
    absent = [column for column in kind.columns if column.key not in headers]
    by_position = {
        position: column for position, column in positions.items() if column.key in headers
    }
    # Only the first occurrence of a column is read.
    by_position = {
        position: column
        for position, column in by_position.items()
        if headers[column.key][1] == _letter(position)
    }

    def remaining():
        yield from top[header_index + 1 :]
        for line in lines:
            yield [(cell.value, cell.data_type) for cell in line]

    rows: list[Row] = []
    blank_run = 0
    for number, line in enumerate(remaining(), start=header_index + 2):
        cells = {position: line[position] for position in by_position if position < len(line)}
        if all(value is None or cell_text(value) == "" for value, _type in cells.values()):
            blank_run += 1
            if blank_run >= BLANK_RUN_ENDS_SHEET:
                break
            continue
        blank_run = 0
        if len(rows) == MAX_ROWS:
            problems.append(
                Problem(
                    number,
                    "",
                    _("The sheet has more than %(limit)d rows; split it into several files.")
                    % {"limit": MAX_ROWS},
                )
            )
            break
        row = Row(number, {}, [], labels)
        for column in absent:
            row.values[column.key] = parse_cell(column, None)[0]
        for position, column in by_position.items():
            value, data_type = cells.get(position, (None, "n"))
            parsed, problem = parse_cell(column, value, data_type)
            if problem:
                row.problem(column.key, problem)
            else:
                row.values[column.key] = parsed
        rows.append(row)
    return Table(rows, problems, ignored)


# Importing.


def preview_import(kind: str, file, contest: Contest | None, actor) -> ImportReport:
    """What importing the file would do, or every problem in it; nothing is written."""
    return _import(kind, file, contest, actor, commit=False)


def run_import(kind: str, file, contest: Contest | None, actor) -> ImportReport:
    """Import every row of the file, or nothing at all if any row has a problem."""
    return _import(kind, file, contest, actor, commit=True)


def _import(kind_key: str, file, contest: Contest | None, actor, *, commit: bool) -> ImportReport:
    kind = import_kind(kind_key)
    kind.authorise(actor, contest)
    report = ImportReport(kind.key)
    refusal = kind.refusal(contest)
    if refusal:
        report.problems.append(Problem(None, "", refusal))
        return report
    try:
        table = read_table(kind, read_upload(file))
    except SpreadsheetRefused as error:
        report.problems.append(Problem(None, "", str(error)))
        return report
    report.ignored_columns = table.ignored_columns
    report.problems.extend(table.problems)
    if table.problems:
        return report
    if not table.rows:
        report.problems.append(Problem(None, "", _("The sheet has no rows below its header.")))
        return report
    with transaction.atomic():
        context = kind.start(contest, actor, table.rows)
        for row in table.rows:
            kind.check(row, context)
            if row.problems:
                continue
            try:
                with transaction.atomic():
                    report.outcomes.append(kind.apply(row, context))
            except RowRefused as error:
                for key, message in error.problems:
                    row.problem(key, message)
            except IntegrityError:
                row.problem("", _("This row conflicts with data saved already."))
            except DataError:
                row.problem("", _("A value in this row cannot be stored; is it too long?"))
        kind.finish(context)
        report.problems.extend(problem for row in table.rows for problem in row.problems)
        # By row, then left to right (A … Z, AA …); a whole row's problems first.
        report.problems.sort(key=lambda p: (p.row or 0, len(p.letter), p.letter))
        if report.problems or not commit:
            transaction.set_rollback(True)
        else:
            report.committed = True
    if not report.ok:
        report.outcomes = []
    return report


# Templates.


def template_workbook(kind_key: str, contest: Contest | None, actor) -> bytes:
    """The import template: the header row and one example row that imports as it is, and a
    second sheet explaining each column."""
    from config.spreadsheets import workbook

    kind = import_kind(kind_key)
    example = kind.example(contest, actor)
    yes, no = _("Yes"), _("No")
    explained = [
        (
            column.header,
            column.english,
            yes if column.required else no,
            accepted_values(column),
        )
        for column in kind.columns
    ]
    notes = [
        _("Keep the header row as it is; replace the example row with your own rows."),
        _("Formulas are not read: type the values, or paste them as values only."),
        _("At most %(rows)d rows and %(size)d MB.")
        % {"rows": MAX_ROWS, "size": MAX_FILE_SIZE // uploads.MEGABYTE},
        _("Nothing is imported while any row has a problem; the preview lists every one."),
    ]
    return workbook(
        [
            (
                kind.sheet_title,
                [column.header for column in kind.columns],
                [[example.get(column.key) for column in kind.columns]],
            ),
            (
                _("Instructions"),
                [_("Column"), _("Also accepted"), _("Required"), _("What to write")],
                [*explained, ("", "", "", ""), *(("", "", "", note) for note in notes)],
            ),
        ]
    )
