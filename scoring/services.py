"""Writes of the scoring app: score sheets, ranking snapshots, publication and awards."""

import functools
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import orjson
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config import rows
from config.errors import DomainError, LostRace, NotAllowed, StaleVersion
from config.memory import cyclic_gc_paused
from contest.models import (
    Contest,
    ContestTransition,
    Entry,
    EntryPresenter,
    Membership,
    Role,
    Unit,
)
from contest.selectors import require_role
from scheduling.models import PanelSeat, Round, Slot
from scheduling.selectors import (
    heads_panel,
    require_session_staff,
    session_of,
    slot_for_judging,
)
from scoring import awards, public, selectors, snapshots, tabulation
from scoring.models import (
    Award,
    Criterion,
    Mark,
    Nudge,
    PaperSheet,
    Penalty,
    PresentationTimer,
    Prize,
    PublicationEvent,
    Ranking,
    Reveal,
    Rubric,
    RubricPart,
    ScoreSheet,
    ScoreSheetEvent,
    Standing,
)
from scoring.penalties import overtime_penalty

# Plain decimal numbers, with a point or the Vietnamese decimal comma; nothing Decimal() would
# also take, such as "1_0", "1e1", "NaN" or digits of other scripts.
MARK_PATTERN = re.compile(r"-?[0-9]{1,4}(?:[.,][0-9]{1,4})?")


def _parse_value(raw) -> Decimal:
    text = str(raw).strip()
    if not MARK_PATTERN.fullmatch(text):
        raise ValueError(_("Enter a number."))
    return Decimal(text.replace(",", "."))


def validate_marks(criteria: list[Criterion], raw_marks: dict, *, complete: bool) -> dict:
    """Check marks against the rubric; returns {criterion: Decimal} or raises with every
    field's message at once."""
    by_code = {criterion.code: criterion for criterion in criteria}
    errors: dict[str, list[str]] = {}
    values: dict[Criterion, Decimal] = {}
    for code, raw in raw_marks.items():
        criterion = by_code.get(code)
        if criterion is None:
            errors[code] = [_("This criterion is not in the rubric.")]
            continue
        if raw is None or str(raw).strip() == "":
            continue
        try:
            value = _parse_value(raw)
        except ValueError as error:
            errors[code] = [str(error)]
            continue
        if value < 0:
            errors[code] = [_("A mark cannot be negative.")]
        elif value > criterion.max_score:
            errors[code] = [
                _("The maximum for this criterion is %(max)s.") % {"max": criterion.max_score}
            ]
        elif value % criterion.step != 0:
            errors[code] = [
                _("Marks go in steps of %(step)s.") % {"step": criterion.step.normalize()}
            ]
        else:
            values[criterion] = value
    if complete:
        for criterion in criteria:
            if criterion.required and criterion not in values and criterion.code not in errors:
                errors[criterion.code] = [_("This criterion is required.")]
    if errors:
        raise DomainError(_("Some marks are not valid."), errors={"marks": errors})
    return values


def _sheet_state(sheet: ScoreSheet) -> dict:
    return {
        "status": sheet.status,
        "participation": sheet.participation,
        "marks": {m.criterion.code: str(m.value) for m in sheet.marks.select_related("criterion")},
    }


def _judging_slot(judge, round: Round, entry: Entry, slot: Slot | None = None) -> Slot:
    """The judge's slot for the entry in this open round (panel membership, never an entry of
    the judge's own unit). `slot`: what slot_for_judging returned for this judge, round and
    entry, when the caller has it already (it records whom it checked in `judging_for`);
    anything else is looked up again."""
    if round.status != Round.Status.OPEN:
        raise DomainError(_("This round is not open for scoring."))
    if slot is None or getattr(slot, "judging_for", None) != (judge.pk, round.pk, entry.pk):
        slot = slot_for_judging(judge, round.pk, entry.pk)
    if slot is None:
        raise NotAllowed(_("You are not on the panel judging this entry."))
    return slot


def _lock_open_sheet(
    judge, round: Round, entry: Entry, expected_version: int | None = None
) -> ScoreSheet:
    """The judge's sheet for this entry, created if needed, row-locked, in an open round, and
    still at the version the client last saw (optimistic concurrency between tablets)."""
    sheet, _created = ScoreSheet.objects.select_for_update().get_or_create(
        round=round, entry=entry, judge=judge
    )
    if expected_version is not None and sheet.version != expected_version:
        raise _stale(sheet.version)
    # Checked again under the sheet's lock: the round may have closed meanwhile.
    if not Round.objects.filter(pk=round.pk, status=Round.Status.OPEN).exists():
        raise DomainError(_("This round is not open for scoring."))
    if sheet.status != ScoreSheet.Status.DRAFT:
        raise DomainError(_("This sheet has been submitted and can no longer be changed."))
    return sheet


def _stale(version: int) -> StaleVersion:
    return StaleVersion(
        _("This sheet changed on another device (now version %(version)s); reload it.")
        % {"version": version}
    )


def _refuse_stale_version(judge, round: Round, entry: Entry, expected_version: int) -> None:
    """Refuse a write made from another version of the sheet (one not yet created is at
    version 1) before anything is written or locked. Inside the write's savepoint the refusal
    would roll it back, and on any ROLLBACK psycopg drops every prepared statement of the
    connection: the next requests would pay to parse and plan theirs again. Checked again
    under the sheet's lock (_lock_open_sheet), for a change in between."""
    version = (
        ScoreSheet.objects.filter(round=round, entry=entry, judge=judge)
        .values_list("version", flat=True)
        .first()
    )
    if (version or 1) != expected_version:
        raise _stale(version or 1)


def _last_submitted_state(sheet: ScoreSheet) -> dict | None:
    """The sheet as last submitted, if it was submitted before and then unlocked."""
    event = (
        sheet.events.filter(
            action__in=[
                ScoreSheetEvent.Action.SUBMITTED,
                ScoreSheetEvent.Action.CHANGED,
                ScoreSheetEvent.Action.ABSTAINED,
                ScoreSheetEvent.Action.CONFLICT,
            ]
        )
        .order_by("-at", "-id")
        .first()
    )
    return event.after if event else None


def _unlock_reason(sheet: ScoreSheet) -> str:
    event = sheet.events.filter(action=ScoreSheetEvent.Action.UNLOCKED).order_by("-at", "-id")
    return event.values_list("reason", flat=True).first() or ""


def _record_submission(
    sheet: ScoreSheet, actor, action: str, reason: str = "", *, new: bool = False, after=None
) -> None:
    """One audit event per effective submission; a resubmission after an unlock is a change,
    with the state before it and the head judge's reason. `new`: the sheet was created by this
    very write, so it has no history to read; `after`: its state, when the caller has it."""
    before = None if new else _last_submitted_state(sheet)
    if before is not None and action == ScoreSheetEvent.Action.SUBMITTED:
        action, reason = ScoreSheetEvent.Action.CHANGED, reason or _unlock_reason(sheet)
    ScoreSheetEvent.objects.create(
        sheet=sheet,
        actor=actor,
        action=action,
        before=before,
        after=after if after is not None else _sheet_state(sheet),
        reason=reason,
    )
    _queue_ranking_on_commit(sheet.round_id)


def _queue_ranking_on_commit(round_id: int) -> None:
    # robust: if the broker is down the sheet is still saved; the beat reconciler
    # recomputes the round once the broker is back.
    transaction.on_commit(lambda: queue_ranking(round_id), robust=True)


def save_score_sheet(
    *,
    judge,
    round: Round,
    entry: Entry,
    marks: dict,
    submit: bool,
    expected_version: int | None = None,
    slot: Slot | None = None,
) -> ScoreSheet:
    """A judge saves (draft) or submits their sheet for one entry. Submitted sheets are final
    for the judge; only a head judge can reopen them. `slot`: what selectors.judging_slot (or
    slot_for_judging) returned for this judge, round and entry, when the caller has it.

    The sheet comes back with its marks in hand (`sheet.marks.all()` needs no query)."""
    slot = _judging_slot(judge, round, entry, slot)
    values = validate_marks(_criteria_of(round, slot), marks, complete=submit)
    return _write_sheet(
        judge, round, entry, values, submit=submit, actor=judge, expected_version=expected_version
    )


def _criteria_of(round: Round, slot: Slot | None = None) -> list[Criterion]:
    """The round's criteria; `slot`: one of selectors.judging_slot, which has read them."""
    criteria = getattr(slot, "criteria", None)
    if criteria is None:
        criteria = selectors.criteria_of_round(round.pk)
    if not criteria:
        raise DomainError(_("This round has no rubric yet."))
    return criteria


def _write_sheet(
    judge,
    round: Round,
    entry: Entry,
    values: dict,
    *,
    submit: bool,
    actor,
    reason: str = "",
    expected_version: int | None = None,
) -> ScoreSheet:
    """Store validated marks on the judge's sheet (and submit it), in one transaction."""
    now = timezone.now()
    first_write = expected_version in (None, 1)  # a sheet not yet created: version 1
    if not first_write:
        _refuse_stale_version(judge, round, entry, expected_version)
    try:
        if first_write and connection.vendor == "postgresql":
            # One statement: it writes everything or nothing, so it needs no savepoint of its
            # own (two round trips fewer on the judges' hot path). Should it fail, the caller's
            # transaction is marked for rollback and nothing of this write remains.
            with transaction.atomic(savepoint=False):
                sheet = _insert_first_write(
                    judge, round, entry, values, submit=submit, actor=actor, reason=reason, now=now
                )
            if sheet is not None:
                return sheet
        with transaction.atomic():
            sheet = None
            if first_write and connection.vendor != "postgresql":
                sheet = _create_written_sheet(judge, round, entry, submit=submit, now=now)
            new = sheet is not None
            if not new:
                sheet = _lock_open_sheet(judge, round, entry, expected_version)
                Mark.objects.filter(sheet=sheet).delete()
                sheet.version += 1
                sheet.participation = ScoreSheet.Participation.SCORED
                if submit:
                    sheet.status = ScoreSheet.Status.SUBMITTED
                    sheet.submitted_at = now
                sheet.save()
            marks = Mark.objects.bulk_create(
                Mark(sheet=sheet, criterion=criterion, value=value)
                for criterion, value in values.items()
            )
            # Marks as the database gives them back (numeric(6,2)), for the caller and audit.
            for mark in marks:
                mark.value = mark.value.quantize(MARK_QUANTUM)
            prefetch_cache = getattr(sheet, "_prefetched_objects_cache", None)
            if prefetch_cache is None:
                prefetch_cache = sheet._prefetched_objects_cache = {}
            prefetch_cache["marks"] = marks
            if submit:
                after = {
                    "status": sheet.status,
                    "participation": sheet.participation,
                    "marks": {mark.criterion.code: str(mark.value) for mark in marks},
                }
                _record_submission(
                    sheet, actor, ScoreSheetEvent.Action.SUBMITTED, reason, new=new, after=after
                )
    except IntegrityError as error:
        raise LostRace(_("The sheet changed meanwhile; reload and try again.")) from error
    return sheet


MARK_QUANTUM = Decimal("0.01")  # Mark.value's decimal places


def _insert_first_write(
    judge, round: Round, entry: Entry, values: dict, *, submit: bool, actor, reason: str, now
) -> ScoreSheet | None:
    """PostgreSQL: the judge's first write of this sheet (the hot path of contest day) in one
    statement: the sheet row (see _first_sheet_insert), its marks and, when submitted, its
    audit event. None when the sheet exists already or the round is no longer open: nothing
    was written, and the caller takes the general path."""
    sheet = _first_sheet(judge, round, entry, submit=submit, now=now)
    marks = {criterion: value.quantize(MARK_QUANTUM) for criterion, value in values.items()}
    after = {
        "status": sheet.status,
        "participation": sheet.participation,
        "marks": {criterion.code: str(value) for criterion, value in marks.items()},
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _first_write_sql(),
            {
                **_first_sheet_params(sheet),
                "criteria": rows.array_literal(criterion.pk for criterion in marks),
                "values": rows.array_literal(marks.values()),
                "actor": actor.pk,
                "action": ScoreSheetEvent.Action.SUBMITTED,
                "after": orjson.dumps(after).decode(),
                "reason": reason,
                "submit": submit,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    sheet.pk, mark_ids = row
    id_of = dict(mark_ids or [])  # criterion id -> mark id
    sheet._prefetched_objects_cache = {
        "marks": [
            Mark(pk=id_of[criterion.pk], sheet=sheet, criterion=criterion, value=value)
            for criterion, value in marks.items()
        ]
    }
    if submit:
        _queue_ranking_on_commit(round.pk)
    return sheet


@functools.cache
def _first_write_sql() -> str:  # built once, when first needed (the models are loaded)
    return f"""
        WITH sheet AS ({_first_sheet_insert()}), mark AS (
            INSERT INTO {rows.table(Mark)} (sheet_id, criterion_id, value)
            SELECT sheet.id, given.criterion_id, given.value
            FROM sheet, unnest(%(criteria)s::bigint[], %(values)s::numeric[])
                 AS given(criterion_id, value)
            RETURNING id, criterion_id
        ), event AS (
            INSERT INTO {rows.table(ScoreSheetEvent)}
                (sheet_id, actor_id, action, at, before, after, reason)
            SELECT sheet.id, %(actor)s, %(action)s, %(now)s, NULL, %(after)s::jsonb, %(reason)s
            FROM sheet WHERE %(submit)s
            RETURNING id
        )
        SELECT sheet.id, (SELECT array_agg(ARRAY[mark.criterion_id, mark.id]) FROM mark)
        FROM sheet
    """


def _create_written_sheet(
    judge, round: Round, entry: Entry, *, submit: bool, now
) -> ScoreSheet | None:
    """The judge's first write of this sheet, in one statement (see _first_sheet_insert),
    row-locked by its insertion. None when the sheet exists already or the round is no longer
    open: the caller then takes the general path."""
    sheet = _first_sheet(judge, round, entry, submit=submit, now=now)
    with connection.cursor() as cursor:
        cursor.execute(_first_sheet_insert(), _first_sheet_params(sheet))
        row = cursor.fetchone()
    if row is None:
        return None
    (sheet.pk,) = row
    return sheet


def _first_sheet(judge, round: Round, entry: Entry, *, submit: bool, now) -> ScoreSheet:
    """The sheet a judge's first write creates: already written, at version 2 (the version a
    created-then-written sheet reaches)."""
    return ScoreSheet(
        round=round,
        entry=entry,
        judge=judge,
        status=ScoreSheet.Status.SUBMITTED if submit else ScoreSheet.Status.DRAFT,
        participation=ScoreSheet.Participation.SCORED,
        version=2,
        created_at=now,
        updated_at=now,
        submitted_at=now if submit else None,
    )


@functools.cache
def _first_sheet_insert() -> str:
    """Insert the first sheet (parameters: _first_sheet_params) only while the round is still
    open, and nothing when the judge's sheet exists already; returns the new sheet's id."""
    return (
        f"INSERT INTO {rows.table(ScoreSheet)} (round_id, entry_id, judge_id, status, "
        "participation, version, created_at, updated_at, submitted_at) "
        "SELECT %(round)s, %(entry)s, %(judge)s, %(status)s, %(participation)s, %(version)s, "
        "%(now)s, %(now)s, %(submitted_at)s "
        f"WHERE EXISTS (SELECT 1 FROM {rows.table(Round)} WHERE id = %(round)s "
        "AND status = %(open)s) "
        "ON CONFLICT (round_id, entry_id, judge_id) DO NOTHING RETURNING id"
    )


def _first_sheet_params(sheet: ScoreSheet) -> dict:
    """Named, so that a value used twice is sent once (a first sheet is created and written
    at the same moment: see _first_sheet)."""
    return {
        "round": sheet.round_id,
        "entry": sheet.entry_id,
        "judge": sheet.judge_id,
        "status": sheet.status,
        "participation": sheet.participation,
        "version": sheet.version,
        "now": sheet.created_at,
        "submitted_at": sheet.submitted_at,
        "open": Round.Status.OPEN,
    }


def enter_paper_sheet(*, secretary, round: Round, entry: Entry, judge, marks: dict) -> PaperSheet:
    """A secretary types in a judge's paper sheet. A different secretary confirms it by typing
    it again: identical marks submit the judge's sheet; different marks are flagged for the
    head judge and nothing is submitted."""
    require_role(secretary, round.contest, Role.SECRETARY)
    if judge == secretary:
        raise DomainError(_("A secretary cannot type in their own sheet."), field="judge")
    _judging_slot(judge, round, entry)
    values = validate_marks(_criteria_of(round), marks, complete=True)
    # Compared as the database stores them: "8,5" and "8.50" are the same mark.
    typed = {
        criterion.code: str(value.quantize(Decimal("0.01"))) for criterion, value in values.items()
    }
    with transaction.atomic():
        first = (
            PaperSheet.objects.select_for_update()
            .filter(round=round, entry=entry, judge=judge, status=PaperSheet.Status.PENDING)
            .first()
        )
        if first is None:
            return PaperSheet.objects.create(
                round=round, entry=entry, judge=judge, marks=typed, entered_by=secretary
            )
        if first.entered_by_id == secretary.pk:
            raise DomainError(_("The confirming entry must be made by a different secretary."))
        first.confirmed_by = secretary
        first.confirmed_at = timezone.now()
        if typed != first.marks:
            first.status = PaperSheet.Status.MISMATCH
            first.second_marks = typed
            first.save(update_fields=["status", "second_marks", "confirmed_by", "confirmed_at"])
            return first
        first.status = PaperSheet.Status.CONFIRMED
        first.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        _write_sheet(
            judge,
            round,
            entry,
            values,
            submit=True,
            actor=secretary,
            reason=_("Paper sheet typed in by %(first)s, confirmed by %(second)s.")
            % {"first": first.entered_by.get_username(), "second": secretary.get_username()},
        )
    return first


def declare_not_scoring(
    *, judge, round: Round, entry: Entry, participation: str, reason: str
) -> ScoreSheet:
    """A judge abstains, or declares a conflict of interest, for one entry: the sheet is
    submitted without marks and counts in no aggregate."""
    if participation not in {
        ScoreSheet.Participation.ABSTAINED,
        ScoreSheet.Participation.CONFLICT,
    }:
        raise DomainError(_("Choose to abstain or to declare a conflict."), field="participation")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason."), field="reason")
    _judging_slot(judge, round, entry)
    with transaction.atomic():
        sheet = _lock_open_sheet(judge, round, entry)
        Mark.objects.filter(sheet=sheet).delete()
        sheet.participation = participation
        sheet.status = ScoreSheet.Status.SUBMITTED
        sheet.submitted_at = timezone.now()
        sheet.version += 1
        sheet.save()
        _record_submission(sheet, judge, participation, reason)
    return sheet


def unlock_score_sheet(*, sheet: ScoreSheet, actor, reason: str) -> ScoreSheet:
    """The head judge of the entry's panel reopens a submitted sheet for its judge."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Unlocking a sheet needs a written reason."), field="reason")
    session = session_of(sheet.round_id, sheet.entry_id)
    if session is None or not heads_panel(actor, session):
        raise NotAllowed(_("Only the head judge of this panel can unlock its sheets."))
    with transaction.atomic():
        sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.status != ScoreSheet.Status.SUBMITTED:
            raise DomainError(_("Only a submitted sheet of an open round can be unlocked."))
        before = _sheet_state(sheet)
        sheet.status = ScoreSheet.Status.DRAFT
        sheet.version += 1
        sheet.save(update_fields=["status", "version", "updated_at"])
        ScoreSheetEvent.objects.create(
            sheet=sheet,
            actor=actor,
            action=ScoreSheetEvent.Action.UNLOCKED,
            before=before,
            after=_sheet_state(sheet),
            reason=reason,
        )
        round_id = sheet.round_id
        transaction.on_commit(lambda: queue_ranking(round_id), robust=True)
    return sheet


# Sheets submitted within this many seconds share one recompute of their round.
RANKING_DEBOUNCE_SECONDS = 1


def queue_ranking(round_id: int) -> None:
    """Queue a recompute of the round, at most one per debounce window.

    The guard key lives no longer than the countdown: a sheet skipped here committed before
    the queued task will read, and one committed later finds the key gone and queues anew."""
    from scoring.tasks import compute_ranking_task

    if compute_ranking_task.app.conf.task_always_eager:
        compute_ranking_task.delay(round_id)
        return
    # Nobody waits for the result: without ignore_result Celery would also subscribe to it on
    # the result backend, which retries for 20 s when Redis is down, holding up the request.
    # Read before asking the cache: the recompute cannot start before the key expires, and the
    # key cannot expire before asked + its remaining time.
    asked = time.monotonic()
    if _ranking_queued_until.get(round_id, 0.0) > asked:
        return  # a recompute queued in this window will read this sheet: no cache round trip
    key = f"ranking-queued:{round_id}"
    if cache.add(key, 1, timeout=RANKING_DEBOUNCE_SECONDS):
        compute_ranking_task.apply_async(
            (round_id,), countdown=RANKING_DEBOUNCE_SECONDS, ignore_result=True
        )
        _ranking_queued_until[round_id] = asked + RANKING_DEBOUNCE_SECONDS
    elif hasattr(cache, "pttl"):  # django-redis: how long the other process's window lasts
        remaining_ms = cache.pttl(key)
        if remaining_ms and remaining_ms > 0:
            _ranking_queued_until[round_id] = asked + remaining_ms / 1000


# Per process: round id -> monotonic time until which a queued recompute is known not to have
# started yet, so further sheets of the round need not ask the cache.
_ranking_queued_until: dict[int, float] = {}


def _tie_break_steps(rubric: Rubric) -> list[dict]:
    """The rubric's chain for the engine: {"judge": "head"} names the round's head judge."""
    steps = []
    for step in rubric.tie_breaks:
        if step.get("judge") == "head":
            head = (
                PanelSeat.objects.filter(
                    panel__sessions__round=rubric.round_id, role=PanelSeat.Role.HEAD_JUDGE
                )
                .values_list("judge_id", flat=True)
                .first()
            )
            if head is None:
                continue
            step = {**step, "judge": str(head)}
        steps.append(step)
    return steps


def compute_ranking(*, round: Round) -> Ranking:
    """Store a new ranking snapshot of the round from one read of its submitted sheets, with
    what changed since the previous one. The published snapshot is never touched.

    Running it again with no sheet change returns the newest snapshot instead of a copy.
    """
    rubric = Rubric.objects.filter(round=round).first()
    criteria = list(rubric.criteria.all()) if rubric else []
    if not criteria:
        raise DomainError(_("This round has no rubric yet."))
    specs = [
        tabulation.CriterionSpec(c.code, c.weight, counts=c.counts_toward_total, label=c.name)
        for c in criteria
    ]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Every read below sees one snapshot of the sheets: the fingerprint stored with the
        # ranking then describes exactly the marks it was computed from.
        with transaction.atomic(), cyclic_gc_paused(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # A snapshot is derived data: should the server crash in the instant before its
            # commit reaches the disk, the reconciler computes it again from the sheets. Not
            # waiting for that flush saves a fifth of a large round's recompute. Publishing
            # commits synchronously, which flushes every earlier commit with it.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            return _compute_ranking(round, rubric, specs, in_parallel=True)
    with transaction.atomic(), cyclic_gc_paused():
        return _compute_ranking(round, rubric, specs)


def _compute_ranking(
    round: Round, rubric: Rubric, specs: list, *, in_parallel: bool = False
) -> Ranking:
    # Serialise snapshot writers of this round.
    Round.objects.select_for_update().get(pk=round.pk)
    newest = Ranking.objects.filter(round=round).order_by("-version").first()
    # Abstentions count among the sheets, with no marks.
    sheet_count, fingerprint, changed_at = selectors.sheets_state(round)
    if newest and newest.sheets_fingerprint == fingerprint:
        return newest  # the common case: a sheet this snapshot already saw
    sheets = selectors.counted_marks(round, in_parallel=in_parallel)
    penalties = selectors.penalties_by_entry(round)
    parameters = {
        "method": rubric.method,
        "decimals": rubric.decimals,
        "ranking": rubric.ranking_style,
        "drop_highest": rubric.drop_highest,
        "drop_lowest": rubric.drop_lowest,
        "tie_breaks": _tie_break_steps(rubric),
        "disagreement_threshold": (
            str(rubric.disagreement_threshold)
            if rubric.disagreement_threshold is not None
            else None
        ),
    }
    try:
        result = tabulation.tabulate_round(
            None,
            specs,
            sheets=sheets,
            penalties={str(entry): points for entry, points in penalties.items()},
            **parameters,
        )
    except tabulation.TabulationError as error:
        raise DomainError(str(error)) from error
    not_counted = selectors.judges_not_counted(round)
    previous = (
        {
            str(s.entry_id): s
            for s in newest.standings.only("entry_id", "rank", "score", "judges_counted")
        }
        if newest
        else None
    )
    current = {
        r.entry: snapshots.Line(Decimal(r.rank), r.score, r.judges_counted)
        for r in result.standings
    }
    ranking = Ranking.objects.create(
        round=round,
        version=(newest.version if newest else 0) + 1,
        method=rubric.method,
        decimals=rubric.decimals,
        sheet_count=sheet_count,
        sheets_changed_at=changed_at,
        sheets_fingerprint=fingerprint,
        parameters=parameters,
        analytics={
            "kendall_w": (
                str(tabulation.round_half_up(result.agreement.kendall_w, 4))
                if result.agreement.kendall_w is not None
                else None
            ),
            "agreement_note": result.agreement.note,
            "judge_bias": {judge: str(bias) for judge, bias in result.judge_bias.items()},
        },
        changes=snapshots.diff_standings(
            previous
            and {
                entry: snapshots.Line(s.rank, s.score, s.judges_counted)
                for entry, s in previous.items()
            },
            current,
            previous_sheets=newest.sheet_count if newest else 0,
            current_sheets=sheet_count,
        ),
    )
    _insert_standings(
        ranking,
        # A generator: on PostgreSQL the server stores the first standings while the rest
        # are still being written out.
        (
            {
                "entry_id": int(r.entry),
                "rank": str(r.rank),
                "score": str(r.score),
                "judges_counted": r.judges_counted,
                "details": _standing_details(r, not_counted.get(int(r.entry), {})),
            }
            for r in result.standings
        ),
    )
    return ranking


def _insert_standings(ranking: Ranking, rows: Iterable[dict]) -> None:
    if connection.vendor != "postgresql":
        Standing.objects.bulk_create(Standing(ranking=ranking, **row) for row in rows)
        return
    # COPY: Django's bulk_create sends PostgreSQL arrays of values, escaping every quote of
    # every details document (0.4 s for 2,000 standings); COPY streams the rows in a tenth.
    columns = ("entry_id", "rank", "score", "judges_counted", "details")
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {Standing._meta.db_table} (ranking_id, {', '.join(columns)}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(
                (
                    ranking.pk,
                    row["entry_id"],
                    row["rank"],
                    row["score"],
                    row["judges_counted"],
                    orjson.dumps(row["details"]).decode(),
                )
            )


def _standing_details(result: tabulation.EntryResult, not_counted: dict) -> dict:
    """Everything that explains a standing, as JSON (decimals as strings)."""
    text = lambda value: None if value is None else str(value)  # noqa: E731
    return {
        "criteria": {code: str(mean) for code, mean in result.criterion_means.items()},
        "criterion_ranks": result.criterion_ranks,
        "judges": {judge: str(score) for judge, score in result.judge_scores.items()},
        "mean": text(result.mean),
        "median": text(result.median),
        "stdev": text(result.stdev),
        "spread": text(result.spread),
        "disagreement": result.disagreement,
        "dropped": [
            {"judge": d.judge, "criterion": d.criterion, "value": str(d.value), "side": d.side}
            for d in result.dropped
        ],
        "first_placings": result.first_placings,
        "penalty": str(result.penalty),
        "explanation": result.explanation,
        "not_counted": not_counted,
    }


def derive_awards(ranking: Ranking) -> list[Award]:
    """The contest's prizes for this ranking (see scoring.awards for the rules)."""
    contest = ranking.round.contest
    prizes = list(Prize.objects.filter(contest=contest).order_by("order"))
    parts = {
        part.pk: [(c.code, c.weight) for c in part.criteria.all()]
        for part in RubricPart.objects.filter(prizes__in=prizes).prefetch_related("criteria")
    }
    standings = [
        awards.RankedEntry(
            entry=str(standing.entry_id),
            rank=standing.rank,
            score=standing.score,
            part_scores=_part_scores(standing.details.get("criteria", {}), parts),
        )
        for standing in ranking.standings.order_by("rank", "id")
    ]
    tiers = [
        awards.PrizeTier(
            prize=str(prize.pk),
            quota=prize.quota,
            min_score=prize.min_score,
            part=str(prize.part_id) if prize.part_id else None,
        )
        for prize in prizes
    ]
    given = awards.give_prizes(
        standings,
        tiers,
        cap_percent=contest.prize_cap_percent,
        higher_is_better=ranking.method not in tabulation.LOWER_IS_BETTER,
    )
    return Award.objects.bulk_create(
        [
            Award(prize_id=int(prize), entry_id=int(entry), ranking=ranking)
            for prize, entry in given
        ],
        ignore_conflicts=True,
    )


def _part_scores(criterion_means: dict, parts: dict) -> dict[str, Decimal]:
    """Weighted mean of a part's criterion means, for special prizes."""
    scores = {}
    for part_id, criteria in parts.items():
        marked = [
            (Decimal(criterion_means[code]), weight)
            for code, weight in criteria
            if code in criterion_means
        ]
        total_weight = sum(weight for _value, weight in marked)
        if marked and total_weight:
            scores[str(part_id)] = sum(value * weight for value, weight in marked) / total_weight
    return scores


def is_final_round(round: Round) -> bool:
    return round.kind == Round.Kind.FINAL


class SheetsMissing(DomainError):
    """Publication refused: score sheets the round expects are not in, and the organiser has
    not confirmed exactly these as missing. `missing`: the list, for the organiser to see."""

    def __init__(self, message: str, missing: list[selectors.MissingSheet]):
        super().__init__(
            message,
            errors={
                "detail": message,
                "missing_sheets": [
                    {
                        "judge": sheet.judge_id,
                        "judge_name": sheet.judge_name,
                        "entry": sheet.entry_id,
                        "title": sheet.title,
                        "session": sheet.session,
                    }
                    for sheet in missing
                ],
            },
            code="missing_sheets",
        )
        self.missing = missing


# A refusal names this many missing sheets; the rest are counted (the list has them all).
MISSING_NAMED = 10


def _missing_list(missing: list[selectors.MissingSheet]) -> str:
    named = "; ".join(str(sheet) for sheet in missing[:MISSING_NAMED])
    if len(missing) > MISSING_NAMED:
        named += " " + _("and %(count)s more") % {"count": len(missing) - MISSING_NAMED}
    return named


def _check_missing_sheets(round: Round, confirm_missing) -> None:
    """Refuse while sheets are missing, unless the organiser confirmed exactly the ones that
    are: a sheet that came in or went missing since they looked is a new decision."""
    missing = selectors.missing_sheets(round)
    expected = {sheet.pair for sheet in missing}
    if confirm_missing is None:
        if missing:
            raise SheetsMissing(
                ngettext(
                    "%(count)s score sheet is not in: %(sheets)s. Confirm that it is missing "
                    "to publish without it.",
                    "%(count)s score sheets are not in: %(sheets)s. Confirm that they are "
                    "missing to publish without them.",
                    len(missing),
                )
                % {"count": len(missing), "sheets": _missing_list(missing)},
                missing,
            )
        return
    if {(int(judge), int(entry)) for judge, entry in confirm_missing} != expected:
        if not missing:
            message = _("Every score sheet is in now: publish again, with nothing to confirm.")
        else:
            message = _(
                "The missing score sheets changed since you confirmed them. Missing now: "
                "%(sheets)s."
            ) % {"sheets": _missing_list(missing)}
        raise SheetsMissing(message, missing)


def publish_ranking(
    *, ranking: Ranking, actor, confirm_missing=None, ceremony: bool = False
) -> Ranking:
    """Point the public at this snapshot; the final round's also fixes the prizes.

    Refused while score sheets the round expects are not in (selectors.missing_sheets),
    unless `confirm_missing` is exactly the set of (judge id, entry id) pairs missing: what
    the organiser saw and confirmed. An empty confirmation confirms that nothing is missing.

    With `ceremony`, the prizes are kept for the ceremony: the public sees nothing of the
    round until the organiser reveals them one by one (reveal_next_prize)."""
    contest = ranking.round.contest
    require_role(actor, contest, Role.ORGANISER)
    with transaction.atomic():
        Round.objects.select_for_update().get(pk=ranking.round_id)
        ranking.refresh_from_db()
        _check_missing_sheets(ranking.round, confirm_missing)
        replaced = list(
            Ranking.objects.filter(round_id=ranking.round_id, is_published=True)
            .exclude(pk=ranking.pk)
            .values_list("version", flat=True)
        )
        Ranking.objects.filter(round_id=ranking.round_id, is_published=True).exclude(
            pk=ranking.pk
        ).update(is_published=False)
        Reveal.objects.filter(ranking__round_id=ranking.round_id).delete()
        ranking.is_published = True
        ranking.published_at = timezone.now()
        ranking.published_by = actor
        ranking.save(update_fields=["is_published", "published_at", "published_by"])
        _record_publication(
            ranking,
            PublicationEvent.Action.PUBLISHED,
            actor,
            _("replaces version %(versions)s") % {"versions": ", ".join(map(str, replaced))}
            if replaced
            else "",
        )
        if is_final_round(ranking.round):
            derive_awards(ranking)
            locked = Contest.objects.select_for_update().get(pk=contest.pk)
            if locked.status not in {Contest.Status.RESULTS_PUBLISHED, Contest.Status.CLOSED}:
                ContestTransition.objects.create(
                    contest=locked,
                    from_status=locked.status,
                    to_status=Contest.Status.RESULTS_PUBLISHED,
                    actor=actor,
                    note=f"ranking v{ranking.version}",
                )
                locked.status = Contest.Status.RESULTS_PUBLISHED
                locked.save(update_fields=["status"])
        if ceremony:
            total = Award.objects.filter(ranking=ranking).count()
            if not total:
                raise DomainError(_("This round has no prizes to reveal at a ceremony."))
            Reveal.objects.create(ranking=ranking, total=total)
            _record_publication(ranking, PublicationEvent.Action.REVEAL_STARTED, actor)
    return ranking


def unpublish_ranking(*, ranking: Ranking, actor) -> Ranking:
    """Take the snapshot off the public pages (a ceremony in progress ends with it); the
    snapshot itself and its record stay."""
    require_role(actor, ranking.round.contest, Role.ORGANISER)
    with transaction.atomic():
        Round.objects.select_for_update().get(pk=ranking.round_id)
        ranking.refresh_from_db()
        if not ranking.is_published:
            return ranking
        ranking.is_published = False
        ranking.save(update_fields=["is_published"])
        Reveal.objects.filter(ranking=ranking).delete()
        _record_publication(ranking, PublicationEvent.Action.UNPUBLISHED, actor)
    return ranking


def _record_publication(ranking: Ranking, action: str, actor, note: str = "") -> None:
    """Every change to what the public sees is recorded, and the public document rebuilt."""
    contest = ranking.round.contest
    PublicationEvent.objects.create(
        contest=contest, ranking=ranking, action=action, actor=actor, note=note[:500]
    )
    public.forget(contest.slug)


def sign_off_ranking(*, ranking: Ranking, actor) -> PublicationEvent:
    """The head judge of a panel of the round signs this version off before it is
    published. Signing again changes nothing; a newer version needs its own sign-off."""
    from scheduling.selectors import sessions_headed_by

    if not sessions_headed_by(actor, ranking.round_id).exists():
        raise NotAllowed(_("Only a head judge of this round signs its ranking off."))
    with transaction.atomic():
        Round.objects.select_for_update().get(pk=ranking.round_id)
        existing = PublicationEvent.objects.filter(
            ranking=ranking, actor=actor, action=PublicationEvent.Action.SIGNED_OFF
        ).first()
        if existing is not None:
            return existing
        event = PublicationEvent.objects.create(
            contest=ranking.round.contest,
            ranking=ranking,
            action=PublicationEvent.Action.SIGNED_OFF,
            actor=actor,
        )
    return event


def reveal_next_prize(*, ranking: Ranking, actor, step: int) -> Reveal:
    """Show the next prize of the ceremony on the board. `step` is the number of prizes the
    organiser's remote showed as revealed: a second tap, or a second remote, that has not
    seen the last step reveals nothing more. The last prize ends the ceremony, and the whole
    results are public."""
    require_role(actor, ranking.round.contest, Role.ORGANISER)
    with transaction.atomic():
        reveal = Reveal.objects.select_for_update().filter(ranking=ranking).first()
        if reveal is None or not ranking.is_published:
            raise DomainError(_("No ceremony is in progress for this ranking."))
        if reveal.finished or step != reveal.revealed:
            return reveal
        reveal.revealed += 1
        _record_publication(ranking, PublicationEvent.Action.REVEALED, actor)
        if reveal.revealed == reveal.total:
            reveal.finished_at = timezone.now()
            _record_publication(ranking, PublicationEvent.Action.REVEAL_FINISHED, actor)
        reveal.save(update_fields=["revealed", "finished_at"])
    return reveal


def finish_reveal(*, ranking: Ranking, actor) -> Reveal:
    """End the ceremony now: every prize and the whole standings become public."""
    require_role(actor, ranking.round.contest, Role.ORGANISER)
    with transaction.atomic():
        reveal = Reveal.objects.select_for_update().filter(ranking=ranking).first()
        if reveal is None:
            raise DomainError(_("No ceremony is in progress for this ranking."))
        if not reveal.finished:
            reveal.revealed = reveal.total
            reveal.finished_at = timezone.now()
            reveal.save(update_fields=["revealed", "finished_at"])
            _record_publication(ranking, PublicationEvent.Action.REVEAL_FINISHED, actor)
    return reveal


def lock_sheets_of_closed_round(*, round: Round, actor, **kwargs) -> int:
    """When a round closes its submitted sheets become locked; each lock is audited."""
    sheets = list(
        ScoreSheet.objects.select_for_update().filter(
            round=round, status=ScoreSheet.Status.SUBMITTED
        )
    )
    ScoreSheetEvent.objects.bulk_create(
        ScoreSheetEvent(
            sheet=sheet,
            actor=actor,
            action=ScoreSheetEvent.Action.LOCKED,
            before={"status": ScoreSheet.Status.SUBMITTED},
            after={"status": ScoreSheet.Status.LOCKED},
        )
        for sheet in sheets
    )
    # The marks do not change, so neither does the version (nor the rankings' fingerprint).
    return ScoreSheet.objects.filter(pk__in=[sheet.pk for sheet in sheets]).update(
        status=ScoreSheet.Status.LOCKED
    )


def _require_staff_of_entry(actor, round: Round, entry: Entry, *roles: str) -> None:
    """The contest `roles` act on any entry; a head judge only on the entries of a session
    whose panel they head."""
    session = session_of(round.pk, entry.pk)
    if session is None:
        require_role(actor, round.contest, *roles)
    else:
        require_session_staff(actor, session, *roles)


def apply_penalty(
    *, round: Round, entry: Entry, actor, reason: str, points=None, part=None, minutes_over=None
) -> Penalty:
    """Deduct points from an entry's total in a round: given outright, or proposed from the
    part's overtime rules when `minutes_over` is given. Organisers and head judges only."""
    _require_staff_of_entry(actor, round, entry, Role.ORGANISER)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for the penalty."), field="reason")
    if part is not None and part.rubric.round_id != round.pk:
        raise DomainError(_("This part belongs to another round."), field="part")
    if points is None:
        if part is None or minutes_over is None:
            raise DomainError(_("Give the points, or the part and the minutes over."))
        rules = part.penalty_rules.values_list("minutes_over", "points")
        points = overtime_penalty(rules, Decimal(str(minutes_over)))
        if not points:
            raise DomainError(_("No penalty applies to this overtime."), field="minutes_over")
    points = Decimal(str(points))
    if points <= 0:
        raise DomainError(_("A penalty deducts a positive number of points."), field="points")
    if part is not None and Penalty.objects.filter(round=round, entry=entry, part=part).exists():
        raise DomainError(_("This part's overtime penalty is already applied."), field="part")
    round_id = round.pk
    try:
        with transaction.atomic():
            penalty = Penalty.objects.create(
                round=round, entry=entry, part=part, points=points, reason=reason, created_by=actor
            )
            transaction.on_commit(lambda: queue_ranking(round_id), robust=True)
    except IntegrityError as error:  # the same penalty, applied at the same instant
        raise DomainError(
            _("This part's overtime penalty is already applied."), field="part"
        ) from error
    return penalty


def set_tie_breaks(*, rubric: Rubric, steps: list, actor) -> Rubric:
    """Fix the tie-break chain of a round; it cannot change once judging has opened."""
    require_role(actor, rubric.round.contest, Role.ORGANISER)
    if rubric.round.status != Round.Status.PLANNED:
        raise DomainError(_("The tie-break chain is fixed once judging has opened."))
    codes = set(rubric.criteria.values_list("code", flat=True))
    for step in steps:
        if not isinstance(step, dict) or len(step) != 1:
            raise DomainError(_("Each tie-break step names one rule."), field="tie_breaks")
        ((rule, value),) = step.items()
        if rule == "criterion" and value not in codes:
            raise DomainError(
                _("Unknown criterion %(code)s.") % {"code": value}, field="tie_breaks"
            )
        if rule not in {"criterion", "first_placings", "judge"}:
            raise DomainError(
                _("Unknown tie-break rule %(rule)s.") % {"rule": rule}, field="tie_breaks"
            )
    rubric.tie_breaks = steps
    rubric.save(update_fields=["tie_breaks"])
    return rubric


TIMER_ACTIONS = ("start", "pause", "stop")


def run_timer(*, round: Round, entry: Entry, part: RubricPart, action: str, actor) -> dict:
    """Start, pause or stop the stopwatch of a part of a presentation. The state it returns
    carries the overtime and the penalty the part's rules propose, for the head judge to
    apply (apply_penalty) or not."""
    _require_staff_of_entry(actor, round, entry, Role.ORGANISER, Role.SECRETARY)
    if action not in TIMER_ACTIONS:
        raise DomainError(_("Start, pause or stop."), field="action")
    if part.rubric.round_id != round.pk:
        raise DomainError(_("This part belongs to another round."), field="part")
    now = timezone.now()
    with transaction.atomic():
        timer, _created = PresentationTimer.objects.select_for_update().get_or_create(
            round=round, entry=entry, part=part
        )
        if timer.stopped_at and action != "start":
            raise DomainError(_("This timer has stopped."), field="action")
        if action == "start":
            if timer.stopped_at:  # a restart measures afresh
                timer.elapsed, timer.stopped_at = Decimal(0), None
            timer.running_since = timer.running_since or now
        else:
            if timer.running_since:
                timer.elapsed += Decimal(str((now - timer.running_since).total_seconds()))
                timer.running_since = None
            if action == "stop":
                timer.stopped_at = now
        timer.save()
    return selectors.timer_state(timer, now)


NUDGE_REPEAT = timedelta(seconds=60)


def nudge_judge(*, session, judge, entry: Entry, actor) -> Nudge:
    """Remind a judge of the panel that their sheet for an entry of the session is missing.
    A second reminder within a minute is the first one."""
    require_session_staff(actor, session, Role.ORGANISER, Role.SECRETARY)
    if not PanelSeat.objects.filter(panel_id=session.panel_id, judge=judge).exists():
        raise DomainError(_("This judge does not sit on the session's panel."), field="judge")
    slot = Slot.objects.filter(session=session, entry=entry).select_related("entry").first()
    if slot is None:
        raise DomainError(_("This entry is not in the session."), field="entry")
    if slot_for_judging(judge, session.round_id, entry.pk) is None:
        raise DomainError(_("This judge does not score this entry."), field="entry")
    sheet = ScoreSheet.objects.filter(round_id=session.round_id, entry=entry, judge=judge).first()
    if sheet and sheet.status != ScoreSheet.Status.DRAFT:
        raise DomainError(_("This judge's sheet is already in."), field="entry")
    recent = Nudge.objects.filter(
        session=session,
        entry=entry,
        judge=judge,
        created_at__gte=timezone.now() - NUDGE_REPEAT,
    ).first()
    return recent or Nudge.objects.create(session=session, entry=entry, judge=judge, sent_by=actor)


@dataclass(frozen=True)
class AdvancementResult:
    target: Contest
    created: list[Entry]  # entered in the target by this run
    existing: list[Entry]  # advanced before, in whatever status they are now (withdrawn too)
    skipped: list[tuple[Entry, str]]  # chosen, but cannot advance: the entry and why
    representatives_added: int  # unit representatives given the same role in the target


def _unit_in_year(unit: Unit, year: int) -> Unit:
    """The unit as it is in `year`: itself, or what it was renamed or merged into by then.
    A chain that ends without a unit of that year gives its last unit."""
    seen = {unit.pk}
    while not unit.valid_in(year) and unit.successor_id and unit.successor_id not in seen:
        unit = unit.successor
        seen.add(unit.pk)
    return unit


def advance_winners(*, contest: Contest, actor) -> AdvancementResult:
    """Enter the winners the contest's rule chooses from its published results (see
    scoring.advancement) in the contest its winners advance to: the same initiative, the
    same presenters in the same order, for the unit as it is in that contest's year;
    approved, since the rule admits them; linked to the entry they come from.

    Safe to run again: an entry that has advanced is never entered twice, and one withdrawn
    at the next level stays withdrawn. The unit representatives of the source contest are
    told by email; a representative of a unit with none in the target is given the role
    there too, so that they can send its files."""
    require_role(actor, contest, Role.ORGANISER)
    if contest.advances_to_id is None:
        raise DomainError(_("This contest has no next-level contest for its winners."))
    now = timezone.now()
    with transaction.atomic():
        target = Contest.objects.select_for_update().get(pk=contest.advances_to_id)
        if target.status in {Contest.Status.RESULTS_PUBLISHED, Contest.Status.CLOSED}:
            raise DomainError(
                _("%(contest)s has published its results; no entry can join it now.")
                % {"contest": target.name}
            )
        contest.advances_to = target
        plan = selectors.advancement_plan(contest)
        if plan.problem:
            raise DomainError(plan.problem)
        created, existing, skipped = [], [], []
        for item in plan.choices:
            if item.advanced is not None:
                existing.append(item.advanced)
            elif item.obstacle:
                skipped.append((item.entry, item.obstacle))
            else:
                created.append(
                    Entry(
                        contest=target,
                        unit=_unit_in_year(item.entry.unit, target.year),
                        initiative_id=item.entry.initiative_id,
                        status=Entry.Status.APPROVED,
                        decided_by=actor,
                        decided_at=now,
                        submitted_by=actor,
                        advanced_from=item.entry,
                    )
                )
        try:
            # One savepoint: a concurrent entry of the same initiative refuses the whole run.
            with transaction.atomic():
                created = Entry.objects.bulk_create(created)
        except IntegrityError as error:
            raise DomainError(_("The contest's entries changed meanwhile; try again.")) from error
        added = _enter_presenters_and_representatives(contest, target, created)
        _notify_advanced(contest, target, created)
    return AdvancementResult(
        target=target,
        created=created,
        existing=existing,
        skipped=skipped,
        representatives_added=added,
    )


def _enter_presenters_and_representatives(
    contest: Contest, target: Contest, created: list[Entry]
) -> int:
    """The advanced entries' presenters, in order, and their presenter role in the target
    (for those with a login); the source's representatives of each advanced unit given the
    role in the target when that unit has none there. Returns how many were given it."""
    links = list(
        EntryPresenter.objects.filter(
            entry_id__in=[entry.advanced_from_id for entry in created]
        ).select_related("person")
    )
    new_entry = {entry.advanced_from_id: entry for entry in created}
    EntryPresenter.objects.bulk_create(
        EntryPresenter(entry=new_entry[link.entry_id], person=link.person, order=link.order)
        for link in links
    )
    Membership.objects.bulk_create(
        [
            Membership(
                contest=target, user_id=link.person.user_id, role=Role.PRESENTER, person=link.person
            )
            for link in links
            if link.person.user_id
        ],
        ignore_conflicts=True,
    )
    # A representative speaks for the unit as it was in the source contest: only a unit
    # still the same in the target is handed over.
    units = {entry.unit_id for entry in created if entry.unit_id == entry.advanced_from.unit_id}
    in_target = list(
        Membership.objects.filter(contest=target, role=Role.UNIT_REPRESENTATIVE).values_list(
            "unit_id", "user_id"
        )
    )
    represented = {unit_id for unit_id, _user in in_target}
    already = {user_id for _unit, user_id in in_target}
    copies = [
        Membership(
            contest=target,
            user_id=membership.user_id,
            role=Role.UNIT_REPRESENTATIVE,
            unit_id=membership.unit_id,
            person_id=membership.person_id,
        )
        for membership in Membership.objects.filter(
            contest=contest, role=Role.UNIT_REPRESENTATIVE, unit_id__in=units - represented
        ).order_by("id")
        if membership.user_id not in already
    ]
    return len(Membership.objects.bulk_create(copies, ignore_conflicts=True))


def _notify_advanced(contest: Contest, target: Contest, created: list[Entry]) -> None:
    """Each advanced unit's representatives in the source contest hear of it once the
    entries are committed; a mail failure never undoes them."""
    addresses: dict[int, set[str]] = {}
    for unit_id, email in Membership.objects.filter(
        contest=contest,
        role=Role.UNIT_REPRESENTATIVE,
        unit_id__in={entry.advanced_from.unit_id for entry in created},
    ).values_list("unit_id", "user__email"):
        if email:
            addresses.setdefault(unit_id, set()).add(email)
    for entry in created:
        recipients = sorted(addresses.get(entry.advanced_from.unit_id, ()))
        if not recipients:
            continue
        title = entry.advanced_from.initiative.title
        subject = _("Advancing to %(contest)s: %(title)s") % {
            "contest": target.name,
            "title": title,
        }
        body = _(
            "Your entry “%(title)s” in %(source)s advances to %(contest)s. The organisers of "
            "%(contest)s will tell you what comes next."
        ) % {"title": title, "source": contest.name, "contest": target.name}
        transaction.on_commit(
            lambda subject=subject, body=body, recipients=recipients: send_mail(
                subject, body, None, recipients, fail_silently=True
            )
        )


# --- Setting up rounds, rubrics and prizes (organiser pages) ------------------------------

ALLOWED_STEPS = (Decimal("0.25"), Decimal("0.5"), Decimal("1"))


def _setup_decimal(value, field: str, *, required: bool = True) -> Decimal | None:
    """A number from a form or a request: a Decimal, an int, or text with a point or comma."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DomainError(_("Enter a number."), field=field)
        return None
    if isinstance(value, bool):
        raise DomainError(_("Enter a number."), field=field)
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    else:
        try:
            number = _parse_value(value)
        except ValueError as error:
            raise DomainError(str(error), field=field) from error
    if not number.is_finite():
        raise DomainError(_("Enter a number."), field=field)
    return number


def _plain_number(value: Decimal) -> str:
    """8, 8.5, 8.25: a number as judges read it, without trailing zeros or exponent."""
    text = format(value.normalize(), "f")
    return text


def _refuse_invalid_model_fields(instance, *, exclude: list[str]) -> None:
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from error


def create_round_with_rubric(
    *,
    contest: Contest,
    actor,
    name: str,
    kind: str,
    sequence: int | None = None,
    method: str = Rubric.Method.MEAN,
    decimals: int = 2,
) -> Round:
    """A new planned round of the contest together with its (empty) rubric."""
    from scheduling import services as scheduling_services

    with transaction.atomic():
        round = scheduling_services.create_round(
            contest=contest, name=name, kind=kind, sequence=sequence, actor=actor
        )
        _new_rubric(round, method=method, decimals=decimals)
    return round


def _new_rubric(round: Round, *, method: str, decimals: int) -> Rubric:
    if method not in Rubric.Method.values:
        raise DomainError(_("Choose one of the listed methods."), field="method")
    if not 0 <= decimals <= tabulation.MAX_DECIMALS:
        raise DomainError(
            _("Round to between 0 and %(max)d decimals.") % {"max": tabulation.MAX_DECIMALS},
            field="decimals",
        )
    return Rubric.objects.create(round=round, method=method, decimals=decimals)


def create_rubric(
    *, round: Round, actor, method: str = Rubric.Method.MEAN, decimals: int = 2
) -> Rubric:
    """The rubric of a round that has none yet (a round made elsewhere, such as the admin)."""
    require_role(actor, round.contest, Role.ORGANISER)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        existing = Rubric.objects.filter(round=locked).first()
        if existing is not None:
            return existing
        if locked.status != Round.Status.PLANNED:
            raise DomainError(_("The rubric is fixed once the round has been opened for scoring."))
        return _new_rubric(locked, method=method, decimals=decimals)


def rubric_is_fixed(round: Round) -> bool:
    """A rubric changes only while its round is planned and no sheet of it exists: the marks
    judges give are read against its criteria."""
    return (
        round.status != Round.Status.PLANNED
        or ScoreSheet.objects.filter(round_id=round.pk).exists()
        or PaperSheet.objects.filter(round_id=round.pk).exists()
    )


def _lock_rubric(rubric: Rubric, actor) -> Round:
    """Inside a transaction: the rubric's round, locked against opening while it changes."""
    require_role(actor, rubric.round.contest, Role.ORGANISER)
    round = Round.objects.select_for_update().get(pk=rubric.round_id)
    if rubric_is_fixed(round):
        raise DomainError(_("The rubric is fixed once the round has been opened for scoring."))
    return round


def update_rubric_settings(
    *,
    rubric: Rubric,
    actor,
    method: str,
    decimals: int,
    ranking_style: str = Rubric.RankingStyle.STANDARD,
    drop_highest: int = 0,
    drop_lowest: int = 0,
    disagreement_threshold=None,
) -> Rubric:
    """How the round's sheets are aggregated and ranked."""
    if method not in Rubric.Method.values:
        raise DomainError(_("Choose one of the listed methods."), field="method")
    if ranking_style not in Rubric.RankingStyle.values:
        raise DomainError(_("Choose one of the listed ranking styles."), field="ranking_style")
    if not 0 <= decimals <= tabulation.MAX_DECIMALS:
        raise DomainError(
            _("Round to between 0 and %(max)d decimals.") % {"max": tabulation.MAX_DECIMALS},
            field="decimals",
        )
    for field, count in (("drop_highest", drop_highest), ("drop_lowest", drop_lowest)):
        if count < 0:
            raise DomainError(_("Enter 0 or more."), field=field)
        if count and method not in tabulation.TRIMMED:
            raise DomainError(
                _("Judges are dropped only by the methods without the highest and lowest."),
                field=field,
            )
    threshold = _setup_decimal(disagreement_threshold, "disagreement_threshold", required=False)
    if threshold is not None and threshold < 0:
        raise DomainError(_("Enter 0 or more."), field="disagreement_threshold")
    if method == Rubric.Method.SKATING and ranking_style == Rubric.RankingStyle.DENSE:
        raise DomainError(_("Skating System places are standard ranks."), field="ranking_style")
    with transaction.atomic():
        _lock_rubric(rubric, actor)
        rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
        if method == Rubric.Method.SKATING and rubric.tie_breaks:
            raise DomainError(
                _("The Skating System breaks ties by its own rules; clear the tie-break chain."),
                field="method",
            )
        rubric.method = method
        rubric.decimals = decimals
        rubric.ranking_style = ranking_style
        rubric.drop_highest = drop_highest
        rubric.drop_lowest = drop_lowest
        rubric.disagreement_threshold = threshold
        _refuse_invalid_model_fields(rubric, exclude=["round", "tie_breaks"])
        rubric.save()
    return rubric


def save_rubric_part(
    *, rubric: Rubric, actor, name: str, minutes=None, part: RubricPart | None = None
) -> RubricPart:
    """Add a part to the rubric (at the end), or rename it and change its time."""
    if part is not None and part.rubric_id != rubric.pk:
        raise DomainError(_("This part belongs to another rubric."))
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("The part needs a name."), field="name")
    minutes = _setup_decimal(minutes, "minutes", required=False)
    if minutes is not None and minutes <= 0:
        raise DomainError(_("The time allowed is more than 0 minutes."), field="minutes")
    with transaction.atomic():
        _lock_rubric(rubric, actor)
        if part is None:
            last = rubric.parts.order_by("-order").values_list("order", flat=True).first()
            part = RubricPart(rubric=rubric, order=(last or 0) + 1)
        else:
            part = RubricPart.objects.select_for_update().get(pk=part.pk)
        part.name = name
        part.minutes = minutes
        _refuse_invalid_model_fields(part, exclude=["rubric"])
        part.save()
    return part


def delete_rubric_part(*, part: RubricPart, actor) -> None:
    """Remove an empty part that no special prize is given for."""
    with transaction.atomic():
        _lock_rubric(part.rubric, actor)
        if part.criteria.exists():
            raise DomainError(_("Delete or move the part's criteria first."))
        prizes = list(part.prizes.values_list("name", flat=True))
        if prizes:
            raise DomainError(
                _("A special prize is given for this part: %(prizes)s.")
                % {"prizes": ", ".join(prizes)}
            )
        part.delete()


def _swap_with_neighbour(items: list, index: int, direction: str) -> list:
    if direction not in {"up", "down"}:
        raise DomainError(_("Move up or down."), field="direction")
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def move_rubric_part(*, part: RubricPart, actor, direction: str) -> RubricPart:
    """Move a part one place up or down the rubric (judges see the parts in this order)."""
    with transaction.atomic():
        _lock_rubric(part.rubric, actor)
        parts = list(RubricPart.objects.select_for_update().filter(rubric_id=part.rubric_id))
        parts.sort(key=lambda p: (p.order, p.pk))
        index = next(i for i, p in enumerate(parts) if p.pk == part.pk)
        parts = _swap_with_neighbour(parts, index, direction)
        # Orders are unique in a rubric: clear the way above every order in use first.
        offset = max(p.order for p in parts) + 1
        for position, item in enumerate(parts, start=1):
            RubricPart.objects.filter(pk=item.pk).update(order=offset + position)
        for position, item in enumerate(parts, start=1):
            RubricPart.objects.filter(pk=item.pk).update(order=position)
    part.refresh_from_db()
    return part


def _criterion_code(name: str, taken: set[str]) -> str:
    """A code for the criterion from its name: "Nội dung" → "noi-dung"."""
    from django.utils.text import slugify

    base = slugify(name.replace("đ", "d").replace("Đ", "D"))[:36].strip("-") or "criterion"
    code, number = base, 2
    while code in taken:
        code = f"{base}-{number}"
        number += 1
    return code


def _check_descriptors(descriptors, max_score: Decimal) -> list[dict]:
    """Level descriptors as the judges' sheet shows them: [{"from", "to", "text"}, ...]."""
    if not isinstance(descriptors, list):
        raise DomainError(_("Write one level per line."), field="descriptors")
    levels = []
    for level in descriptors:
        if not isinstance(level, dict) or set(level) != {"from", "to", "text"}:
            raise DomainError(
                _("Each level has a lowest mark, a highest mark and a text."),
                field="descriptors",
            )
        low = _setup_decimal(level["from"], "descriptors")
        high = _setup_decimal(level["to"], "descriptors")
        text = " ".join(str(level["text"] or "").split())
        if not text or len(text) > 500:
            raise DomainError(_("Describe each level in 1 to 500 characters."), field="descriptors")
        if not 0 <= low <= high <= max_score:
            raise DomainError(
                _("The level %(low)s–%(high)s is not within 0 to the maximum %(max)s.")
                % {
                    "low": _plain_number(low),
                    "high": _plain_number(high),
                    "max": _plain_number(max_score),
                },
                field="descriptors",
            )
        levels.append({"from": _plain_number(low), "to": _plain_number(high), "text": text})
    return levels


def save_criterion(
    *,
    rubric: Rubric,
    actor,
    name: str,
    max_score,
    step,
    weight=Decimal(1),
    part: RubricPart | None = None,
    code: str = "",
    description: str = "",
    required: bool = True,
    counts_toward_total: bool = True,
    descriptors: list | None = None,
    criterion: Criterion | None = None,
) -> Criterion:
    """Add a criterion to the rubric (at the end of its part), or change one. An independent
    criterion (counts_toward_total False) is scored and shown but left out of the total."""
    if criterion is not None and criterion.rubric_id != rubric.pk:
        raise DomainError(_("This criterion belongs to another rubric."))
    if part is not None and part.rubric_id != rubric.pk:
        raise DomainError(_("Choose a part of this rubric."), field="part")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("The criterion needs a name."), field="name")
    max_score = _setup_decimal(max_score, "max_score")
    if max_score <= 0:
        raise DomainError(_("The maximum is more than 0."), field="max_score")
    step = _setup_decimal(step, "step")
    if step not in ALLOWED_STEPS:
        raise DomainError(_("Marks go in steps of 0.25, 0.5 or 1."), field="step")
    if max_score % step:
        raise DomainError(
            _("The maximum must be a whole number of steps of %(step)s.")
            % {"step": _plain_number(step)},
            field="max_score",
        )
    weight = _setup_decimal(weight, "weight")
    if weight < 0:
        raise DomainError(_("The weight is 0 or more."), field="weight")
    levels = _check_descriptors(descriptors or [], max_score)
    code = (code or "").strip().lower()
    with transaction.atomic():
        _lock_rubric(rubric, actor)
        rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
        taken = set(
            rubric.criteria.exclude(pk=criterion.pk if criterion else None).values_list(
                "code", flat=True
            )
        )
        if not code:
            code = criterion.code if criterion else _criterion_code(name, taken)
        if code in taken:
            raise DomainError(_("Another criterion of this rubric has this code."), field="code")
        last = rubric.criteria.order_by("-order").values_list("order", flat=True).first()
        if criterion is None:
            criterion = Criterion(rubric=rubric, order=(last or 0) + 1)
        else:
            criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
            if criterion.part_id != (part.pk if part else None):
                criterion.order = (last or 0) + 1  # moved to another part: last in it
        old_code = criterion.code
        criterion.part = part
        criterion.code = code
        criterion.name = name
        criterion.description = (description or "").strip()
        criterion.max_score = max_score
        criterion.step = step
        criterion.weight = weight
        criterion.required = bool(required)
        criterion.counts_toward_total = bool(counts_toward_total)
        criterion.descriptors = levels
        _refuse_invalid_model_fields(criterion, exclude=["rubric", "part", "descriptors"])
        try:
            with transaction.atomic():
                criterion.save()
        except IntegrityError as error:
            raise DomainError(
                _("Another criterion of this rubric has this code."), field="code"
            ) from error
        if old_code and old_code != code and rubric.tie_breaks:
            # The tie-break chain names criteria by code: it follows the rename.
            rubric.tie_breaks = [
                {**step, "criterion": code} if step.get("criterion") == old_code else step
                for step in rubric.tie_breaks
            ]
            rubric.save(update_fields=["tie_breaks"])
    return criterion


def delete_criterion(*, criterion: Criterion, actor) -> None:
    with transaction.atomic():
        _lock_rubric(criterion.rubric, actor)
        rubric = Rubric.objects.select_for_update().get(pk=criterion.rubric_id)
        if any(step.get("criterion") == criterion.code for step in rubric.tie_breaks):
            raise DomainError(_("The tie-break chain uses this criterion; change the chain first."))
        criterion.delete()


def move_criterion(*, criterion: Criterion, actor, direction: str) -> Criterion:
    """Move a criterion one place up or down within its part."""
    with transaction.atomic():
        _lock_rubric(criterion.rubric, actor)
        siblings = list(
            Criterion.objects.select_for_update()
            .filter(rubric_id=criterion.rubric_id, part_id=criterion.part_id)
            .order_by("order", "id")
        )
        index = next(i for i, c in enumerate(siblings) if c.pk == criterion.pk)
        siblings = _swap_with_neighbour(siblings, index, direction)
        # Criteria are ordered by part first; within a part, number them afresh.
        for position, item in enumerate(siblings, start=1):
            if item.order != position:
                Criterion.objects.filter(pk=item.pk).update(order=position)
    criterion.refresh_from_db()
    return criterion


def add_penalty_rule(*, part: RubricPart, actor, minutes_over: int, points):
    """An overtime rule of a part: from `minutes_over` minutes over, `points` come off."""
    from scoring.models import PenaltyRule

    if not minutes_over or minutes_over < 1:
        raise DomainError(_("Enter a whole number of minutes from 1."), field="minutes_over")
    points = _setup_decimal(points, "points")
    if points <= 0:
        raise DomainError(_("The points deducted are more than 0."), field="points")
    with transaction.atomic():
        _lock_rubric(part.rubric, actor)
        if PenaltyRule.objects.filter(part=part, minutes_over=minutes_over).exists():
            raise DomainError(
                _("This part already has a rule from this many minutes over."),
                field="minutes_over",
            )
        rule = PenaltyRule(part=part, minutes_over=minutes_over, points=points)
        _refuse_invalid_model_fields(rule, exclude=["part"])
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError as error:
            raise DomainError(
                _("This part already has a rule from this many minutes over."),
                field="minutes_over",
            ) from error
    return rule


def delete_penalty_rule(*, rule, actor) -> None:
    with transaction.atomic():
        _lock_rubric(rule.part.rubric, actor)
        rule.delete()


PRIZE_TIER_ORDER = {
    Prize.Tier.FIRST: 1,
    Prize.Tier.SECOND: 2,
    Prize.Tier.THIRD: 3,
    Prize.Tier.CONSOLATION: 4,
}


def _check_prize_order(prizes: list[Prize]) -> None:
    """Prizes are given down the ranking in their order: a first prize before a second."""
    ranked = sorted((p for p in prizes if p.tier in PRIZE_TIER_ORDER), key=lambda p: p.order)
    tiers = [PRIZE_TIER_ORDER[p.tier] for p in ranked]
    if tiers != sorted(tiers):
        raise DomainError(
            _(
                "Prizes are given down the ranking in their order: a first prize comes before "
                "a second prize, a second before a third, a third before a consolation prize."
            ),
            field="order",
        )


def _refuse_awarded(prize: Prize, message: str) -> None:
    count = prize.awards.count()
    if count:
        raise DomainError(
            message
            + " "
            + ngettext(
                "It has been awarded %(count)d time.",
                "It has been awarded %(count)d times.",
                count,
            )
            % {"count": count}
        )


def save_prize(
    *,
    contest: Contest,
    actor,
    name: str,
    tier: str,
    quota: int = 1,
    min_score=None,
    part: RubricPart | None = None,
    order: int | None = None,
    prize: Prize | None = None,
) -> Prize:
    """Add a prize to the contest, or change one not yet awarded. A special prize goes to
    the best score in a part of a round's rubric."""
    require_role(actor, contest, Role.ORGANISER)
    if prize is not None and prize.contest_id != contest.pk:
        raise DomainError(_("This prize belongs to another contest."))
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("The prize needs a name."), field="name")
    if tier not in Prize.Tier.values:
        raise DomainError(_("Choose one of the listed tiers."), field="tier")
    if not quota or quota < 1:
        raise DomainError(_("A prize goes to at least 1 entry."), field="quota")
    min_score = _setup_decimal(min_score, "min_score", required=False)
    if min_score is not None and min_score < 0:
        raise DomainError(_("Enter 0 or more."), field="min_score")
    if tier == Prize.Tier.SPECIAL and part is None:
        raise DomainError(_("Choose the part a special prize is given for."), field="part")
    if tier != Prize.Tier.SPECIAL and part is not None:
        raise DomainError(_("Only a special prize is given for a part."), field="part")
    if part is not None and part.rubric.round.contest_id != contest.pk:
        raise DomainError(_("Choose a part of a round of this contest."), field="part")
    if order is not None and order < 1:
        raise DomainError(_("The order is a number from 1."), field="order")
    with transaction.atomic():
        Contest.objects.select_for_update().get(pk=contest.pk)
        prizes = {p.pk: p for p in Prize.objects.filter(contest=contest)}
        if prize is None:
            prize = Prize(contest=contest)
            if order is None:
                order = max((p.order for p in prizes.values()), default=0) + 1
        else:
            prize = prizes[prize.pk]
            _refuse_awarded(prize, _("This prize can no longer change."))
            order = order or prize.order
        if any(p.name.lower() == name.lower() for p in prizes.values() if p.pk != prize.pk):
            raise DomainError(_("The contest already has a prize of this name."), field="name")
        if any(p.order == order for p in prizes.values() if p.pk != prize.pk):
            raise DomainError(_("Another prize comes at this place in the order."), field="order")
        prize.name, prize.tier, prize.quota = name, tier, quota
        prize.min_score, prize.part, prize.order = min_score, part, order
        _check_prize_order([p for p in prizes.values() if p.pk != prize.pk] + [prize])
        _refuse_invalid_model_fields(prize, exclude=["contest", "part"])
        try:
            with transaction.atomic():
                prize.save()
        except IntegrityError as error:
            raise DomainError(
                _("The contest already has a prize of this name or at this place."),
                field="name",
            ) from error
    return prize


def delete_prize(*, prize: Prize, actor) -> None:
    """Remove a prize that has never been awarded (awards keep their prize for the record)."""
    require_role(actor, prize.contest, Role.ORGANISER)
    with transaction.atomic():
        locked = Prize.objects.select_for_update().get(pk=prize.pk)
        _refuse_awarded(locked, _("This prize cannot be deleted."))
        locked.delete()
