from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from config import rows
from config.errors import NotAllowed
from contest.models import Entry, Membership, Role
from contest.selectors import roles_of
from scheduling import checks, timing
from scheduling.assignment import JudgeInfo, PanelNeed, Sitting
from scheduling.models import (
    JudgeConflict,
    Panel,
    PanelSeat,
    Room,
    Round,
    ScheduleVersion,
    Session,
    Slot,
)


def seat_of(user: AbstractBaseUser, session: Session) -> PanelSeat | None:
    if not user.is_authenticated or session.panel_id is None:
        return None
    return PanelSeat.objects.filter(panel_id=session.panel_id, judge=user).first()


def sessions_for_judge(user: AbstractBaseUser) -> QuerySet[Session]:
    return (
        Session.objects.filter(panel__seats__judge=user)
        .select_related("round__contest", "room", "panel")
        .order_by("starts_at")
    )


def running_order_for_judge(
    user: AbstractBaseUser, session: Session, seat: PanelSeat | None = None
) -> QuerySet[Slot]:
    """The slots a judge may see and score: never entries of the judge's own unit. `seat`:
    the judge's seat on the session's panel, when the caller has it already."""
    seat = seat or seat_of(user, session)
    if seat is None:
        return Slot.objects.none()
    slots = (
        Slot.objects.filter(session=session)
        .select_related("entry__initiative", "entry__unit")
        .prefetch_related("entry__presenters")
        .order_by("position", "id")
    )
    if seat.unit_id:
        slots = slots.exclude(entry__unit_id=seat.unit_id)
    return slots


def slot_for_judging(user: AbstractBaseUser, round_id: int, entry_id: int) -> Slot | None:
    """The slot through which this judge may score this entry in this round, if any. One query
    (the judges' hot path, in SQL of its own: compiling it as an ORM query cost more than
    running it): the slot with its session, round and entry, and the unit of the judge's seat
    on the session's panel, read from the very seat row the join matched."""
    if not user.is_authenticated:
        return None
    with connection.cursor() as cursor:
        cursor.execute(slot_for_judging_sql(), [user.pk, round_id, entry_id])
        return judging_slot_from_row(user, cursor.fetchone())


def judging_slot_from_row(user: AbstractBaseUser, row: tuple | None) -> Slot | None:
    """The slot of a row of slot_for_judging_sql (which may carry more columns after its
    own), or None when there is no row or the seat is of the entry's own unit."""
    if row is None:
        return None
    slot, session, entry, round = rows.instances(row, *JUDGING_SLOT_MODELS)
    slot.session, slot.entry, slot.round = session, entry, round
    slot.seat_unit_id = row[rows.width(*JUDGING_SLOT_MODELS)]
    if slot.seat_unit_id and slot.seat_unit_id == entry.unit_id:
        return None
    slot.judging_for = (user.pk, slot.round_id, slot.entry_id)  # what was checked, and for whom
    return slot


JUDGING_SLOT_MODELS = (Slot, Session, Entry, Round)


@cache
def slot_for_judging_sql() -> str:  # built once, when first needed (the models are loaded)
    """Parameters: the judge's id, the round's, the entry's. Columns: those of
    JUDGING_SLOT_MODELS, then the unit of the judge's seat."""
    return f"""
        SELECT {rows.columns(Slot, "slot")}, {rows.columns(Session, "sess")},
               {rows.columns(Entry, "ent")}, {rows.columns(Round, "rnd")}, seat.unit_id
        FROM {rows.table(Slot)} AS slot
        JOIN {rows.table(Session)} AS sess ON sess.id = slot.session_id
        JOIN {rows.table(PanelSeat)} AS seat
             ON seat.panel_id = sess.panel_id AND seat.judge_id = %s
        JOIN {rows.table(Entry)} AS ent ON ent.id = slot.entry_id
        JOIN {rows.table(Round)} AS rnd ON rnd.id = slot.round_id
        WHERE slot.round_id = %s AND slot.entry_id = %s
        ORDER BY slot.id
        LIMIT 1
    """


def heads_panel(user: AbstractBaseUser, session: Session) -> bool:
    """Whether the user sits as head judge on the session's panel."""
    return (
        user.is_authenticated
        and session.panel_id is not None
        and PanelSeat.objects.filter(
            panel_id=session.panel_id, judge=user, role=PanelSeat.Role.HEAD_JUDGE
        ).exists()
    )


def require_session_staff(user: AbstractBaseUser, session: Session, *roles: str) -> None:
    """Allow the contest `roles` (organisers, secretaries) on every session, and a head judge
    only on a session whose panel they head: heading one panel gives no say over another."""
    if roles_of(user, session.round.contest) & set(roles) or heads_panel(user, session):
        return
    raise NotAllowed(_("You do not have permission to do this in this session."))


def session_of(round_id: int, entry_id: int) -> Session | None:
    """The session of a round in which the entry presents."""
    slot = (
        Slot.objects.filter(round_id=round_id, entry_id=entry_id)
        .select_related("session__round__contest")
        .first()
    )
    return slot.session if slot else None


def sessions_headed_by(user: AbstractBaseUser, round_id: int) -> QuerySet[Session]:
    return Session.objects.filter(
        round_id=round_id,
        panel__seats__judge=user,
        panel__seats__role=PanelSeat.Role.HEAD_JUDGE,
    )


@dataclass
class AssignmentInput:
    """A round's judge assignment problem as plain data, and the rows it was read from."""

    panels: list[PanelNeed]
    judges: list[JudgeInfo]
    previous: set[tuple[int, int]]  # (judge id, panel id) seats in force
    panel_rows: dict[int, Panel] = field(default_factory=dict)
    # Every session of the round's panels, this round's and other rounds'.
    sessions: list[Session] = field(default_factory=list)
    seat_units: dict[int, int | None] = field(default_factory=dict)  # judge id → own unit


def judge_assignment_input(round: Round) -> AssignmentInput:
    """The panels of the round's sessions (with every session they sit in, in any round, since
    seats belong to the panel), the contest's judge pool with their own units, whether they may
    head a panel (a head-judge membership) and their declared conflicts. A fixed number of
    queries, whatever the size of the round."""
    contest_id = round.contest_id
    panel_ids = set(
        Session.objects.filter(round=round, panel__isnull=False).values_list("panel_id", flat=True)
    )
    panel_rows = {panel.pk: panel for panel in Panel.objects.filter(pk__in=panel_ids)}
    sessions = list(
        Session.objects.filter(panel_id__in=panel_ids)
        .select_related("round")
        .prefetch_related("slots", "breaks")
        .order_by("starts_at", "pk")
    )
    sittings: dict[int, list[Sitting]] = defaultdict(list)
    for session in sessions:
        sittings[session.panel_id].append(Sitting(session.starts_at, session_end(session)))
    entries: dict[int, set[int]] = defaultdict(set)
    units: dict[int, set[int]] = defaultdict(set)
    for panel_id, entry_id, unit_id in Slot.objects.filter(
        session__panel_id__in=panel_ids
    ).values_list("session__panel_id", "entry_id", "entry__unit_id"):
        entries[panel_id].add(entry_id)
        units[panel_id].add(unit_id)
    panels = [
        PanelNeed(
            key=panel.pk,
            name=panel.name,
            size=panel.minimum_size,
            sittings=tuple(sittings[panel.pk]),
            entries=frozenset(entries[panel.pk]),
            units=frozenset(units[panel.pk]),
        )
        for panel in sorted(panel_rows.values(), key=lambda panel: (panel.name, panel.pk))
    ]

    pool: dict[int, dict] = {}
    for user_id, username, role, unit_id in (
        Membership.objects.filter(contest_id=contest_id, role__in=[Role.JUDGE, Role.HEAD_JUDGE])
        .order_by("user_id", "role")
        .values_list("user_id", "user__username", "role", "unit_id")
    ):
        judge = pool.setdefault(user_id, {"name": username, "units": set(), "head": False})
        judge["head"] |= role == Role.HEAD_JUDGE
        if unit_id is not None:
            judge["units"].add(unit_id)
    conflict_entries: dict[int, set[int]] = defaultdict(set)
    conflict_units: dict[int, set[int]] = defaultdict(set)
    for judge_id, entry_id, unit_id in JudgeConflict.objects.filter(
        contest_id=contest_id
    ).values_list("judge_id", "entry_id", "unit_id"):
        if entry_id is not None:
            conflict_entries[judge_id].add(entry_id)
        if unit_id is not None:
            conflict_units[judge_id].add(unit_id)
    judges = [
        JudgeInfo(
            key=user_id,
            name=judge["name"],
            units=frozenset(judge["units"]),
            head_capable=judge["head"],
            conflict_entries=frozenset(conflict_entries[user_id]),
            conflict_units=frozenset(conflict_units[user_id]),
        )
        for user_id, judge in sorted(pool.items())
    ]
    previous = set(
        PanelSeat.objects.filter(panel_id__in=panel_ids).values_list("judge_id", "panel_id")
    )
    return AssignmentInput(
        panels=panels,
        judges=judges,
        previous=previous,
        panel_rows=panel_rows,
        sessions=sessions,
        seat_units={
            user_id: min(judge["units"]) if judge["units"] else None
            for user_id, judge in pool.items()
        },
    )


# --------------------------------------------------------------------------- own schedules


def session_end(session: Session) -> datetime:
    """When the session's last presentation ends as planned (or would, before the draw).
    Uses the session's prefetched slots and breaks when there are."""
    ends = [slot.planned_end for slot in session.slots.all() if slot.planned_end]
    if ends:
        return max(ends)
    return timing.session_end(
        session.starts_at,
        len(session.slots.all()),
        session.slot_minutes,
        session.changeover_minutes,
        {b.after_position: b.minutes for b in session.breaks.all()},
    )


def round_schedule_rows(round: Round) -> QuerySet[Slot]:
    """Every slot of the round, session by session in running order, with what a printed
    schedule shows."""
    return (
        Slot.objects.filter(session__round=round)
        .select_related("session__room", "session__panel", "entry__initiative", "entry__unit")
        .prefetch_related("entry__presenters", "session__panel__seats__judge__person")
        .order_by("session__starts_at", "session__name", "position", "id")
    )


# --------------------------------------------------------------------------- problems, versions


def _sessions_with_everything(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.select_related("room", "panel", "round").prefetch_related(
        "breaks",
        "panel__seats",
        "slots__entry__initiative",
        "slots__entry__unit",
        "slots__entry__presenters",
    )


def _sitting(session: Session) -> checks.Sitting:
    end = session_end(session)
    presentations = tuple(
        checks.Presentation(
            entry=slot.entry_id,
            unit=slot.entry.unit_id,
            start=slot.planned_start or session.starts_at,
            end=slot.planned_end or end,
            presenters=frozenset(person.pk for person in slot.entry.presenters.all()),
            title=slot.entry.initiative.title,
        )
        for slot in session.slots.all()
    )
    seats = session.panel.seats.all() if session.panel_id else []
    return checks.Sitting(
        key=session.pk,
        name=session.name,
        start=session.starts_at,
        end=end,
        room=session.room_id,
        judges=frozenset(seat.judge_id for seat in seats),
        panel_minimum=session.panel.minimum_size if session.panel_id else 0,
        presentations=presentations,
    )


def schedule_problems(round: Round) -> tuple[list[checks.Problem], dict[int, Session]]:
    """The problems that concern the round's sessions, checked against every session of the
    contest (a judge or a room may be taken by another round), with the sessions involved."""
    sessions = {
        session.pk: session
        for session in _sessions_with_everything(
            Session.objects.filter(round__contest_id=round.contest_id)
        )
    }
    judge_units: dict[int, set[int]] = defaultdict(set)
    for session in sessions.values():
        for seat in session.panel.seats.all() if session.panel_id else []:
            if seat.unit_id:
                judge_units[seat.judge_id].add(seat.unit_id)
    rooms = [
        checks.RoomHours(room.pk, room.name, room.available_from, room.available_until)
        for room in Room.objects.filter(contest_id=round.contest_id)
    ]
    problems = checks.find_problems(
        [_sitting(session) for session in sessions.values()],
        rooms,
        judge_units,
        round.problem_severities,
    )
    mine = {pk for pk, session in sessions.items() if session.round_id == round.pk}
    return [p for p in problems if mine & set(p.sessions)], sessions


def schedule_snapshot(round: Round) -> dict:
    """The round's schedule as plain JSON data, as a version stores it."""
    sessions = _sessions_with_everything(round.sessions.all()).order_by("starts_at", "name")
    return {
        "round": round.pk,
        "sessions": [
            {
                "id": session.pk,
                "name": session.name,
                "room": session.room.name if session.room_id else "",
                "starts_at": session.starts_at.isoformat(),
                "ends_at": session_end(session).isoformat(),
                "judges": sorted(
                    seat.judge_id
                    for seat in (session.panel.seats.all() if session.panel_id else [])
                ),
                "breaks": [
                    {"after": b.after_position, "minutes": b.minutes, "label": b.label}
                    for b in session.breaks.all()
                ],
                "slots": [
                    {
                        "entry": slot.entry_id,
                        "position": slot.position,
                        "start": slot.planned_start.isoformat() if slot.planned_start else None,
                        "end": slot.planned_end.isoformat() if slot.planned_end else None,
                        "title": slot.entry.initiative.title,
                        "unit": slot.entry.unit.name,
                        "presenters": [p.full_name for p in slot.entry.presenters.all()],
                        "presenter_users": sorted(
                            p.user_id for p in slot.entry.presenters.all() if p.user_id
                        ),
                    }
                    for slot in sorted(
                        session.slots.all(), key=lambda s: (s.position or 10**6, s.pk)
                    )
                ],
            }
            for session in sessions
        ],
    }


def newest_schedule_version(round: Round) -> ScheduleVersion | None:
    return round.schedule_versions.order_by("-number").first()


@dataclass(frozen=True)
class PublishedSlot:
    contest: str
    round: str
    session_id: int
    session: str
    room: str
    position: int | None
    start: datetime | None
    end: datetime | None
    title: str
    entry: int | None = None


def published_schedule_for(user: AbstractBaseUser) -> tuple[list, list]:
    """From the newest published version of each round: the slots the user presents in, and
    the sessions they judge (session, start, end). The working copy is not shown."""
    if not user.is_authenticated:
        return [], []
    rounds = Round.objects.filter(
        Q(contest__memberships__user=user) | Q(slots__entry__presenters__user=user)
    ).values("id")
    versions: dict[int, ScheduleVersion] = {}
    for version in (
        ScheduleVersion.objects.filter(round_id__in=rounds)
        .select_related("round__contest")
        .order_by("round_id", "-number")
    ):
        versions.setdefault(version.round_id, version)
    presenting, judging = [], []
    for version in versions.values():
        contest, round_name = version.round.contest.name, version.round.name
        for session in version.snapshot["sessions"]:
            starts_at = datetime.fromisoformat(session["starts_at"])
            if user.pk in session["judges"]:
                judging.append(
                    PublishedSlot(
                        contest,
                        round_name,
                        session["id"],
                        session["name"],
                        session["room"],
                        None,
                        starts_at,
                        datetime.fromisoformat(session["ends_at"]),
                        "",
                    )
                )
            for slot in session["slots"]:
                if user.pk in slot["presenter_users"]:
                    presenting.append(
                        PublishedSlot(
                            contest,
                            round_name,
                            session["id"],
                            session["name"],
                            session["room"],
                            slot["position"],
                            datetime.fromisoformat(slot["start"]) if slot["start"] else None,
                            datetime.fromisoformat(slot["end"]) if slot["end"] else None,
                            slot["title"],
                            slot["entry"],
                        )
                    )

    def when(item: PublishedSlot):
        return (item.start is None, item.start or datetime.min, item.session, item.position or 0)

    return sorted(presenting, key=when), sorted(judging, key=when)


def rubric_part_minutes(round: Round) -> list[tuple[str, object]]:
    """The parts of the round's rubric with the minutes each allows on stage (the rubric is
    the scoring app's; read here through the round, as the schedule is planned from it)."""
    rubric = getattr(round, "rubric", None)  # None: no rubric yet
    if rubric is None:
        return []
    return list(rubric.parts.order_by("order").values_list("name", "minutes"))
