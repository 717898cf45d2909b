import hashlib
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

import orjson
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Max, Prefetch, QuerySet, Sum, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from config import rows
from config.errors import NotAllowed
from contest.models import Contest, Entry
from scheduling import selectors as scheduling_selectors
from scheduling.models import PanelSeat, Round, Slot
from scoring import advancement, tabulation
from scoring.models import (
    Award,
    Criterion,
    Mark,
    Nudge,
    PaperSheet,
    Penalty,
    PresentationTimer,
    Ranking,
    Rubric,
    RubricPart,
    ScoreSheet,
    Standing,
)
from scoring.penalties import overtime_minutes, overtime_penalty


def _with_standings(rankings: QuerySet[Ranking]) -> QuerySet[Ranking]:
    return rankings.select_related("round").prefetch_related(
        Prefetch(
            "standings",
            queryset=Standing.objects.select_related("entry__initiative", "entry__unit").order_by(
                "rank", "id"
            ),
        ),
        Prefetch("awards", queryset=Award.objects.select_related("prize")),
    )


def rankings_for_review(round: Round) -> QuerySet[Ranking]:
    return _with_standings(Ranking.objects.filter(round=round)).order_by("-version")


def newest_ranking(round: Round) -> Ranking | None:
    return Ranking.objects.filter(round=round).order_by("-version").first()


def sheets_of_judge(judge, round: Round) -> QuerySet[ScoreSheet]:
    """A judge sees only their own sheets."""
    return (
        ScoreSheet.objects.filter(judge=judge, round=round)
        .prefetch_related("marks__criterion")
        .order_by("entry_id")
    )


def criteria_of_round(round_id: int) -> list[Criterion]:
    """The criteria of the round's rubric, in rubric order. In SQL of its own: it is read on
    every sheet a judge writes, and compiling the ORM query cost more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(_criteria_of_round_sql(), [round_id])
        return [rows.instances(row, Criterion)[0] for row in cursor.fetchall()]


def judging_slot(user, round_id: int, entry_id: int) -> Slot | None:
    """scheduling.selectors.slot_for_judging, with the criteria of the round's rubric (rubric
    order) in `slot.criteria`. PostgreSQL: read by the same query, one round trip fewer on
    every sheet a judge writes."""
    if connection.vendor != "postgresql":  # no arrays: the criteria in a query of their own
        slot = scheduling_selectors.slot_for_judging(user, round_id, entry_id)
        if slot is not None:
            slot.criteria = criteria_of_round(round_id)
        return slot
    if not user.is_authenticated:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_judging_slot_sql(), [user.pk, round_id, entry_id, round_id])
        row = cursor.fetchone()
    slot = scheduling_selectors.judging_slot_from_row(user, row)
    if slot is not None:
        start = rows.width(*scheduling_selectors.JUDGING_SLOT_MODELS) + 1  # past the seat's unit
        slot.criteria = rows.instances_from_arrays(row[start:], Criterion)
    return slot


# Both reads of a round's criteria: where they come from (parameter: the round's id), and
# the rubric's order.
_CRITERIA_ORDER = 'criterion."order", criterion.id'


def _criteria_of_round_from() -> str:
    return (
        f"FROM {rows.table(Criterion)} AS criterion "
        f"JOIN {rows.table(Rubric)} AS rubric ON rubric.id = criterion.rubric_id "
        "WHERE rubric.round_id = %s"
    )


@cache
def _judging_slot_sql() -> str:  # built once, when first needed (the models are loaded)
    # One row, or none when the judge has no slot for the entry; the criteria come as one
    # array per column (NULL when the round has no rubric yet).
    return f"""
        SELECT found.*, criteria.*
        FROM ({scheduling_selectors.slot_for_judging_sql()}) AS found
        CROSS JOIN LATERAL (
            SELECT {rows.aggregated_columns(Criterion, "criterion", _CRITERIA_ORDER)}
            {_criteria_of_round_from()}
        ) AS criteria
    """


@cache
def _criteria_of_round_sql() -> str:  # built once, when first needed (the models are loaded)
    return f"""
        SELECT {rows.columns(Criterion, "criterion")}
        {_criteria_of_round_from()}
        ORDER BY {_CRITERIA_ORDER}
    """


# Sheets that count in rankings; drafts never do.
COUNTED = [ScoreSheet.Status.SUBMITTED, ScoreSheet.Status.LOCKED]


def fingerprint(
    count: int, version_sum: int | None, penalties: int = 0, newest_penalty: int | None = None
) -> str:
    """Changes whenever a counted sheet is added, removed or edited (every edit bumps the
    sheet's version, so the sum of versions only stays put when nothing changed) or a
    penalty is added (penalties are only ever added: their count and newest id tell)."""
    return f"{count}:{version_sum or 0}:{penalties}:{newest_penalty or 0}"


def counted_marks(
    round: Round, *, in_parallel: bool = False
) -> dict[str, dict[str, dict[str, str]]]:
    """Every mark of the round's counted, scored sheets for the tabulation engine, grouped as
    entry id -> judge id -> criterion code -> value, all as text (exact, and far cheaper to
    load than 108,000 Decimals and model instances).

    ``in_parallel`` (PostgreSQL, inside a REPEATABLE READ transaction the caller owns): half of
    the entries are read on a second connection that imports this transaction's snapshot, so
    both halves see exactly the same sheets while the server groups them on two cores.
    """
    scored = Mark.objects.filter(
        sheet__round=round,
        sheet__status__in=COUNTED,
        sheet__participation=ScoreSheet.Participation.SCORED,
    )
    if connection.vendor != "postgresql":
        return tabulation.sheets_from_marks(
            scored.values_list(
                Cast("sheet__entry_id", TextField()),
                Cast("sheet__judge_id", TextField()),
                "criterion__code",
                Cast("value", TextField()),
            )
        )
    # PostgreSQL groups the marks into one JSON document: a third of the time of fetching
    # 108,000 rows, and the engine gets its sheets without a Python loop over every mark.
    # Criterion codes come from a CASE over the rubric's few criteria rather than a join;
    # values are their exact text.
    codes = dict(
        Criterion.objects.filter(rubric__round=round).values_list("id", "code").order_by("id")
    )
    if not codes:
        return {}
    code_of = " ".join("WHEN %s THEN %s" for _ in codes)
    sql = f"""
        SELECT json_object_agg(entry_id, judges)::text FROM (
            SELECT entry_id, json_object_agg(judge_id, marks) AS judges FROM (
                SELECT sheet.entry_id, sheet.judge_id,
                       json_object_agg(
                           CASE mark.criterion_id {code_of} END, mark.value::text
                       ) AS marks
                FROM {Mark._meta.db_table} AS mark
                JOIN {ScoreSheet._meta.db_table} AS sheet ON sheet.id = mark.sheet_id
                WHERE sheet.round_id = %s AND sheet.status = ANY(%s)
                  AND sheet.participation = %s AND sheet.entry_id %% %s = %s
                GROUP BY sheet.id
            ) AS per_sheet
            GROUP BY entry_id
        ) AS per_entry
        """
    params = [
        *(item for pair in codes.items() for item in pair),
        round.pk,
        list(COUNTED),
        ScoreSheet.Participation.SCORED,
    ]
    with connection.cursor() as cursor:
        # Grouping 108,000 marks needs a few MB: in memory, not spilled to disk in batches.
        cursor.execute("SET LOCAL work_mem = '32MB'")
        if not in_parallel:
            cursor.execute(sql, [*params, 1, 0])
            return _parsed(cursor.fetchone()[0])
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        with ThreadPoolExecutor(max_workers=1) as pool:
            odd = pool.submit(_document_in_snapshot, snapshot, sql, [*params, 2, 1])
            cursor.execute(sql, [*params, 2, 0])
            sheets = _parsed(cursor.fetchone()[0])
            try:
                odd_sheets = _parsed(odd.result())
            except DatabaseError:
                # No second connection to be had (e.g. the server is at its connection
                # limit): read the other half here.
                cursor.execute(sql, [*params, 2, 1])
                odd_sheets = _parsed(cursor.fetchone()[0])
    sheets.update(odd_sheets)
    return sheets


def _parsed(document: str | None) -> dict:
    return orjson.loads(document) if document else {}


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(?:-[0-9A-F]+)+")


def _document_in_snapshot(snapshot: str, sql: str, params: list) -> str | None:
    """Run ``sql`` on this thread's own connection, in the exported ``snapshot``."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # SET takes no bound parameter (the statements' parameters are sent apart from
            # the SQL): the id, as pg_export_snapshot gave it, goes in the text.
            if not _SNAPSHOT_ID.fullmatch(snapshot):
                raise ValueError(f"Not a snapshot id: {snapshot!r}")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            cursor.execute("SET LOCAL work_mem = '32MB'")
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        connection.close()  # the thread ends here: leave no connection behind


class SheetsState(NamedTuple):
    count: int
    fingerprint: str
    changed_at: datetime | None


def sheets_state(round: Round) -> SheetsState:
    """The number of counted sheets of the round, its fingerprint and the newest change."""
    sheets = ScoreSheet.objects.filter(round=round, status__in=COUNTED).aggregate(
        count=Count("id"), versions=Sum("version"), changed_at=Max("updated_at")
    )
    penalties = Penalty.objects.filter(round=round).aggregate(count=Count("id"), newest=Max("id"))
    return SheetsState(
        sheets["count"],
        fingerprint(sheets["count"], sheets["versions"], penalties["count"], penalties["newest"]),
        sheets["changed_at"],
    )


def prizes_by_entry(ranking: Ranking) -> dict:
    """The prize each entry received from this ranking (awards prefetched with their prize)."""
    return {award.entry_id: award.prize for award in ranking.awards.all()}


def penalties_by_entry(round: Round) -> dict[int, Decimal]:
    return dict(
        Penalty.objects.filter(round=round)
        .values("entry_id")
        .annotate(points=Sum("points"))
        .values_list("entry_id", "points")
    )


def judges_not_counted(round: Round) -> dict[int, dict[str, int]]:
    """Per entry: judges who abstained, declared a conflict, or sit for the entry's own unit."""
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for entry_id, participation, count in (
        ScoreSheet.objects.filter(round=round, status__in=COUNTED)
        .exclude(participation=ScoreSheet.Participation.SCORED)
        .values_list("entry_id", "participation")
        .annotate(count=Count("id"))
    ):
        result[entry_id][participation] = count
    for entry_id, count in (
        Slot.objects.filter(round=round, session__panel__seats__unit_id=F("entry__unit_id"))
        .values_list("entry_id")
        .annotate(count=Count("session__panel__seats"))
    ):
        result[entry_id]["own_unit"] = count
    return dict(result)


def rounds_needing_ranking(contest=None) -> list[int]:
    """Ids of rounds (of the contest, or of all) whose counted sheets or penalties changed
    after their newest snapshot."""
    sheets = ScoreSheet.objects.filter(status__in=COUNTED)
    penalties = Penalty.objects.all()
    if contest is not None:
        sheets = sheets.filter(round__contest=contest)
        penalties = penalties.filter(round__contest=contest)
    sheets = {
        row["round_id"]: (row["count"], row["versions"])
        for row in sheets.values("round_id").annotate(count=Count("id"), versions=Sum("version"))
    }
    penalties = {
        row["round_id"]: (row["count"], row["newest"])
        for row in penalties.values("round_id").annotate(count=Count("id"), newest=Max("id"))
    }
    current = {
        round_id: fingerprint(*sheets.get(round_id, (0, 0)), *penalties.get(round_id, (0, 0)))
        for round_id in set(sheets) | set(penalties)
    }
    newest = {}
    for round_id, seen in (
        Ranking.objects.filter(round_id__in=current)
        .order_by("round_id", "-version")
        .values_list("round_id", "sheets_fingerprint")
    ):
        newest.setdefault(round_id, seen)
    return sorted(round_id for round_id, seen in current.items() if newest.get(round_id) != seen)


def timer_state(timer: PresentationTimer, now) -> dict:
    # Decimal: a timer just created (paused or stopped before it ever ran) holds the field's
    # default, the integer 0.
    elapsed = Decimal(timer.elapsed)
    if timer.running_since:
        elapsed += Decimal(str((now - timer.running_since).total_seconds()))
    over = overtime_minutes(elapsed, timer.part.minutes)
    rules = [(rule.minutes_over, rule.points) for rule in timer.part.penalty_rules.all()]
    return {
        "entry": timer.entry_id,
        "part": timer.part_id,
        "running": timer.running_since is not None,
        "stopped": timer.stopped_at is not None,
        "elapsed_seconds": str(elapsed.quantize(Decimal("0.1"))),
        "minutes_over": str(over.quantize(Decimal("0.01"))),
        "proposed_penalty": str(overtime_penalty(rules, over)),
    }


# What a judge's cell of the progress grid says of the sheet for an entry: "own_unit" (the
# judge sits for the entry's unit and never scores it), "missing" (no sheet), "abstained" or
# "conflict" (declared, submitted without marks), else the sheet's status: "draft",
# "submitted", "locked".
NOT_IN = {"missing", ScoreSheet.Status.DRAFT}  # expected, and not yet in


def sheet_cell(seat_unit_id: int | None, entry_unit_id: int, sheet: ScoreSheet | None) -> str:
    if seat_unit_id and seat_unit_id == entry_unit_id:
        return "own_unit"
    if sheet is None:
        return "missing"
    if sheet.participation != ScoreSheet.Participation.SCORED:
        return sheet.participation
    return sheet.status


def session_progress(session) -> dict:
    """Which judge has submitted which entry of a session: statuses only, never marks; with
    the panel, the sheet ids the head judge may unlock, and the presentation timers."""
    from contest.templatetags.people import display_name

    seats = (
        list(session.panel.seats.select_related("judge__person").order_by("order"))
        if session.panel_id
        else []
    )
    slots = list(session.slots.select_related("entry__initiative").order_by("position", "id"))
    status = {
        (sheet.entry_id, sheet.judge_id): sheet
        for sheet in ScoreSheet.objects.filter(
            round_id=session.round_id, entry_id__in=[slot.entry_id for slot in slots]
        ).only("entry_id", "judge_id", "status", "participation")
    }
    rows = []
    for slot in slots:
        cells, sheet_ids = {}, {}
        for seat in seats:
            name = seat.judge.get_username()
            sheet = status.get((slot.entry_id, seat.judge_id))
            cells[name] = sheet_cell(seat.unit_id, slot.entry.unit_id, sheet)
            if sheet is not None and cells[name] in (ScoreSheet.Status.SUBMITTED, "locked"):
                sheet_ids[name] = sheet.pk
        rows.append(
            {
                "position": slot.position,
                "entry": slot.entry_id,
                "title": slot.entry.initiative.title,
                "judges": cells,
                "sheets": sheet_ids,
            }
        )
    now = timezone.now()
    entry_ids = [slot.entry_id for slot in slots]
    timers = (
        PresentationTimer.objects.filter(round_id=session.round_id, entry_id__in=entry_ids)
        .select_related("part")
        .prefetch_related("part__penalty_rules")
    )
    penalised = set(
        Penalty.objects.filter(
            round_id=session.round_id, entry_id__in=entry_ids, part__isnull=False
        ).values_list("entry_id", "part_id")
    )
    return {
        "current_position": session.current_position,
        "panel": [
            {
                "id": seat.judge_id,
                "username": seat.judge.get_username(),
                "name": display_name(seat.judge),
                "head": seat.role == seat.Role.HEAD_JUDGE,
            }
            for seat in seats
        ],
        "parts": list(
            RubricPart.objects.filter(rubric__round_id=session.round_id)
            .order_by("order", "id")
            .values("id", "name", "minutes")
        ),
        "timers": [
            {
                **timer_state(timer, now),
                "penalty_applied": (timer.entry_id, timer.part_id) in penalised,
            }
            for timer in timers
        ],
        "entries": rows,
    }


def _plain(value: Decimal) -> str:
    """A decimal as a judge reads it: 10, 0.25, 8.5 (no trailing zeros, no exponent)."""
    return f"{value.normalize():f}"


# A reminder from the head judge stays on the judge's tablet this long, or until the sheet is in.
NUDGES_SHOWN_FOR = timedelta(minutes=30)


def console_refresh_period() -> int:
    """The number of the current minute: the judge's console document is rebuilt at least
    once in each."""
    return int(timezone.now().timestamp() // 60)


def judge_console_tag(judge, session) -> str:
    """A tag that changes whenever the judge's console document may: the stage, the round's
    status, the running order, the rubric, the judge's sheets in the round and the reminders
    sent to them. One query, so that the tablets' polls cost little while nothing changes.
    The current minute is part of it, so the document is rebuilt at least once a minute
    whatever else changes (an edited title; a reminder that expires)."""
    from scheduling.models import Session, Slot

    slots, sheets = Slot._meta.db_table, ScoreSheet._meta.db_table
    with connection.cursor() as cursor:
        # Slots: the set of (position, entry) pairs, each squared modulo a prime before
        # summing (a linear hash would sum to the same total when two entries swap places).
        cursor.execute(
            f"""
            SELECT session.current_position, round.status,
                   (SELECT count(*) FROM {slots} WHERE session_id = session.id),
                   (SELECT sum(pair * pair %% 2147483647) FROM (
                        SELECT (CAST(coalesce(position, 0) AS BIGINT) * 1000003 + entry_id)
                               %% 2147483647 AS pair
                          FROM {slots} WHERE session_id = %s
                   ) AS pairs),
                   (SELECT count(*) + sum(criterion.id) FROM {Criterion._meta.db_table} AS criterion
                      JOIN {Rubric._meta.db_table} AS rubric ON rubric.id = criterion.rubric_id
                     WHERE rubric.round_id = session.round_id),
                   (SELECT count(*) + sum(version) FROM {sheets}
                     WHERE judge_id = %s AND round_id = session.round_id),
                   (SELECT max(updated_at) FROM {sheets}
                     WHERE judge_id = %s AND round_id = session.round_id),
                   (SELECT max(id) FROM {Nudge._meta.db_table}
                     WHERE judge_id = %s AND session_id = session.id)
              FROM {Session._meta.db_table} AS session
              JOIN {Round._meta.db_table} AS round ON round.id = session.round_id
             WHERE session.id = %s
            """,
            [session.pk, judge.pk, judge.pk, judge.pk, session.pk],
        )
        state = cursor.fetchone()
    digest = hashlib.sha256(
        repr((judge.pk, session.pk, console_refresh_period(), state)).encode()
    ).hexdigest()
    return f'"{digest[:32]}"'


def judge_console(judge, session, seat=None) -> dict:
    """Everything a judge's tablet shows for one session, as plain JSON data: the running order
    the judge may score (never entries of their own unit), the entry on stage, the rubric, and
    the judge's own sheets only (nobody else's marks, no aggregate)."""
    from scheduling.selectors import running_order_for_judge

    slots = list(running_order_for_judge(judge, session, seat))
    criteria = list(
        Criterion.objects.filter(rubric__round_id=session.round_id)
        .select_related("part")
        .order_by("part__order", "order", "id")
    )
    parts: list[dict] = []
    for criterion in criteria:
        part = criterion.part.name if criterion.part else ""
        if not parts or parts[-1]["name"] != part:
            parts.append({"name": part, "criteria": []})
        parts[-1]["criteria"].append(
            {
                "code": criterion.code,
                "name": criterion.name,
                "description": criterion.description,
                "max": _plain(criterion.max_score),
                "step": _plain(criterion.step),
                "weight": _plain(criterion.weight) if criterion.counts_toward_total else "0",
                "required": criterion.required,
                "counts": criterion.counts_toward_total,
                "descriptors": criterion.descriptors,
            }
        )
    code_of = {criterion.pk: criterion.code for criterion in criteria}
    sheets = ScoreSheet.objects.filter(
        judge=judge, round_id=session.round_id, entry_id__in=[slot.entry_id for slot in slots]
    ).prefetch_related("marks")
    sheets = list(sheets)
    done = {sheet.entry_id for sheet in sheets if sheet.status != ScoreSheet.Status.DRAFT}
    nudges = {}
    for nudge in Nudge.objects.filter(
        judge=judge, session=session, created_at__gte=timezone.now() - NUDGES_SHOWN_FOR
    ).order_by("created_at"):
        if nudge.entry_id not in done:
            nudges[nudge.entry_id] = nudge.created_at.isoformat()
    return {
        "nudges": [{"entry": entry, "at": at} for entry, at in nudges.items()],
        "session": {
            "id": session.pk,
            "name": session.name,
            "room": session.room.name if session.room_id else "",
            "round": session.round_id,
            "round_name": session.round.name,
            "round_open": session.round.status == Round.Status.OPEN,
            "contest": session.round.contest.name,
        },
        "current_position": session.current_position,
        "parts": parts,
        "slots": [
            {
                "position": slot.position,
                "entry": slot.entry_id,
                "title": slot.entry.initiative.title,
                "unit": slot.entry.unit.name,
                "presenters": [person.full_name for person in slot.entry.presenters.all()],
            }
            for slot in slots
        ],
        "sheets": {
            str(sheet.entry_id): {
                "id": sheet.pk,
                "status": sheet.status,
                "participation": sheet.participation,
                "version": sheet.version,
                "marks": {
                    code_of[mark.criterion_id]: _plain(mark.value) for mark in sheet.marks.all()
                },
            }
            for sheet in sheets
        },
    }


def paper_sheets_for(user, round: Round) -> QuerySet[PaperSheet]:
    """Organisers and secretaries see every paper sheet of the round; a head judge only those
    for the entries of the sessions whose panel they head."""
    from contest.models import Role
    from contest.selectors import roles_of
    from scheduling.selectors import sessions_headed_by

    sheets = round.paper_sheets.select_related("judge", "entered_by", "confirmed_by")
    if roles_of(user, round.contest) & {Role.ORGANISER, Role.SECRETARY}:
        return sheets
    headed = sessions_headed_by(user, round.pk)
    if not user.is_authenticated or not headed.exists():
        raise NotAllowed(_("You do not have permission to do this in this contest."))
    return sheets.filter(entry__slots__session__in=headed).distinct()


@dataclass(frozen=True)
class MinutesRow:
    rank: Decimal
    entry: object
    score: Decimal
    judges_counted: int
    by_judge: list  # each judge's score for the entry, in panel order (None where none)
    prize: object


@dataclass(frozen=True)
class Minutes:
    round: Round
    ranking: Ranking
    judges: list  # users, head judges first, then by seat order
    rows: list[MinutesRow]
    method: str
    secretaries: list
    heads: frozenset = frozenset()  # ids of the judges who head a panel of the round


def round_minutes(round: Round) -> Minutes | None:
    """What the minutes (biên bản) of a round record, from its published snapshot: the panel,
    each judge's score per entry, the aggregation rule, the results and the prizes. None
    before publication."""
    from contest.models import Membership, Role
    from scheduling.models import PanelSeat

    ranking = (
        _with_standings(Ranking.objects.filter(round=round, is_published=True))
        .select_related("round__contest")
        .first()
    )
    if ranking is None:
        return None
    seats = PanelSeat.objects.filter(panel__sessions__round=round).select_related("judge__person")
    judges: list = []
    heads_first = sorted(seats, key=lambda s: (s.role != PanelSeat.Role.HEAD_JUDGE, s.order, s.pk))
    for seat in heads_first:
        if seat.judge not in judges:
            judges.append(seat.judge)
    prizes = prizes_by_entry(ranking)
    rows = [
        MinutesRow(
            rank=standing.rank,
            entry=standing.entry,
            score=standing.score,
            judges_counted=standing.judges_counted,
            by_judge=[
                Decimal(score)
                if (score := standing.details.get("judges", {}).get(str(j.pk)))
                else None
                for j in judges
            ],
            prize=prizes.get(standing.entry_id),
        )
        for standing in ranking.standings.all()
    ]
    secretaries = [
        membership.user
        for membership in Membership.objects.filter(
            contest_id=round.contest_id, role=Role.SECRETARY
        ).select_related("user")
    ]
    return Minutes(
        round=round,
        ranking=ranking,
        judges=judges,
        rows=rows,
        method=dict(Rubric.Method.choices).get(ranking.method, ranking.method),
        secretaries=secretaries,
        heads=frozenset(s.judge_id for s in seats if s.role == PanelSeat.Role.HEAD_JUDGE),
    )


def judges_marks(round: Round, judges: list) -> dict[int, list[tuple]]:
    """Each judge's own score sheets of the round (submitted or locked): judge id -> rows of
    (entry, {criterion code: value}, participation), in entry order."""
    sheets = (
        ScoreSheet.objects.filter(round=round, judge__in=judges, status__in=COUNTED)
        .select_related("entry__unit", "entry__initiative")
        .prefetch_related(Prefetch("marks", queryset=Mark.objects.select_related("criterion")))
        .order_by("entry_id")
    )
    rows: dict[int, list[tuple]] = defaultdict(list)
    for sheet in sheets:
        marks = {mark.criterion.code: mark.value for mark in sheet.marks.all()}
        rows[sheet.judge_id].append((sheet.entry, marks, sheet.get_participation_display()))
    return rows


# --- sheets still expected before publication ---------------------------------------------


@dataclass(frozen=True)
class MissingSheet:
    judge_id: int
    judge_name: str  # in Vietnamese order
    entry_id: int
    title: str
    session: str

    @property
    def pair(self) -> tuple[int, int]:
        return (self.judge_id, self.entry_id)

    def __str__(self) -> str:
        return f"{self.judge_name} — {self.title}"


def missing_sheets(round: Round) -> list[MissingSheet]:
    """The score sheets the round still expects: each judge seated on a session's panel, for
    each entry of that session, whose sheet is not in. A judge sitting for the entry's own
    unit owes no sheet; an abstention or a declared conflict is in (submitted without marks);
    a draft is not. Counted as the progress grid counts them (sheet_cell). In session,
    running order and seat order; three queries."""
    from contest.templatetags.people import display_name

    slots = list(
        Slot.objects.filter(round=round, session__panel__isnull=False)
        .select_related("session", "entry__initiative")
        .order_by("session__starts_at", "session__name", "session_id", "position", "id")
    )
    seats: dict[int, list[PanelSeat]] = defaultdict(list)
    for seat in (
        PanelSeat.objects.filter(panel_id__in={slot.session.panel_id for slot in slots})
        .select_related("judge__person")
        .order_by("order", "id")
    ):
        seats[seat.panel_id].append(seat)
    sheets = {
        (sheet.entry_id, sheet.judge_id): sheet
        for sheet in ScoreSheet.objects.filter(round=round).only(
            "entry_id", "judge_id", "status", "participation"
        )
    }
    return [
        MissingSheet(
            judge_id=seat.judge_id,
            judge_name=display_name(seat.judge),
            entry_id=slot.entry_id,
            title=slot.entry.initiative.title,
            session=slot.session.name,
        )
        for slot in slots
        for seat in seats[slot.session.panel_id]
        if sheet_cell(seat.unit_id, slot.entry.unit_id, sheets.get((slot.entry_id, seat.judge_id)))
        in NOT_IN
    ]


# --- advancement to the next level --------------------------------------------------------


def _place_text(rank: Decimal) -> str:
    from scoring.templatetags.scoring_tags import place

    return place(rank)


def advancement_reason(choice: advancement.Choice, round_name: str = "") -> str:
    """What earned an entry its place at the next level, in words."""
    if choice.rule == advancement.PRIZE_TIERS:
        return choice.prize.name
    if choice.rule == advancement.BEST_PER_CLUSTER:
        return _("rank %(place)s in cluster %(cluster)s") % {
            "place": choice.place,
            "cluster": choice.cluster,
        }
    return _("rank %(rank)s of %(round)s") % {"rank": _place_text(choice.rank), "round": round_name}


@dataclass
class AdvancingEntry:
    entry: Entry  # in this contest
    reason: str
    advanced: Entry | None = None  # its entry at the next level, once advanced
    obstacle: str = ""  # why it cannot advance, when it cannot


@dataclass
class AdvancementPlan:
    """Who advances from a contest under its rule, from its published results."""

    contest: Contest
    target: Contest | None
    problem: str  # why nobody can advance now; "" when they can
    round: Round | None = None  # the round whose standings chose
    choices: list[AdvancingEntry] = field(default_factory=list)
    # Every entry of the target that came from this contest, in any status, chosen or not.
    advanced: list[Entry] = field(default_factory=list)


def _published_ranking(round: Round) -> Ranking | None:
    return _with_standings(Ranking.objects.filter(round=round, is_published=True)).first()


def _clustered_round(contest: Contest) -> tuple[Round | None, Ranking | None]:
    """The last round of the contest run in several sessions (clusters) with a published
    ranking."""
    rounds = (
        Round.objects.filter(contest=contest, rankings__is_published=True)
        .annotate(clusters=Count("sessions", distinct=True))
        .filter(clusters__gt=1)
        .order_by("-sequence")
    )
    round = rounds.first()
    return (round, _published_ranking(round)) if round else (None, None)


def advancement_plan(contest: Contest) -> AdvancementPlan:
    """The contest's rule applied to its published results: the entries chosen, why, and
    whether each has advanced already; or the problem that keeps anyone from advancing.
    A fixed number of queries."""
    target = contest.advances_to
    plan = AdvancementPlan(contest=contest, target=target, problem="")
    if target is not None:
        plan.advanced = list(
            Entry.objects.filter(contest=target, advanced_from__contest=contest)
            .select_related("unit", "initiative", "advanced_from", "withdrawn_by__person")
            .order_by("id")
        )
    if contest.advancement_rule == Contest.AdvancementRule.NONE:
        plan.problem = _("This contest has no advancement rule: nobody advances.")
        return plan
    if target is None:
        plan.problem = _("This contest has no next-level contest for its winners to advance to.")
        return plan
    final = Round.objects.filter(contest=contest, kind=Round.Kind.FINAL).order_by("-sequence")
    final = final.first()
    if final is None:
        plan.problem = _("This contest has no final round.")
        return plan
    ranking = _published_ranking(final)
    if ranking is None:
        plan.problem = _(
            "The final round's ranking is not published yet: winners advance from the "
            "published results."
        )
        return plan
    rule = contest.advancement_rule
    if rule == Contest.AdvancementRule.BEST_PER_CLUSTER:
        plan.round, ranking = _clustered_round(contest)
        if ranking is None:
            plan.problem = _(
                "No round of this contest has clusters (several sessions) with a published ranking."
            )
            return plan
        cluster_of = dict(
            Slot.objects.filter(round=plan.round).values_list("entry_id", "session__name")
        )
        standings = [s for s in ranking.standings.all() if s.entry_id in cluster_of]
    else:
        plan.round, cluster_of = final, {}
        standings = list(ranking.standings.all())
    entries = {standing.entry_id: standing.entry for standing in standings}
    choices = advancement.choose_advancing(
        rule,
        contest.advancement_count,
        standings=[
            advancement.Placing(s.entry_id, s.rank, cluster_of.get(s.entry_id)) for s in standings
        ],
        awards={
            award.entry_id: advancement.PrizeWon(award.prize.tier, award.prize.name)
            for award in ranking.awards.all()
        },
    )
    advanced = {entry.advanced_from_id: entry for entry in plan.advanced}
    entered = set(
        Entry.objects.filter(
            contest=target, initiative_id__in=[e.initiative_id for e in entries.values()]
        ).values_list("initiative_id", flat=True)
    )
    for choice in choices:
        entry = entries.get(choice.entry)
        if entry is None:  # an award without a standing: not in this ranking's results
            continue
        item = AdvancingEntry(
            entry=entry,
            reason=advancement_reason(choice, plan.round.name),
            advanced=advanced.get(entry.pk),
        )
        if item.advanced is None:
            if entry.status == Entry.Status.WITHDRAWN:
                item.obstacle = _("Withdrawn from this contest.")
            elif entry.initiative_id in entered:
                item.obstacle = _("This initiative is already entered in %(contest)s.") % {
                    "contest": target.name
                }
        plan.choices.append(item)
    return plan


@dataclass(frozen=True)
class Origin:
    """Where an entry that advanced came from: the contest, the unit, and its published
    result there (the prize, and the rank in the last round it presented in)."""

    contest: Contest
    unit: object
    prize: str = ""
    rank: Decimal | None = None
    round: str = ""

    def result(self) -> str:
        parts = [self.prize] if self.prize else []
        if self.rank is not None:
            parts.append(
                _("rank %(rank)s of %(round)s")
                % {"rank": _place_text(self.rank), "round": self.round}
            )
        return " / ".join(parts)

    def __str__(self) -> str:
        result = self.result()
        return f"{self.contest.name} — {result}" if result else self.contest.name


def advancement_origins(entries) -> dict[int, Origin]:
    """For each entry that advanced from a lower-level contest: where it came from and its
    published result there. Two queries, however many entries; the entries should come with
    advanced_from's contest and unit selected."""
    sources = {entry.pk: entry.advanced_from for entry in entries if entry.advanced_from_id}
    if not sources:
        return {}
    source_ids = [source.pk for source in sources.values()]
    standings: dict[int, Standing] = {}
    for standing in (
        Standing.objects.filter(entry_id__in=source_ids, ranking__is_published=True)
        .select_related("ranking__round")
        .order_by("ranking__round__sequence")
    ):
        standings[standing.entry_id] = standing  # the last round's wins
    prizes = {
        award.entry_id: award.prize.name
        for award in Award.objects.filter(
            entry_id__in=source_ids, ranking__is_published=True
        ).select_related("prize")
    }
    origins = {}
    for entry_id, source in sources.items():
        standing = standings.get(source.pk)
        origins[entry_id] = Origin(
            contest=source.contest,
            unit=source.unit,
            prize=prizes.get(source.pk, ""),
            rank=standing.rank if standing else None,
            round=standing.ranking.round.name if standing else "",
        )
    return origins


# --- review before publishing ---------------------------------------------------------------


@dataclass
class ComparedStanding:
    """One entry of the newest snapshot beside its place in the published one."""

    standing: Standing
    published: Standing | None  # None: not in the published version
    rank_changed: bool
    score_changed: bool


@dataclass
class Comparison:
    newest: Ranking
    published: Ranking
    rows: list[ComparedStanding]
    sheets_added: int  # counted sheets in the newest minus in the published
    gone: list[Standing]  # in the published version, not in the newest

    @property
    def changed(self) -> int:
        return sum(1 for row in self.rows if row.rank_changed or row.score_changed)


def compare_with_published(rankings: list[Ranking]) -> Comparison | None:
    """The newest snapshot of a round beside its published one, entry by entry (rankings
    newest first, standings prefetched); None unless both exist and differ."""
    published = next((ranking for ranking in rankings if ranking.is_published), None)
    if not rankings or published is None or rankings[0].pk == published.pk:
        return None
    newest = rankings[0]
    before = {standing.entry_id: standing for standing in published.standings.all()}
    rows = []
    for standing in newest.standings.all():
        old = before.get(standing.entry_id)
        rows.append(
            ComparedStanding(
                standing=standing,
                published=old,
                rank_changed=old is None or old.rank != standing.rank,
                score_changed=old is None
                or old.score != standing.score
                or old.judges_counted != standing.judges_counted,
            )
        )
    now = {standing.entry_id for standing in newest.standings.all()}
    return Comparison(
        newest=newest,
        published=published,
        rows=rows,
        sheets_added=newest.sheet_count - published.sheet_count,
        gone=[standing for entry, standing in before.items() if entry not in now],
    )


def publication_record(round: Round) -> QuerySet:
    """Who published, unpublished, signed off and revealed what in this round, newest first."""
    from scoring.models import PublicationEvent

    return (
        PublicationEvent.objects.filter(ranking__round=round)
        .select_related("ranking", "actor__person")
        .order_by("-at", "-id")
    )
