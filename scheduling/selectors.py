from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

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


def running_order_for_judge(user: AbstractBaseUser, session: Session) -> QuerySet[Slot]:
    """The slots a judge may see and score: never entries of the judge's own unit."""
    seat = seat_of(user, session)
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
    """The slot through which this judge may score this entry in this round, if any."""
    slot = (
        Slot.objects.select_related("session", "entry", "round__contest")
        .filter(round_id=round_id, entry_id=entry_id, session__panel__seats__judge=user)
        .first()
    )
    if slot is None:
        return None
    seat = seat_of(user, slot.session)
    if seat and seat.unit_id and seat.unit_id == slot.entry.unit_id:
        return None
    return slot
