from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, QuerySet, Subquery

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
    """The slot through which this judge may score this entry in this round, if any: one query,
    with the round, its contest, the entry and the session, and the judge's seat unit."""
    if not user.is_authenticated:
        return None
    seat_unit = PanelSeat.objects.filter(panel_id=OuterRef("session__panel_id"), judge=user)
    slot = (
        Slot.objects.select_related("session", "entry", "round__contest")
        .filter(round_id=round_id, entry_id=entry_id, session__panel__seats__judge=user)
        .annotate(seat_unit_id=Subquery(seat_unit.values("unit_id")[:1]))
        .first()
    )
    if slot is None:
        return None
    if slot.seat_unit_id and slot.seat_unit_id == slot.entry.unit_id:
        return None
    slot.judging_for = (user.pk, slot.round_id, slot.entry_id)  # what was checked, and for whom
    return slot
