from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from config.errors import NotAllowed
from contest.selectors import roles_of
from scheduling.models import PanelSeat, Session, Slot


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
