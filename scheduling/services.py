"""Writes of the scheduling app: panels, sessions, the drawn running order, round status."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.errors import DomainError
from contest.models import Contest, Entry, Membership, Role
from contest.selectors import require_role
from scheduling import draw
from scheduling.models import Draw, Panel, PanelSeat, Room, Round, RoundTransition, Session, Slot
from scheduling.selectors import require_session_staff
from scheduling.signals import round_closed


@dataclass(frozen=True)
class SeatInput:
    judge: object  # a User
    head: bool = False


def create_panel(*, contest: Contest, name: str, seats: list[SeatInput], actor) -> Panel:
    """Seat judges of this contest on a panel. Each seat takes the judge's own unit from their
    membership, so the conflict-of-interest rule never depends on what the caller sent."""
    require_role(actor, contest, Role.ORGANISER)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("The panel needs a name."), field="name")
    if not seats:
        raise DomainError(_("Seat at least one judge."), field="judges")
    if sum(1 for seat in seats if seat.head) > 1:
        raise DomainError(_("A panel has one head judge."), field="head_judge")
    if len({seat.judge.pk for seat in seats}) != len(seats):
        raise DomainError(_("A judge is listed twice."), field="judges")
    units = dict(
        Membership.objects.filter(
            contest=contest,
            user__in=[seat.judge for seat in seats],
            role__in=[Role.JUDGE, Role.HEAD_JUDGE],
        ).values_list("user_id", "unit_id")
    )
    strangers = [seat.judge.get_username() for seat in seats if seat.judge.pk not in units]
    if strangers:
        raise DomainError(
            _("Not a judge of this contest: %(users)s") % {"users": ", ".join(strangers)},
            field="judges",
        )
    try:
        with transaction.atomic():
            panel = Panel.objects.create(contest=contest, name=name)
            PanelSeat.objects.bulk_create(
                PanelSeat(
                    panel=panel,
                    judge=seat.judge,
                    unit_id=units[seat.judge.pk],
                    role=PanelSeat.Role.HEAD_JUDGE if seat.head else PanelSeat.Role.JUDGE,
                    order=order,
                )
                for order, seat in enumerate(seats, start=1)
            )
    except IntegrityError as error:
        raise DomainError(_("A panel with this name already exists."), field="name") from error
    return panel


def create_session(
    *,
    round: Round,
    name: str,
    starts_at: datetime,
    panel: Panel,
    actor,
    room_name: str = "",
    entries: list[Entry] | None = None,
) -> Session:
    """A session of a round before a panel; by default it takes every approved entry not yet
    placed in another session of the round."""
    contest = round.contest
    require_role(actor, contest, Role.ORGANISER)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("The session needs a name."), field="name")
    if panel.contest_id != contest.pk:
        raise DomainError(_("The panel belongs to another contest."), field="panel")
    if entries is None:
        entries = list(
            Entry.objects.filter(contest=contest, status=Entry.Status.APPROVED)
            .exclude(slots__round=round)
            .order_by("id")
        )
    for entry in entries:
        if entry.contest_id != contest.pk or entry.status != Entry.Status.APPROVED:
            raise DomainError(
                _("Only approved entries of this contest can be scheduled."), field="entries"
            )
    if not entries:
        raise DomainError(_("There is no approved entry left to schedule."), field="entries")
    try:
        with transaction.atomic():
            room = None
            if room_name.strip():
                room, _created = Room.objects.get_or_create(contest=contest, name=room_name.strip())
            session = Session.objects.create(
                round=round, name=name, starts_at=starts_at, panel=panel, room=room
            )
            Slot.objects.bulk_create(
                Slot(session=session, round=round, entry=entry) for entry in entries
            )
    except IntegrityError as error:
        raise DomainError(
            _("A session with this name exists, or an entry is already in this round."),
            field="name",
        ) from error
    return session


def draw_running_order(
    *, session: Session, actor, witnesses: str = "", reason: str = "", seed: str | None = None
) -> Draw:
    """Draw the session's running order from a fresh cryptographic seed, and record it all."""
    require_role(actor, session.round.contest, Role.ORGANISER)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        previous = Draw.objects.filter(session=session, is_current=True).first()
        if previous and not reason.strip():
            raise DomainError(_("A redraw needs a reason."), field="reason")
        if session.round.status != Round.Status.PLANNED and previous:
            raise DomainError(_("The round has started; the order can no longer be redrawn."))
        slots = {str(slot.entry_id): slot for slot in session.slots.all()}
        if not slots:
            raise DomainError(_("The session has no entries to draw."))
        canonical = sorted(slots, key=int)
        seed = seed or draw.new_seed()
        order = draw.draw_order(canonical, seed)
        if previous:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        # Clear positions first: the (session, position) constraint holds at every statement.
        session.slots.update(position=None)
        step = timedelta(minutes=session.slot_minutes)
        gap = timedelta(minutes=session.changeover_minutes)
        start = session.starts_at
        for position, entry_id in enumerate(order, start=1):
            slot = slots[entry_id]
            slot.position = position
            slot.planned_start = start
            slot.planned_end = start + step
            start = slot.planned_end + gap
        Slot.objects.bulk_update(slots.values(), ["position", "planned_start", "planned_end"])
        return Draw.objects.create(
            session=session,
            algorithm=draw.ALGORITHM,
            seed=seed,
            input_entries=[int(e) for e in canonical],
            result_entries=[int(e) for e in order],
            witnesses=witnesses.strip(),
            reason=reason.strip(),
            drawn_by=actor,
        )


# A round goes planned → open → closed; reopening a closed round needs a reason.
ROUND_TRANSITIONS = {
    Round.Status.PLANNED: {Round.Status.OPEN},
    Round.Status.OPEN: {Round.Status.CLOSED},
    Round.Status.CLOSED: {Round.Status.OPEN},
}


def set_round_status(*, round: Round, status: str, actor, reason: str = "") -> Round:
    require_role(actor, round.contest, Role.ORGANISER)
    if status not in Round.Status.values:
        raise DomainError(_("Unknown status."), field="status")
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.status == status:
            return locked
        if status not in ROUND_TRANSITIONS[locked.status]:
            raise DomainError(
                _("A round cannot go from %(old)s to %(new)s.")
                % {"old": locked.get_status_display(), "new": Round.Status(status).label},
                field="status",
            )
        if locked.status == Round.Status.CLOSED and not reason:
            raise DomainError(_("Give a reason for reopening the round."), field="reason")
        if status == Round.Status.OPEN and not locked.slots.filter(position__isnull=False).exists():
            raise DomainError(_("Draw the running order before opening the round for scoring."))
        RoundTransition.objects.create(
            round=locked, from_status=locked.status, to_status=status, actor=actor, reason=reason
        )
        locked.status = status
        locked.save(update_fields=["status"])
        if status == Round.Status.CLOSED:
            round_closed.send(sender=Round, round=locked, actor=actor)
    round.status = locked.status
    return locked


def advance_session(*, session: Session, position: int, actor) -> Session:
    """Mark which slot is now on stage (secretary or head judge)."""
    require_session_staff(actor, session, Role.ORGANISER, Role.SECRETARY)
    if not session.slots.filter(position=position).exists():
        raise DomainError(_("There is no slot at this position."), field="position")
    session.current_position = position
    session.save(update_fields=["current_position"])
    return session
