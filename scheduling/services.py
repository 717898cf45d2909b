"""Writes of the scheduling app: panels, sessions, the drawn running order, round status."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from config.errors import DomainError
from contest.models import Contest, Entry, Membership, Role
from contest.selectors import require_role
from scheduling import assignment, checks, clusters, draw, selectors, timing
from scheduling.models import (
    Break,
    Draw,
    JudgeConflict,
    Panel,
    PanelSeat,
    Room,
    Round,
    RoundTransition,
    ScheduleVersion,
    Session,
    Slot,
)
from scheduling.selectors import judge_assignment_input, require_session_staff
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
        _place_in_order(session, [int(entry_id) for entry_id in order])
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
        if status == Round.Status.OPEN and locked.contest.status != Contest.Status.JUDGING:
            raise DomainError(
                _("Scoring opens once the contest is in judging (now: %(status)s).")
                % {"status": locked.contest.get_status_display()},
                field="status",
            )
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


def _judge_of(contest: Contest, judge) -> None:
    if not Membership.objects.filter(
        contest=contest, user=judge, role__in=[Role.JUDGE, Role.HEAD_JUDGE]
    ).exists():
        raise DomainError(
            _("Not a judge of this contest: %(users)s") % {"users": judge.get_username()},
            field="judge",
        )


def declare_judge_conflict(
    *, contest: Contest, judge, actor, entry: Entry | None = None, unit=None, reason: str = ""
) -> JudgeConflict:
    """Record a judge's conflict of interest with one entry or a whole unit, before judges are
    assigned: the assignment then keeps the judge off any panel that sees it."""
    require_role(actor, contest, Role.ORGANISER)
    _judge_of(contest, judge)
    if (entry is None) == (unit is None):
        raise DomainError(_("Name either an entry or a unit."), field="entry")
    if entry is not None and entry.contest_id != contest.pk:
        raise DomainError(_("An entry is not part of this contest."), field="entry")
    try:
        with transaction.atomic():
            return JudgeConflict.objects.create(
                contest=contest, judge=judge, entry=entry, unit=unit, reason=reason.strip()
            )
    except IntegrityError as error:
        raise DomainError(_("This conflict is already declared.")) from error


# How each rule that judge assignment could not meet is told to the organiser.
INFEASIBLE_MESSAGES = {
    "no_head_in_pool": gettext_lazy(
        "No judge in the pool can head a panel: give experienced judges the head judge role."
    ),
    "judges_overall": gettext_lazy(
        "Not enough judges overall: panel '%(panel)s' needs %(needed)d judges but the pool "
        "has %(available)d."
    ),
    "panel_conflicts": gettext_lazy(
        "Panel '%(panel)s' needs %(needed)d judges but only %(available)d judges have no "
        "conflict with its entries and are free at that time."
    ),
    "panel_head": gettext_lazy(
        "No head judge available for panel '%(panel)s': none of the %(heads)d judges able to "
        "head a panel is free of conflicts with its entries."
    ),
    "simultaneous_seats": gettext_lazy(
        "Panels %(panels)s sit at the same time and need %(needed)d judges in all, but at "
        "most %(available)d judges can sit on them, each on one panel and none with a conflict."
    ),
    "simultaneous_heads": gettext_lazy(
        "Panels %(panels)s sit at the same time and each needs a head judge, but at most "
        "%(available)d judges able to head a panel are free for them."
    ),
    "combination": gettext_lazy(
        "Panels %(panels)s cannot all be seated: these rules clash: %(rules)s."
    ),
    "undecided": gettext_lazy("No assignment was found within %(seconds)s seconds; try again."),
}
RULE_NAMES = {
    assignment.SIZE: gettext_lazy("every panel filled to its size"),
    assignment.HEAD: gettext_lazy("a head judge on every panel"),
    assignment.OVERLAP: gettext_lazy("no judge on two panels sitting at the same time"),
    assignment.CONFLICT: gettext_lazy(
        "no judge on a panel seeing an entry of their unit or a declared conflict"
    ),
}


def describe_infeasibility(error: assignment.Infeasible) -> str:
    """The rules judge assignment could not meet, in the user's language."""
    sentences = []
    for reason in error.reasons:
        params = dict(reason.params)
        if reason.code == "combination":
            params["rules"] = "; ".join(str(RULE_NAMES[rule]) for rule in params["rules"])
        template = INFEASIBLE_MESSAGES.get(reason.code)
        sentences.append(str(template) % params if template else reason.message)
    return " ".join(sentences)


def assign_judges(*, round: Round, actor) -> assignment.Assignment:
    """Seat the contest's judges on every panel of the round's sessions, replacing the seats in
    force: each panel filled to its size, a head judge on each, nobody on a panel that sees an
    entry of their unit or a declared conflict, nobody on two panels sitting at once, and the
    entries to score balanced between judges. All or nothing: when no valid assignment exists,
    a DomainError says which rule cannot be met and the seats in force stay as they were."""
    contest = round.contest
    require_role(actor, contest, Role.ORGANISER)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.status != Round.Status.PLANNED:
            raise DomainError(_("The round has started; its judges can no longer be reassigned."))
        problem = judge_assignment_input(locked)
        if not problem.panels:
            raise DomainError(_("Give the round's sessions a panel before assigning judges."))
        for session in problem.sessions:
            if session.round.status != Round.Status.PLANNED:
                raise DomainError(
                    _(
                        "Panel '%(panel)s' also judges %(round)s, which has started; give this "
                        "round panels of its own."
                    )
                    % {
                        "panel": problem.panel_rows[session.panel_id].name,
                        "round": session.round.name,
                    }
                )
        try:
            result = assignment.assign_judges(
                problem.panels, problem.judges, previous=problem.previous
            )
        except assignment.Infeasible as error:
            raise DomainError(describe_infeasibility(error), code="infeasible") from error
        PanelSeat.objects.filter(panel_id__in=problem.panel_rows).delete()
        PanelSeat.objects.bulk_create(
            PanelSeat(
                panel_id=panel_id,
                judge_id=judge_id,
                unit_id=problem.seat_units.get(judge_id),
                role=PanelSeat.Role.HEAD_JUDGE
                if judge_id == result.heads[panel_id]
                else PanelSeat.Role.JUDGE,
                order=order,
            )
            for panel_id, judges in result.seats.items()
            for order, judge_id in enumerate(judges, start=1)
        )
    return result


# --------------------------------------------------------------------------- session builder


def build_sessions(
    *,
    round: Round,
    count: int,
    starts_at: datetime,
    actor,
    by_field: bool = False,
    units_apart: bool = True,
    rooms: list[str] | None = None,
) -> list[Session]:
    """Distribute the round's approved entries not yet placed into ``count`` new parallel
    sessions (clusters "Cụm 1", "Cụm 2"...), each with a panel of its own for the judge
    assignment to fill. All or nothing."""
    contest = round.contest
    require_role(actor, contest, Role.ORGANISER)
    if round.status != Round.Status.PLANNED:
        raise DomainError(_("Sessions can only be built while the round is planned."))
    rooms = [name.strip() for name in (rooms or []) if name.strip()]
    if rooms and len(rooms) != count:
        raise DomainError(
            _("Give one room per session (%(count)d), or none.") % {"count": count},
            field="rooms",
        )
    entries = list(
        Entry.objects.filter(contest=contest, status=Entry.Status.APPROVED)
        .exclude(slots__round=round)
        .select_related("initiative")
        .order_by("id")
    )
    if not entries:
        raise DomainError(_("There is no approved entry left to schedule."), field="count")
    try:
        groups = clusters.build_sessions(
            [clusters.EntryInfo(e.pk, e.unit_id, e.initiative.field) for e in entries],
            count,
            by_field=by_field,
            units_apart=units_apart,
        )
    except clusters.ClusterError:
        raise DomainError(
            _("%(count)d sessions for %(entries)d entries would leave a session empty.")
            % {"count": count, "entries": len(entries)},
            field="count",
        ) from None
    by_id = {entry.pk: entry for entry in entries}
    try:
        with transaction.atomic():
            Round.objects.select_for_update().get(pk=round.pk)
            created = _create_clusters(round, contest, groups, by_id, starts_at, rooms)
    except IntegrityError as error:
        raise DomainError(
            _("The sessions changed meanwhile (built twice?): reload the page and try again."),
            field="count",
        ) from error
    return created


def _create_clusters(round, contest, groups, by_id, starts_at, rooms) -> list[Session]:
    """Sessions "Cụm n", numbered from the first names free in the round, each with a panel of
    its own."""
    sessions_taken = set(round.sessions.values_list("name", flat=True))
    panels_taken = set(contest.panels.values_list("name", flat=True))
    names, number = [], 1
    while len(names) < len(groups):
        name = f"Cụm {number}"
        if name not in sessions_taken and f"{round.name} · {name}" not in panels_taken:
            names.append(name)
        number += 1
    created = []
    for index, (name, keys) in enumerate(zip(names, groups, strict=True)):
        room = None
        if rooms:
            room, _created = Room.objects.get_or_create(contest=contest, name=rooms[index])
        panel = Panel.objects.create(contest=contest, name=f"{round.name} · {name}")
        session = Session.objects.create(
            round=round, name=name, starts_at=starts_at, panel=panel, room=room
        )
        Slot.objects.bulk_create(
            Slot(session=session, round=round, entry=by_id[key]) for key in keys
        )
        created.append(session)
    return created


def move_entry_to_session(*, slot: Slot, session: Session, actor) -> Slot:
    """Move an entry to another session of the round before either is drawn."""
    require_role(actor, slot.round.contest, Role.ORGANISER)
    if session.round_id != slot.round_id:
        raise DomainError(_("The session belongs to another round."), field="session")
    with transaction.atomic():
        # Locked as a draw locks its session: no draw slips in between the check and the move.
        list(Session.objects.select_for_update().filter(pk__in={slot.session_id, session.pk}))
        drawn = Draw.objects.filter(session_id__in={slot.session_id, session.pk}, is_current=True)
        if drawn.exists():
            raise DomainError(
                _("The running order is drawn: move the entry within its session instead."),
                field="session",
            )
        slot.session = session
        slot.position = slot.planned_start = slot.planned_end = None
        slot.save(update_fields=["session", "position", "planned_start", "planned_end"])
    return slot


def move_slot(*, slot: Slot, position: int, reason: str, actor) -> Draw:
    """Move one drawn slot to another place in its session's running order (a presenter who
    must leave early), with a reason. The others keep their relative order; the change is
    recorded as a new draw record ("manual") and the drawn one stays in the record."""
    session = slot.session
    require_role(actor, session.round.contest, Role.ORGANISER)
    if not reason.strip():
        raise DomainError(_("Give the reason for the change."), field="reason")
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        current = Draw.objects.filter(session=session, is_current=True).first()
        if current is None:
            raise DomainError(_("Draw the running order first."), field="position")
        order = [s.entry_id for s in session.slots.order_by("position", "id")]
        # What is on stage or over stays where it is: the tablets follow these places.
        first_free = (session.current_position or 0) + 1
        if not first_free <= position <= len(order):
            raise DomainError(
                _("Choose a place from %(first)d to %(last)d.")
                % {"first": first_free, "last": len(order)},
                field="position",
            )
        if order.index(slot.entry_id) + 1 < first_free:
            raise DomainError(
                _("This entry has presented already or is on stage."), field="position"
            )
        order.remove(slot.entry_id)
        order.insert(position - 1, slot.entry_id)
        _place_in_order(session, order)
        current.is_current = False
        current.save(update_fields=["is_current"])
        return Draw.objects.create(
            session=session,
            algorithm=MANUAL_CHANGE,
            seed=current.seed,
            input_entries=current.result_entries,
            result_entries=order,
            witnesses=current.witnesses,
            reason=reason.strip(),
            drawn_by=actor,
        )


# The record of a hand-made change of the running order (not reproducible from a seed).
MANUAL_CHANGE = "manual"


def _place_in_order(session: Session, order: list[int]) -> None:
    """Number the session's slots in ``order`` (entry ids) and plan their times, breaks
    included."""
    slots = {slot.entry_id: slot for slot in session.slots.all()}
    # Clear positions first: the (session, position) constraint holds at every statement.
    session.slots.update(position=None)
    times = timing.planned_times(
        session.starts_at,
        len(order),
        session.slot_minutes,
        session.changeover_minutes,
        dict(session.breaks.values_list("after_position", "minutes")),
    )
    for position, (entry_id, (start, end)) in enumerate(zip(order, times, strict=True), start=1):
        slot = slots[entry_id]
        slot.position, slot.planned_start, slot.planned_end = position, start, end
    Slot.objects.bulk_update(slots.values(), ["position", "planned_start", "planned_end"])


# --------------------------------------------------------------------------- problems, publishing


def describe_problem(problem: checks.Problem, sessions: dict[int, Session]) -> str:
    """The problem in words for the organiser."""
    names = ", ".join(
        f"{sessions[key].round.name} · {sessions[key].name}" if key in sessions else str(key)
        for key in problem.sessions
    )
    subject = problem.subject
    if problem.code == checks.ROOM_DOUBLE_BOOKED:
        room = next((s.room.name for s in sessions.values() if s.room_id == subject), str(subject))
        return _("Room %(room)s is used by two sessions at once: %(sessions)s.") % {
            "room": room,
            "sessions": names,
        }
    if problem.code == checks.JUDGE_DOUBLE_BOOKED:
        return _("A judge (%(judge)s) sits in two sessions at once: %(sessions)s.") % {
            "judge": _judge_name(subject),
            "sessions": names,
        }
    if problem.code == checks.PRESENTER_DOUBLE_BOOKED:
        return _("A presenter (%(person)s) is due in two places at once: %(sessions)s.") % {
            "person": _person_name(subject),
            "sessions": names,
        }
    if problem.code == checks.JUDGE_OWN_UNIT:
        return ngettext(
            "A judge (%(judge)s) sits in %(sessions)s, which hears %(count)d entry of their "
            "own unit: they will not score it.",
            "A judge (%(judge)s) sits in %(sessions)s, which hears %(count)d entries of their "
            "own unit: they will not score them.",
            len(problem.details.get("entries", ())),
        ) % {
            "judge": _judge_name(subject),
            "sessions": names,
            "count": len(problem.details.get("entries", ())),
        }
    if problem.code == checks.PANEL_TOO_SMALL:
        return _(
            "The panel of %(sessions)s has %(judges)d judges; it needs at least %(minimum)d."
        ) % {
            "sessions": names,
            "judges": problem.details["judges"],
            "minimum": problem.details["minimum"],
        }
    if problem.code == checks.ROOM_UNAVAILABLE:
        return _("%(sessions)s runs outside the hours its room is available.") % {"sessions": names}
    return f"{problem.code}: {names}"


def _judge_name(user_id) -> str:
    from django.contrib.auth import get_user_model

    from contest.templatetags.people import display_name

    user = get_user_model().objects.filter(pk=user_id).select_related("person").first()
    return display_name(user) if user else str(user_id)


def _person_name(person_id) -> str:
    from contest.models import Person

    person = Person.objects.filter(pk=person_id).first()
    return person.full_name if person else str(person_id)


def set_problem_severities(*, round: Round, severities: dict[str, str], actor) -> Round:
    """How serious each kind of schedule problem is for the round."""
    require_role(actor, round.contest, Role.ORGANISER)
    unknown = sorted(set(severities) - set(checks.DEFAULT_SEVERITY))
    if unknown:
        raise DomainError(
            _("Unknown kinds of problem: %(codes)s.") % {"codes": ", ".join(unknown)},
            field="severities",
        )
    wrong = sorted(code for code, value in severities.items() if value not in checks.SEVERITIES)
    if wrong:
        raise DomainError(
            _("Each kind of problem is blocking, a warning or off."), field="severities"
        )
    round.problem_severities = dict(severities)
    round.save(update_fields=["problem_severities"])
    return round


def publish_schedule(*, round: Round, actor, note: str = "") -> ScheduleVersion:
    """Publish the working copy of the round's schedule as its next version, with the changes
    since the previous one; refused, with every blocking problem listed, while there is one."""
    require_role(actor, round.contest, Role.ORGANISER)
    with transaction.atomic():
        round = Round.objects.select_for_update().select_related("contest").get(pk=round.pk)
        if not round.sessions.exists():
            raise DomainError(_("The round has no session to publish."))
        problems, sessions = selectors.schedule_problems(round)
        blocking = [
            describe_problem(p, sessions) for p in problems if p.severity == checks.BLOCKING
        ]
        if blocking:
            raise DomainError(
                _("The schedule cannot be published while it has blocking problems."),
                errors={"problems": blocking},
            )
        previous = selectors.newest_schedule_version(round)
        snapshot = selectors.schedule_snapshot(round)
        return ScheduleVersion.objects.create(
            round=round,
            number=(previous.number if previous else 0) + 1,
            published_by=actor,
            note=note.strip(),
            snapshot=snapshot,
            changes=checks.schedule_changes(previous.snapshot if previous else None, snapshot),
            warnings=[describe_problem(p, sessions) for p in problems],
        )


def add_break(*, session: Session, after_position: int, minutes: int, label: str, actor) -> Break:
    """A break after a place of the running order; drawn times move accordingly."""
    require_role(actor, session.round.contest, Role.ORGANISER)
    if minutes < 1 or minutes > 600:
        raise DomainError(_("A break lasts from 1 to 600 minutes."), field="minutes")
    count = session.slots.count()
    if not 1 <= after_position < max(count, 1):
        raise DomainError(
            _("A break goes between two presentations: after place 1 to %(last)d.")
            % {"last": max(count - 1, 1)},
            field="after_position",
        )
    try:
        with transaction.atomic():
            pause = Break.objects.create(
                session=session,
                after_position=after_position,
                minutes=minutes,
                label=label.strip() or "Giải lao",
            )
            _replan(session)
    except IntegrityError as error:
        raise DomainError(
            _("There is already a break after this place."), field="after_position"
        ) from error
    return pause


def remove_break(*, pause: Break, actor) -> None:
    session = pause.session
    require_role(actor, session.round.contest, Role.ORGANISER)
    with transaction.atomic():
        pause.delete()
        _replan(session)


def _replan(session: Session) -> None:
    """Plan the drawn running order's times again (after a break was added or removed)."""
    order = list(
        session.slots.filter(position__isnull=False)
        .order_by("position")
        .values_list("entry_id", flat=True)
    )
    if order and len(order) == session.slots.count():
        _place_in_order(session, order)


def set_timing(*, round: Round, slot_minutes: int, changeover_minutes: int, actor) -> int:
    """Set how long each presentation lasts (the parts of the rubric together) and the
    changeover between two, for every session of the round; drawn running orders are planned
    again. Returns the number of sessions."""
    require_role(actor, round.contest, Role.ORGANISER)
    if not 1 <= slot_minutes <= 240:
        raise DomainError(_("A presentation lasts from 1 to 240 minutes."), field="slot_minutes")
    if not 0 <= changeover_minutes <= 120:
        raise DomainError(
            _("The changeover lasts from 0 to 120 minutes."), field="changeover_minutes"
        )
    with transaction.atomic():
        sessions = list(Session.objects.select_for_update().filter(round=round))
        for session in sessions:
            session.slot_minutes = slot_minutes
            session.changeover_minutes = changeover_minutes
            session.save(update_fields=["slot_minutes", "changeover_minutes"])
            _replan(session)
    return len(sessions)


# --- Setting up a contest's rounds and rooms (organiser pages) ---------------------------


def _refuse_invalid_fields(instance, *, exclude: list[str] | None = None) -> None:
    """Field-level checks of the model (lengths, blanks, choices) as a DomainError."""
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from error


def next_round_sequence(contest: Contest) -> int:
    last = contest.rounds.order_by("-sequence").values_list("sequence", flat=True).first()
    return (last or 0) + 1


def _check_round(contest: Contest, round: Round) -> None:
    round.name = " ".join((round.name or "").split())
    if not round.name:
        raise DomainError(_("The round needs a name."), field="name")
    if round.kind not in Round.Kind.values:
        raise DomainError(_("Choose a preliminary or a final round."), field="kind")
    if not round.sequence or round.sequence < 1:
        raise DomainError(_("The order of the round is a number from 1."), field="sequence")
    _refuse_invalid_fields(round, exclude=["contest", "problem_severities"])
    others = contest.rounds.exclude(pk=round.pk)
    if others.filter(sequence=round.sequence).exists():
        raise DomainError(
            _("Another round of this contest comes at this place in the order."),
            field="sequence",
        )
    if round.kind == Round.Kind.FINAL and others.filter(kind=Round.Kind.FINAL).exists():
        # The final round's published ranking gives the prizes and publishes the results.
        raise DomainError(_("This contest already has a final round."), field="kind")


def create_round(
    *, contest: Contest, name: str, kind: str, actor, sequence: int | None = None
) -> Round:
    """A new round of the contest, planned. Its rubric belongs to the scoring app
    (scoring.services.create_round_with_rubric creates both at once)."""
    require_role(actor, contest, Role.ORGANISER)
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        round = Round(
            contest=contest,
            name=name,
            kind=kind,
            sequence=sequence or next_round_sequence(contest),
            status=Round.Status.PLANNED,
        )
        _check_round(contest, round)
        try:
            with transaction.atomic():
                round.save()
        except IntegrityError as error:
            raise DomainError(
                _("Another round of this contest comes at this place in the order."),
                field="sequence",
            ) from error
    return round


def update_round(*, round: Round, actor, name: str, kind: str, sequence: int) -> Round:
    """Rename or reorder a round; its kind changes only while it is planned (a final's
    ranking is what publishes the results)."""
    require_role(actor, round.contest, Role.ORGANISER)
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=round.contest_id)
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if kind != locked.kind and locked.status != Round.Status.PLANNED:
            raise DomainError(
                _("The kind of a round cannot change once it has been opened for scoring."),
                field="kind",
            )
        locked.name, locked.kind, locked.sequence = name, kind, sequence
        _check_round(contest, locked)
        try:
            with transaction.atomic():
                locked.save(update_fields=["name", "kind", "sequence"])
        except IntegrityError as error:
            raise DomainError(
                _("Another round of this contest comes at this place in the order."),
                field="sequence",
            ) from error
    return locked


def save_room(
    *,
    contest: Contest,
    actor,
    name: str,
    address: str = "",
    capacity: int | None = None,
    available_from: datetime | None = None,
    available_until: datetime | None = None,
    room: Room | None = None,
) -> Room:
    """Add a room to the contest, or change one of its rooms."""
    require_role(actor, contest, Role.ORGANISER)
    if room is not None and room.contest_id != contest.pk:
        raise DomainError(_("The room belongs to another contest."))
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("The room needs a name."), field="name")
    if capacity is not None and capacity < 1:
        raise DomainError(_("The capacity is a number of seats from 1."), field="capacity")
    if available_from and available_until and available_until <= available_from:
        raise DomainError(
            _("The room must be available until a time after it becomes available."),
            field="available_until",
        )
    if (
        Room.objects.filter(contest=contest, name__iexact=name)
        .exclude(pk=room.pk if room else None)
        .exists()
    ):
        raise DomainError(_("The contest already has a room of this name."), field="name")
    room = room or Room(contest=contest)
    room.name = name
    room.address = (address or "").strip()
    room.capacity = capacity
    room.available_from = available_from
    room.available_until = available_until
    _refuse_invalid_fields(room, exclude=["contest"])
    try:
        with transaction.atomic():
            room.save()
    except IntegrityError as error:
        raise DomainError(
            _("The contest already has a room of this name."), field="name"
        ) from error
    return room


def delete_room(*, room: Room, actor) -> None:
    """Remove a room no session uses."""
    require_role(actor, room.contest, Role.ORGANISER)
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(pk=room.pk)
        used = locked.sessions.count()
        if used:
            raise DomainError(
                ngettext(
                    "%(count)d session takes place in this room; move it first.",
                    "%(count)d sessions take place in this room; move them first.",
                    used,
                )
                % {"count": used}
            )
        locked.delete()
