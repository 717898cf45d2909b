from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from config.forms import add_domain_error
from contest.selectors import is_organiser
from scheduling import services
from scheduling.forms import DrawForm, PanelForm, SessionForm
from scheduling.models import Round, Session


@login_required
def round_schedule(request, pk):
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    contest = round.contest
    if not is_organiser(request.user, contest):
        raise PermissionDenied
    panel_form = PanelForm(contest=contest, prefix="panel")
    session_form = SessionForm(contest=contest, prefix="session")
    if request.method == "POST":
        try:
            if "create_panel" in request.POST:
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
            add_domain_error(panel_form if "create_panel" in request.POST else session_form, error)
    sessions = (
        round.sessions.select_related("room", "panel")
        .prefetch_related("slots__entry__initiative", "slots__entry__unit", "draws")
        .order_by("starts_at")
    )
    return render(
        request,
        "scheduling/round_schedule.html",
        {
            "round": round,
            "contest": contest,
            "sessions": sessions,
            "panel_form": panel_form,
            "session_form": session_form,
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
            draw = services.draw_running_order(
                session=session, actor=request.user, **form.cleaned_data
            )
            messages.success(
                request, _("Running order drawn. Seed: %(seed)s") % {"seed": draw.seed}
            )
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
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("round-schedule", pk=pk)
