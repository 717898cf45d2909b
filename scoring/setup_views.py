"""Organiser pages that set up a contest's rounds, their rubrics and the contest's prizes.

Rounds are the scheduling app's, but a round is made together with its rubric, which is
the scoring app's; scoring may use scheduling (never the other way), so the pages live here.
Every write is a service call; a refusal shows on the form that asked for it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError, NotAllowed
from config.forms import DeleteForm, save_through
from contest.models import Contest
from contest.selectors import is_organiser
from scheduling import services as scheduling_services
from scheduling.models import Round
from scoring import services
from scoring.models import Criterion, PenaltyRule, Prize, Rubric, RubricPart
from scoring.setup_forms import (
    CriterionForm,
    NewRoundForm,
    PartForm,
    PenaltyRuleForm,
    PrizeForm,
    RoundForm,
    RubricSettingsForm,
)

EDIT_TEMPLATE = "scoring/setup/edit.html"


def _require_organiser(request, contest: Contest) -> None:
    if not is_organiser(request.user, contest):
        raise PermissionDenied


def _rubric_url(round_id: int, anchor: str = "") -> str:
    return reverse("setup-rubric", args=[round_id]) + (f"#{anchor}" if anchor else "")


# --- rounds -------------------------------------------------------------------------------


@login_required
def round_list(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    _require_organiser(request, contest)
    form = NewRoundForm(
        request.POST or None,
        prefix="round",
        initial={"sequence": scheduling_services.next_round_sequence(contest)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        round = save_through(
            form,
            services.create_round_with_rubric,
            contest=contest,
            actor=request.user,
            name=data["name"],
            kind=data["kind"],
            sequence=data["sequence"],
            method=data["method"],
            decimals=data["decimals"],
        )
        if round:
            messages.success(request, _("The round is created; now set up its rubric."))
            return redirect("setup-rubric", pk=round.pk)
    rounds = (
        contest.rounds.order_by("sequence")
        .select_related("rubric")
        .annotate(
            part_count=Count("rubric__parts", distinct=True),
            criterion_count=Count("rubric__criteria", distinct=True),
        )
    )
    return render(
        request,
        "scoring/setup/rounds.html",
        {"contest": contest, "rounds": rounds, "form": form},
    )


@login_required
def round_edit(request, pk):
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    _require_organiser(request, round.contest)
    form = RoundForm(
        request.POST or None,
        initial={"name": round.name, "kind": round.kind, "sequence": round.sequence},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if save_through(
            form,
            scheduling_services.update_round,
            round=round,
            actor=request.user,
            name=data["name"],
            kind=data["kind"],
            sequence=data["sequence"] or round.sequence,
        ):
            messages.success(request, _("The round is saved."))
            return redirect("setup-rounds", slug=round.contest.slug)
    return render(
        request,
        EDIT_TEMPLATE,
        {
            "contest": round.contest,
            "title": _("Round: %(name)s") % {"name": round.name},
            "back_url": reverse("setup-rounds", args=[round.contest.slug]),
            "back_label": _("Rounds"),
            "form": form,
            "save_testid": "round-save",
            "notice": ""
            if round.status == Round.Status.PLANNED
            else _("The kind of a round cannot change once it has been opened for scoring."),
        },
    )


# --- rubric -------------------------------------------------------------------------------


def _rubric_forms(rubric: Rubric, data=None, action: str = "") -> dict:
    """The rubric page's forms; the one named by `action` bound to the posted data."""

    def bound(name):
        return data if action == name else None

    return {
        "settings_form": RubricSettingsForm.for_rubric(rubric, bound("settings")),
        "part_form": PartForm(bound("add_part"), prefix="part"),
        "criterion_form": CriterionForm(bound("add_criterion"), rubric=rubric, prefix="criterion"),
        "rule_form": PenaltyRuleForm(bound("add_rule"), rubric=rubric, prefix="rule"),
    }


def _rubric_action(request, rubric: Rubric, action: str, forms: dict):
    """Apply one posted form of the rubric page: the anchor to go back to, or None."""
    user = request.user
    if action == "settings":
        form = forms["settings_form"]
        if form.is_valid():
            data = form.cleaned_data
            if save_through(
                form, services.update_rubric_settings, rubric=rubric, actor=user, **data
            ):
                messages.success(request, _("The rubric's method is saved."))
                return "settings"
    elif action == "add_part":
        form = forms["part_form"]
        if form.is_valid() and save_through(
            form, services.save_rubric_part, rubric=rubric, actor=user, **form.cleaned_data
        ):
            messages.success(request, _("The part is added."))
            return "parts"
    elif action == "add_criterion":
        form = forms["criterion_form"]
        if form.is_valid() and save_through(
            form,
            services.save_criterion,
            rubric=rubric,
            actor=user,
            **form.service_arguments(),
        ):
            messages.success(request, _("The criterion is added."))
            return "parts"
    elif action == "add_rule":
        form = forms["rule_form"]
        if form.is_valid() and save_through(
            form, services.add_penalty_rule, actor=user, **form.cleaned_data
        ):
            messages.success(request, _("The overtime rule is added."))
            return "penalties"
    return None


@login_required
def rubric_edit(request, pk):
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    _require_organiser(request, round.contest)
    rubric = Rubric.objects.filter(round=round).first()
    if rubric is None:
        if request.method == "POST" and request.POST.get("action") == "create_rubric":
            try:
                services.create_rubric(round=round, actor=request.user)
            except NotAllowed:
                raise
            except DomainError as error:
                messages.error(request, error.message)
            return redirect("setup-rubric", pk=pk)
        return render(
            request,
            "scoring/setup/rubric.html",
            {"round": round, "contest": round.contest, "rubric": None},
        )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = _rubric_forms(rubric, request.POST if action else None, action)
    if action:
        anchor = _rubric_action(request, rubric, action, forms)
        if anchor:
            return redirect(_rubric_url(pk, anchor))
    parts = list(
        rubric.parts.order_by("order").prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("order", "id")),
            Prefetch("penalty_rules", queryset=PenaltyRule.objects.order_by("minutes_over")),
        )
    )
    loose = list(rubric.criteria.filter(part__isnull=True).order_by("order", "id"))
    return render(
        request,
        "scoring/setup/rubric.html",
        {
            "round": round,
            "contest": round.contest,
            "rubric": rubric,
            "fixed": services.rubric_is_fixed(round),
            "parts": parts,
            "loose_criteria": loose,
            "has_rules": any(part.penalty_rules.all() for part in parts),
            **forms,
        },
    )


def _fixed_notice(round: Round) -> str:
    if services.rubric_is_fixed(round):
        return _("The rubric is fixed once the round has been opened for scoring.")
    return ""


def _organiser_part(request, pk) -> RubricPart:
    part = get_object_or_404(RubricPart.objects.select_related("rubric__round__contest"), pk=pk)
    _require_organiser(request, part.rubric.round.contest)
    return part


def _organiser_criterion(request, pk) -> Criterion:
    criterion = get_object_or_404(
        Criterion.objects.select_related("rubric__round__contest", "part"), pk=pk
    )
    _require_organiser(request, criterion.rubric.round.contest)
    return criterion


@login_required
def part_edit(request, pk):
    part = _organiser_part(request, pk)
    round = part.rubric.round
    form = PartForm(request.POST or None, initial={"name": part.name, "minutes": part.minutes})
    if request.method == "POST" and form.is_valid():
        if save_through(
            form,
            services.save_rubric_part,
            rubric=part.rubric,
            part=part,
            actor=request.user,
            **form.cleaned_data,
        ):
            messages.success(request, _("The part is saved."))
            return redirect(_rubric_url(round.pk, "parts"))
    return render(
        request,
        EDIT_TEMPLATE,
        {
            "contest": round.contest,
            "title": _("Part: %(name)s") % {"name": part.name},
            "back_url": _rubric_url(round.pk),
            "back_label": _("Rubric of %(round)s") % {"round": round.name},
            "form": form,
            "save_testid": "part-save",
            "notice": _fixed_notice(round),
        },
    )


@login_required
def criterion_edit(request, pk):
    criterion = _organiser_criterion(request, pk)
    round = criterion.rubric.round
    form = CriterionForm.for_criterion(criterion, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if save_through(
            form,
            services.save_criterion,
            rubric=criterion.rubric,
            criterion=criterion,
            actor=request.user,
            **form.service_arguments(),
        ):
            messages.success(request, _("The criterion is saved."))
            return redirect(_rubric_url(round.pk, "parts"))
    return render(
        request,
        EDIT_TEMPLATE,
        {
            "contest": round.contest,
            "title": _("Criterion: %(name)s") % {"name": criterion.name},
            "back_url": _rubric_url(round.pk),
            "back_label": _("Rubric of %(round)s") % {"round": round.name},
            "form": form,
            "save_testid": "criterion-save",
            "notice": _fixed_notice(round),
        },
    )


def _button_action(request, round_id: int, service, success: str, anchor: str, **kwargs):
    """A button of the rubric page (delete, move): the refusal shown above the page."""
    try:
        service(actor=request.user, **kwargs)
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if success:
            messages.success(request, success)
    return redirect(_rubric_url(round_id, anchor))


@login_required
@require_POST
def part_delete(request, pk):
    part = _organiser_part(request, pk)
    return _button_action(
        request,
        part.rubric.round_id,
        services.delete_rubric_part,
        _("The part is deleted."),
        "parts",
        part=part,
    )


@login_required
@require_POST
def part_move(request, pk):
    part = _organiser_part(request, pk)
    return _button_action(
        request,
        part.rubric.round_id,
        services.move_rubric_part,
        "",
        "parts",
        part=part,
        direction=request.POST.get("direction", ""),
    )


@login_required
@require_POST
def criterion_delete(request, pk):
    criterion = _organiser_criterion(request, pk)
    return _button_action(
        request,
        criterion.rubric.round_id,
        services.delete_criterion,
        _("The criterion is deleted."),
        "parts",
        criterion=criterion,
    )


@login_required
@require_POST
def criterion_move(request, pk):
    criterion = _organiser_criterion(request, pk)
    return _button_action(
        request,
        criterion.rubric.round_id,
        services.move_criterion,
        "",
        "parts",
        criterion=criterion,
        direction=request.POST.get("direction", ""),
    )


@login_required
@require_POST
def penalty_rule_delete(request, pk):
    rule = get_object_or_404(
        PenaltyRule.objects.select_related("part__rubric__round__contest"), pk=pk
    )
    _require_organiser(request, rule.part.rubric.round.contest)
    return _button_action(
        request,
        rule.part.rubric.round_id,
        services.delete_penalty_rule,
        _("The overtime rule is deleted."),
        "penalties",
        rule=rule,
    )


# --- prizes -------------------------------------------------------------------------------


@login_required
def prize_list(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    _require_organiser(request, contest)
    form = PrizeForm(request.POST or None, contest=contest)
    if request.method == "POST" and form.is_valid():
        if save_through(
            form, services.save_prize, contest=contest, actor=request.user, **form.cleaned_data
        ):
            messages.success(request, _("The prize is added."))
            return redirect("setup-prizes", slug=slug)
    prizes = (
        contest.prizes.order_by("order")
        .select_related("part__rubric__round")
        .annotate(award_count=Count("awards"))
    )
    return render(
        request,
        "scoring/setup/prizes.html",
        {"contest": contest, "prizes": prizes, "form": form},
    )


def _prize_page(request, prize: Prize, form, delete_form, status: int = 200):
    return render(
        request,
        EDIT_TEMPLATE,
        {
            "contest": prize.contest,
            "title": _("Prize: %(name)s") % {"name": prize.name},
            "back_url": reverse("setup-prizes", args=[prize.contest.slug]),
            "back_label": _("Prizes"),
            "form": form,
            "save_testid": "prize-save",
            "delete_form": delete_form,
            "delete_url": reverse("setup-prize-delete", args=[prize.pk]),
            "delete_label": _("Delete this prize"),
            "notice": _("This prize can no longer change.") if prize.awards.exists() else "",
        },
        status=status,
    )


def _organiser_prize(request, pk) -> Prize:
    prize = get_object_or_404(Prize.objects.select_related("contest"), pk=pk)
    _require_organiser(request, prize.contest)
    return prize


@login_required
def prize_edit(request, pk):
    prize = _organiser_prize(request, pk)
    form = PrizeForm.for_prize(prize, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if save_through(
            form,
            services.save_prize,
            contest=prize.contest,
            prize=prize,
            actor=request.user,
            **form.cleaned_data,
        ):
            messages.success(request, _("The prize is saved."))
            return redirect("setup-prizes", slug=prize.contest.slug)
    return _prize_page(request, prize, form, DeleteForm())


@login_required
@require_POST
def prize_delete(request, pk):
    prize = _organiser_prize(request, pk)
    delete_form = DeleteForm(request.POST)
    if delete_form.is_valid() and save_through(
        delete_form, services.delete_prize, prize=prize, actor=request.user
    ):
        messages.success(request, _("The prize is deleted."))
        return redirect("setup-prizes", slug=prize.contest.slug)
    return _prize_page(request, prize, PrizeForm.for_prize(prize), delete_form)
