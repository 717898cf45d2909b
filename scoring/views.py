from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from config.forms import add_domain_error
from contest.models import Contest, Role
from contest.selectors import roles_of
from scheduling.models import Round, Session
from scheduling.selectors import (
    running_order_for_judge,
    seat_of,
    sessions_for_judge,
    slot_for_judging,
)
from scoring import selectors, services
from scoring.forms import ScoreSheetForm
from scoring.models import Criterion, Ranking, Rubric, ScoreSheet


@login_required
def judge_home(request):
    return render(
        request, "scoring/judge_home.html", {"sessions": sessions_for_judge(request.user)}
    )


@login_required
def judge_session(request, pk):
    session = get_object_or_404(Session.objects.select_related("round__contest", "room"), pk=pk)
    if seat_of(request.user, session) is None:
        raise PermissionDenied
    slots = list(running_order_for_judge(request.user, session))
    sheets = {
        sheet.entry_id: sheet
        for sheet in ScoreSheet.objects.filter(judge=request.user, round=session.round)
    }
    for slot in slots:
        slot.my_sheet = sheets.get(slot.entry_id)
    return render(request, "scoring/judge_session.html", {"session": session, "slots": slots})


@login_required
def score_entry(request, round_id, entry_id):
    round = get_object_or_404(Round.objects.select_related("contest"), pk=round_id)
    slot = slot_for_judging(request.user, round.pk, entry_id)
    if slot is None:
        raise Http404
    criteria = list(
        Criterion.objects.filter(rubric__round=round)
        .select_related("part")
        .order_by("part__order", "order", "id")
    )
    sheet = ScoreSheet.objects.filter(round=round, entry_id=entry_id, judge=request.user).first()
    marks = (
        {m.criterion.code: m.value.normalize() for m in sheet.marks.select_related("criterion")}
        if sheet
        else {}
    )
    read_only = bool(sheet and sheet.status != ScoreSheet.Status.DRAFT)
    form = ScoreSheetForm(
        request.POST or None, criteria=criteria, initial_marks=marks, disabled=read_only
    )
    if request.method == "POST" and not read_only and form.is_valid():
        submit = "submit" in request.POST
        try:
            services.save_score_sheet(
                judge=request.user, round=round, entry=slot.entry, marks=form.marks(), submit=submit
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Score sheet submitted.") if submit else _("Draft saved."))
            return redirect("judge-session", pk=slot.session_id)
    return render(
        request,
        "scoring/score_entry.html",
        {
            "round": round,
            "slot": slot,
            "entry": slot.entry,
            "form": form,
            "sheet": sheet,
            "read_only": read_only,
        },
    )


def _organiser_round(request, pk) -> Round:
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    # Judges, the head judge included, never see aggregates of their colleagues' marks
    # before publication.
    if Role.ORGANISER not in roles_of(request.user, round.contest):
        raise PermissionDenied
    return round


@login_required
def round_rankings(request, pk):
    round = _organiser_round(request, pk)
    rankings = list(selectors.rankings_for_review(round))
    for ranking in rankings:
        ranking.prizes = selectors.prizes_by_entry(ranking)
        ranking.moved = {change["entry"] for change in ranking.changes.get("rank_changes", [])}
        ranking.method_label = dict(Rubric.Method.choices).get(ranking.method, ranking.method)
    sheets = ScoreSheet.objects.filter(round=round)
    return render(
        request,
        "scoring/round_rankings.html",
        {
            "round": round,
            "rankings": rankings,
            "submitted": sheets.exclude(status=ScoreSheet.Status.DRAFT).count(),
            "drafts": sheets.filter(status=ScoreSheet.Status.DRAFT).count(),
        },
    )


@login_required
@require_POST
def ranking_publish(request, pk):
    ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
    try:
        services.publish_ranking(ranking=ranking, actor=request.user)
        messages.success(request, _("Ranking version %(v)s is published.") % {"v": ranking.version})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("round-rankings", pk=ranking.round_id)


@login_required
@require_POST
def ranking_compute(request, pk):
    round = _organiser_round(request, pk)
    try:
        services.compute_ranking(round=round)
        messages.success(request, _("Ranking recomputed."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("round-rankings", pk=pk)


def public_results(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    rankings = list(selectors.published_rankings(contest))
    for ranking in rankings:
        ranking.prizes = selectors.prizes_by_entry(ranking)
    return render(
        request, "scoring/public_results.html", {"contest": contest, "rankings": rankings}
    )
