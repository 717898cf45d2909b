from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from config.errors import NotAllowed
from contest.models import Membership, Role
from contest.selectors import roles_of
from scheduling.assignment import JudgeInfo, PanelNeed, Sitting
from scheduling.models import JudgeConflict, Panel, PanelSeat, Round, Session, Slot


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
    (the judges' hot path): the slot with its session, round and entry, and the unit of the
    judge's seat on the session's panel, read from the very seat row the filter matched."""
    if not user.is_authenticated:
        return None
    slot = (
        Slot.objects.select_related("session", "entry", "round")
        .filter(round_id=round_id, entry_id=entry_id, session__panel__seats__judge=user)
        .annotate(seat_unit_id=F("session__panel__seats__unit_id"))
        .first()
    )
    if slot is None:
        return None
    if slot.seat_unit_id and slot.seat_unit_id == slot.entry.unit_id:
        return None
    slot.judging_for = (user.pk, slot.round_id, slot.entry_id)  # what was checked, and for whom
    return slot


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
        .prefetch_related("slots")
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


def presenter_slots(user: AbstractBaseUser) -> QuerySet[Slot]:
    """The slots in which the user presents, in every contest, earliest first."""
    if not user.is_authenticated:
        return Slot.objects.none()
    return (
        Slot.objects.filter(entry__presenters__user=user)
        .select_related("session__room", "round__contest", "entry__initiative", "entry__unit")
        .order_by("session__starts_at", "position", "id")
        .distinct()
    )


def session_end(session: Session) -> datetime:
    """When the session's last presentation ends as planned (or would, before the draw)."""
    ends = [slot.planned_end for slot in session.slots.all() if slot.planned_end]
    if ends:
        return max(ends)
    count = len(session.slots.all())
    return session.starts_at + timedelta(
        minutes=count * session.slot_minutes + max(count - 1, 0) * session.changeover_minutes
    )


def judged_sessions(user: AbstractBaseUser) -> QuerySet[Session]:
    """The sessions the user judges, with their slots (for the end time)."""
    return sessions_for_judge(user).prefetch_related("slots")


def round_schedule_rows(round: Round) -> QuerySet[Slot]:
    """Every slot of the round, session by session in running order, with what a printed
    schedule shows."""
    return (
        Slot.objects.filter(session__round=round)
        .select_related("session__room", "session__panel", "entry__initiative", "entry__unit")
        .prefetch_related("entry__presenters", "session__panel__seats__judge")
        .order_by("session__starts_at", "session__name", "position", "id")
    )
