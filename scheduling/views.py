import math

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.downloads import as_attachment
from config.errors import DomainError, NotAllowed
from config.forms import add_domain_error
from config.pdf import font_faces, html_to_pdf
from config.spreadsheets import xlsx_response
from contest.models import Role
from contest.selectors import is_organiser, require_role
from contest.templatetags.people import display_name
from scheduling import checks, draw, exports, selectors, services
from scheduling.forms import (
    BreakForm,
    BuildSessionsForm,
    DrawForm,
    MoveEntryForm,
    MoveSlotForm,
    PanelForm,
    SessionForm,
    TimingForm,
)
from scheduling.models import Break, Round, Session, Slot
from scheduling.selectors import require_session_staff


@login_required
def round_schedule(request, pk):
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    contest = round.contest
    if not is_organiser(request.user, contest):
        raise PermissionDenied
    panel_form = PanelForm(contest=contest, prefix="panel")
    session_form = SessionForm(contest=contest, prefix="session")
    build_form = BuildSessionsForm(prefix="build")
    if request.method == "POST":
        try:
            if "build_sessions" in request.POST:
                build_form = BuildSessionsForm(request.POST, prefix="build")
                if build_form.is_valid():
                    data = build_form.cleaned_data
                    created = services.build_sessions(
                        round=round,
                        count=data["count"],
                        starts_at=data["starts_at"],
                        by_field=data["by_field"],
                        units_apart=data["units_apart"],
                        rooms=data["rooms"],
                        actor=request.user,
                    )
                    messages.success(
                        request, _("%(count)d sessions built.") % {"count": len(created)}
                    )
                    return redirect("round-schedule", pk=pk)
            elif "create_panel" in request.POST:
                panel_form = PanelForm(request.POST, contest=contest, prefix="panel")
                if panel_form.is_valid():
                    _create_panel(request, contest, panel_form)
                    return redirect("round-schedule", pk=pk)
            elif "create_session" in request.POST:
                session_form = SessionForm(request.POST, contest=contest, prefix="session")
                if session_form.is_valid():
                    data = session_form.cleaned_data
                    services.create_session(
                        round=round,
                        name=data["name"],
                        starts_at=data["starts_at"],
                        panel=data["panel"],
                        room_name=data["room"],
                        actor=request.user,
                    )
                    messages.success(request, _("Session created."))
                    return redirect("round-schedule", pk=pk)
        except DomainError as error:
            if "build_sessions" in request.POST:
                add_domain_error(build_form, error)
            else:
                add_domain_error(
                    panel_form if "create_panel" in request.POST else session_form, error
                )
    sessions = (
        round.sessions.select_related("room", "panel")
        .prefetch_related(
            "slots__entry__initiative",
            "slots__entry__unit",
            "draws",
            "panel__seats__judge__person",
            "breaks",
        )
        .order_by("starts_at")
    )
    problems, involved = selectors.schedule_problems(round)
    rubric_parts = selectors.rubric_part_minutes(round)
    rubric_minutes = math.ceil(sum(minutes or 0 for _name, minutes in rubric_parts)) or 15
    severities = checks.severities_for(round.problem_severities)
    return render(
        request,
        "scheduling/round_schedule.html",
        {
            "round": round,
            "contest": contest,
            "sessions": sessions,
            "panel_form": panel_form,
            "session_form": session_form,
            "build_form": build_form,
            "move_form": MoveSlotForm(),
            "problems": [
                (problem.severity, services.describe_problem(problem, involved))
                for problem in problems
            ],
            "blocking": any(problem.severity == checks.BLOCKING for problem in problems),
            "versions": round.schedule_versions.select_related("published_by")[:10],
            "severity_rows": [
                (code, PROBLEM_LABELS[code], severities[code]) for code in checks.DEFAULT_SEVERITY
            ],
            "severity_choices": SEVERITY_LABELS,
            "timing_form": TimingForm(
                initial={
                    "slot_minutes": sessions[0].slot_minutes if sessions else rubric_minutes,
                    "changeover_minutes": sessions[0].changeover_minutes if sessions else 3,
                }
            ),
            "rubric_parts": rubric_parts,
            "rubric_minutes": rubric_minutes,
            "draw_form": DrawForm(),
            "statuses": Round.Status,
        },
    )


def _create_panel(request, contest, form) -> None:
    data = form.cleaned_data
    seats = [
        services.SeatInput(judge=judge, head=judge == data["head_judge"])
        for judge in data["judges"]
    ]
    services.create_panel(contest=contest, name=data["name"], seats=seats, actor=request.user)
    messages.success(request, _("Panel created."))


@login_required
@require_POST
def session_draw(request, pk):
    session = get_object_or_404(Session.objects.select_related("round__contest"), pk=pk)
    form = DrawForm(request.POST)
    if form.is_valid():
        try:
            record = services.draw_running_order(
                session=session, actor=request.user, **form.cleaned_data
            )
            messages.success(
                request, _("Running order drawn. Seed: %(seed)s") % {"seed": record.seed}
            )
        except NotAllowed:
            raise
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Check the witnesses and reason."))
    return redirect("round-schedule", pk=session.round_id)


@login_required
@require_POST
def round_status(request, pk):
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    try:
        services.set_round_status(
            round=round,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", "")[:2000],
            actor=request.user,
        )
        messages.success(request, _("Round status changed."))
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("round-schedule", pk=pk)


@login_required
@require_POST
def round_assign_judges(request, pk):
    """Organisers: seat the judge pool on the round's panels (replacing the seats in force)."""
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    try:
        result = services.assign_judges(round=round, actor=request.user)
        loads = [load for load in result.load.values() if load]
        messages.success(
            request,
            _(
                "Judges assigned to %(panels)d panels; each judge scores between %(low)d and "
                "%(high)d entries."
            )
            % {
                "panels": len(result.seats),
                "low": min(loads, default=0),
                "high": max(loads, default=0),
            },
        )
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("round-schedule", pk=pk)


# --------------------------------------------------------------------------- own schedules


CALENDAR_SALT = "hoithi.scheduling.calendar"


def calendar_token(user) -> str:
    """The secret part of a person's calendar feed address: calendar apps subscribe without
    logging in, so the address itself is the key (signed, so not guessable)."""
    return signing.dumps(user.pk, salt=CALENDAR_SALT, compress=True)


@login_required
def my_schedule(request):
    """Where the user presents and which sessions they judge, as last published, with the
    calendar feed."""
    feed = request.build_absolute_uri(reverse("calendar-feed", args=[calendar_token(request.user)]))
    presenting, judging = selectors.published_schedule_for(request.user)
    return render(
        request,
        "scheduling/my_schedule.html",
        {
            "presenting": presenting,
            "judging": judging,
            "calendar_url": feed,
            "webcal_url": "webcal://" + feed.split("://", 1)[1],
        },
    )


def calendar_feed(request, token):
    """A person's presentations and judging sessions, as last published, as an iCalendar
    feed."""
    try:
        user_id = signing.loads(token, salt=CALENDAR_SALT)
    except signing.BadSignature as error:
        raise Http404 from error
    user = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    presenting, judging = selectors.published_schedule_for(user)
    events = [
        exports.CalendarEvent(
            uid=f"slot-{slot.session_id}-{slot.entry}-{user.pk}@hoithi",
            start=slot.start,
            end=slot.end,
            summary=_("Presenting: %(title)s") % {"title": slot.title},
            location=slot.room,
            description=f"{slot.contest} · {slot.round} · {slot.session}"
            + (f" · {_('No.')} {slot.position}" if slot.position else ""),
        )
        for slot in presenting
        if slot.start and slot.end
    ]
    events += [
        exports.CalendarEvent(
            uid=f"session-{session.session_id}-judge-{user.pk}@hoithi",
            start=session.start,
            end=session.end,
            summary=_("Judging: %(session)s") % {"session": session.session},
            location=session.room,
            description=f"{session.contest} · {session.round}",
        )
        for session in judging
    ]
    response = HttpResponse(
        exports.calendar(_("Contest schedule"), events, stamp=timezone.now()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def round_schedule_xlsx(request, pk):
    """The round's whole schedule as an Excel file (organisers and secretaries)."""
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    require_role(request.user, round.contest, Role.ORGANISER, Role.SECRETARY)
    rows = [
        exports.ScheduleRow(
            round=round.name,
            session=slot.session.name,
            room=slot.session.room.name if slot.session.room_id else "",
            position=slot.position,
            start=timezone.localtime(slot.planned_start) if slot.planned_start else None,
            end=timezone.localtime(slot.planned_end) if slot.planned_end else None,
            unit=slot.entry.unit.name,
            title=slot.entry.initiative.title,
            presenters=", ".join(p.full_name for p in slot.entry.presenters.all()),
            panel=", ".join(display_name(seat.judge) for seat in slot.session.panel.seats.all())
            if slot.session.panel_id
            else "",
        )
        for slot in selectors.round_schedule_rows(round)
    ]
    return xlsx_response(
        exports.schedule_workbook(rows), f"Lịch thi - {round.contest.name} - {round.name}.xlsx"
    )


@login_required
def running_order_pdf(request, pk):
    """The running order of one session, in large type, for the master of ceremonies."""
    session = get_object_or_404(
        Session.objects.select_related("round__contest", "room", "panel"), pk=pk
    )
    require_session_staff(request.user, session, Role.ORGANISER, Role.SECRETARY)
    html = render_to_string(
        "scheduling/running_order_pdf.html",
        {
            "font_faces": font_faces(),
            "session": session,
            "slots": session.slots.select_related("entry__initiative", "entry__unit")
            .prefetch_related("entry__presenters")
            .order_by("position", "id"),
            "ends_at": selectors.session_end(session),
        },
        request=request,
    )
    return as_attachment(
        HttpResponse(html_to_pdf(html), content_type="application/pdf"),
        f"Thứ tự thi - {session.round.name} - {session.name}.pdf",
    )


@login_required
@require_POST
def slot_move(request, pk):
    """Organisers: move a drawn slot to another place of its running order (with a reason),
    or, before the draw, move the entry to another session of the round."""
    slot = get_object_or_404(Slot.objects.select_related("round__contest", "session"), pk=pk)
    require_role(request.user, slot.round.contest, Role.ORGANISER)
    try:
        if "session" in request.POST:
            form = MoveEntryForm(request.POST, round=slot.round)
            if form.is_valid():
                services.move_entry_to_session(
                    slot=slot, session=form.cleaned_data["session"], actor=request.user
                )
                messages.success(request, _("Entry moved."))
        else:
            form = MoveSlotForm(request.POST)
            if form.is_valid():
                services.move_slot(
                    slot=slot,
                    position=form.cleaned_data["position"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
                messages.success(request, _("Running order changed."))
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("round-schedule", pk=slot.round_id)


def draw_record(request, pk):
    """Public: every draw of a session's running order, with what anyone needs to draw it again
    from its seed (here on the server, and in the visitor's own browser)."""
    session = get_object_or_404(Session.objects.select_related("round__contest", "room"), pk=pk)
    # Public once the round's schedule is published; before that, for its organisers only.
    if not (
        session.round.schedule_versions.exists()
        or is_organiser(request.user, session.round.contest)
    ):
        raise Http404
    titles = {
        slot.entry_id: (slot.entry.unit.name, slot.entry.initiative.title)
        for slot in session.slots.select_related("entry__unit", "entry__initiative")
    }
    records = []
    for record in session.draws.select_related("drawn_by").order_by("drawn_at", "id"):
        rerun = None
        if record.algorithm == draw.ALGORITHM:
            rerun = [
                int(e) for e in draw.draw_order([str(e) for e in record.input_entries], record.seed)
            ]
        records.append(
            {
                "draw": record,
                "input": [(entry, *titles.get(entry, ("", ""))) for entry in record.input_entries],
                "result": [
                    (position, entry, *titles.get(entry, ("", "")))
                    for position, entry in enumerate(record.result_entries, start=1)
                ],
                "reproducible": rerun is not None,
                "rerun_matches": rerun == record.result_entries if rerun is not None else None,
            }
        )
    return render(
        request,
        "scheduling/draw_record.html",
        {"session": session, "records": records, "algorithm": draw.ALGORITHM},
    )


PROBLEM_LABELS = {
    checks.ROOM_DOUBLE_BOOKED: gettext_lazy("A room used twice at once"),
    checks.JUDGE_DOUBLE_BOOKED: gettext_lazy("A judge in two sessions at once"),
    checks.PRESENTER_DOUBLE_BOOKED: gettext_lazy("A presenter in two places at once"),
    checks.JUDGE_OWN_UNIT: gettext_lazy("A judge hearing their own unit"),
    checks.PANEL_TOO_SMALL: gettext_lazy("A panel below its minimum size"),
    checks.ROOM_UNAVAILABLE: gettext_lazy("A session outside its room's hours"),
}
SEVERITY_LABELS = [
    (checks.BLOCKING, gettext_lazy("blocking")),
    (checks.WARNING, gettext_lazy("warning")),
    (checks.OFF, gettext_lazy("off")),
]


@login_required
@require_POST
def schedule_publish(request, pk):
    """Organisers: publish the working copy of the round's schedule as a new version."""
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    require_role(request.user, round.contest, Role.ORGANISER)
    try:
        version = services.publish_schedule(
            round=round, actor=request.user, note=request.POST.get("note", "")
        )
        messages.success(
            request,
            _("Schedule version %(number)d published.") % {"number": version.number},
        )
    except DomainError as error:
        messages.error(request, error.message)
        for problem in (error.errors or {}).get("problems", []):
            messages.error(request, problem)
    return redirect("round-schedule", pk=pk)


@login_required
@require_POST
def schedule_severities(request, pk):
    """Organisers: how serious each kind of schedule problem is for this round."""
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    require_role(request.user, round.contest, Role.ORGANISER)
    try:
        services.set_problem_severities(
            round=round,
            severities={
                code: request.POST[code] for code in checks.DEFAULT_SEVERITY if code in request.POST
            },
            actor=request.user,
        )
        messages.success(request, _("Saved."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("round-schedule", pk=pk)


@login_required
@require_POST
def session_break(request, pk):
    """Organisers: insert a break in a session's running order."""
    session = get_object_or_404(Session.objects.select_related("round__contest"), pk=pk)
    require_role(request.user, session.round.contest, Role.ORGANISER)
    form = BreakForm(request.POST)
    try:
        if form.is_valid():
            services.add_break(session=session, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Break added."))
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("round-schedule", pk=session.round_id)


@login_required
@require_POST
def break_delete(request, pk):
    pause = get_object_or_404(Break.objects.select_related("session__round__contest"), pk=pk)
    services.remove_break(pause=pause, actor=request.user)
    messages.success(request, _("Break removed."))
    return redirect("round-schedule", pk=pause.session.round_id)


@login_required
@require_POST
def round_timing(request, pk):
    """Organisers: the length of a presentation and of the changeover, for every session."""
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    require_role(request.user, round.contest, Role.ORGANISER)
    form = TimingForm(request.POST)
    try:
        if form.is_valid():
            count = services.set_timing(round=round, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Timing set for %(count)d sessions.") % {"count": count})
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("round-schedule", pk=pk)
