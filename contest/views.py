from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from config.forms import add_domain_error
from contest import selectors, services
from contest.forms import EntrySignupForm, RejectForm
from contest.models import Contest, Entry, Role


def home(request):
    contests = selectors.contests_listed_for(request.user).select_related("organising_unit")
    return render(request, "home.html", {"contests": contests})


def contest_detail(request, slug):
    contest = get_object_or_404(Contest.objects.select_related("organising_unit"), slug=slug)
    roles = selectors.roles_of(request.user, contest)
    context = {
        "contest": contest,
        "roles": roles,
        "is_organiser": Role.ORGANISER in roles,
        "representative": selectors.representative_membership(request.user, contest),
        "entries": selectors.entries_visible_to(request.user, contest, roles),
        "rounds": contest.rounds.order_by("sequence").prefetch_related("sessions__slots"),
        "reject_form": RejectForm(),
    }
    return render(request, "contest/contest_detail.html", context)


@login_required
def entry_signup(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    membership = selectors.representative_membership(request.user, contest)
    if membership is None:
        messages.error(
            request, _("Only a unit representative of this contest can sign up entries.")
        )
        return redirect("contest-detail", slug=slug)
    form = EntrySignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        presenters = [
            services.PresenterInput(full_name=data["presenter_name"], email=data["presenter_email"])
        ]
        if data["second_presenter_name"]:
            presenters.append(
                services.PresenterInput(
                    full_name=data["second_presenter_name"], email=data["second_presenter_email"]
                )
            )
        try:
            services.register_entry(
                contest=contest,
                user=request.user,
                initiative_title=data["initiative_title"],
                field=data["field"],
                kind=data["kind"],
                summary=data["summary"],
                presenters=presenters,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your entry has been registered and awaits approval."))
            return redirect("contest-detail", slug=slug)
    return render(
        request,
        "contest/entry_signup.html",
        {"contest": contest, "form": form, "unit": membership.unit},
    )


@login_required
@require_POST
def entry_decide(request, pk):
    entry = get_object_or_404(Entry.objects.select_related("contest"), pk=pk)
    decision = request.POST.get("decision")
    form = RejectForm(request.POST)
    try:
        if decision == "approve":
            services.approve_entry(entry=entry, actor=request.user)
            messages.success(request, _("Entry approved."))
        elif decision == "reject" and form.is_valid():
            services.reject_entry(
                entry=entry, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Entry rejected."))
        elif decision == "reject":
            messages.error(request, _("Give a reason for the rejection."))
        else:
            messages.error(request, _("Choose to approve or reject."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("contest-detail", slug=entry.contest.slug)
