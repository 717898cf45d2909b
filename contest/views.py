import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.downloads import as_attachment
from config.errors import DomainError, NotAllowed
from config.forms import add_domain_error
from contest import selectors, services
from contest.forms import (
    AttachmentForm,
    ContestForm,
    ContestStatusForm,
    EntrySignupForm,
    RejectForm,
)
from contest.models import Contest, Entry, EntryAttachment, LoginLink, Role

# The session remembers the link it was opened with, so revoking the link ends it.
LOGIN_LINK_SESSION_KEY = "login_link"


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
        "entries": selectors.entries_visible_to(request.user, contest, roles).prefetch_related(
            "attachments"
        ),
        "rounds": contest.rounds.order_by("sequence").prefetch_related("sessions__slots"),
        "reject_form": RejectForm(),
        "next_steps": selectors.next_statuses(contest) if Role.ORGANISER in roles else [],
        "transitions": contest.transitions.select_related("actor")
        if Role.ORGANISER in roles
        else [],
    }
    return render(request, "contest/contest_detail.html", context)


@login_required
def contest_create(request):
    if not request.user.has_perm("contest.add_contest"):
        raise PermissionDenied
    form = ContestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contest = services.create_contest(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The contest is created as a draft."))
            return redirect("contest-detail", slug=contest.slug)
    return render(request, "contest/contest_form.html", {"form": form, "contest": None})


@login_required
def contest_settings(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    if not selectors.is_organiser(request.user, contest):
        raise PermissionDenied
    form = ContestForm(request.POST or None, instance=contest)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contest(contest=contest, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The contest's settings are saved."))
            return redirect("contest-detail", slug=slug)
    return render(request, "contest/contest_form.html", {"form": form, "contest": contest})


@login_required
def entry_signup(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    membership = selectors.representative_membership(request.user, contest)
    if membership is None:
        messages.error(
            request, _("Only a unit representative of this contest can sign up entries.")
        )
        return redirect("contest-detail", slug=slug)
    form = EntrySignupForm(request.POST or None, request.FILES or None, contest=contest)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.register_entry(
                contest=contest,
                user=request.user,
                initiative_title=data["initiative_title"],
                field=data["field"],
                kind=data["kind"],
                summary=data["summary"],
                initiative_year=data["initiative_year"],
                presenters=form.presenters(services.PresenterInput),
                attachments=form.attachments(),
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
        elif decision == "withdraw" and form.is_valid():
            services.withdraw_entry(
                entry=entry, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Entry withdrawn."))
        elif decision in {"reject", "withdraw"}:
            messages.error(request, _("Give a reason."))
        else:
            messages.error(request, _("Choose to approve or reject."))
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("contest-detail", slug=entry.contest.slug)


@login_required
@require_POST
def entries_decide(request, slug):
    """Approve or reject the ticked entries at once (all or none)."""
    contest = get_object_or_404(Contest, slug=slug)
    entry_ids = [int(value) for value in request.POST.getlist("entries") if value.isdigit()]
    try:
        decided = services.decide_entries(
            contest=contest,
            entry_ids=entry_ids,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext("%(count)d entry decided.", "%(count)d entries decided.", len(decided))
            % {"count": len(decided)},
        )
    return redirect("contest-detail", slug=slug)


@login_required
@require_POST
def contest_status(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    form = ContestStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid next step."))
        return redirect("contest-detail", slug=slug)
    try:
        contest = services.change_contest_status(
            contest=contest,
            to_status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The contest is now “%(status)s”.") % {"status": contest.get_status_display()},
        )
    return redirect("contest-detail", slug=slug)


@login_required
def entry_files(request, pk):
    """The entry's outline and slides: sent by its unit, read by the organisers and judges."""
    entry = get_object_or_404(Entry.objects.select_related("contest", "unit", "initiative"), pk=pk)
    if not selectors.can_read_attachments(request.user, entry):
        raise PermissionDenied
    form = AttachmentForm(
        request.POST or None, request.FILES or None, kinds=EntryAttachment.Kind.choices
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.attach_file(
                entry=entry,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                actor=request.user,
            )
        except NotAllowed:
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The file has been received."))
            return redirect("entry-files", pk=pk)
    return render(
        request,
        "contest/entry_files.html",
        {
            "entry": entry,
            "attachments": entry.attachments.select_related("uploaded_by"),
            "form": form,
            "can_upload": selectors.can_send_attachments(request.user, entry),
        },
    )


@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(EntryAttachment.objects.select_related("entry__contest"), pk=pk)
    if not selectors.can_read_attachments(request.user, attachment.entry):
        raise PermissionDenied
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    return as_attachment(response, attachment.original_name)


def link_login(request, token):
    """A judge's tablet logs in by opening their personal link (or scanning its QR code)."""
    link = services.use_login_link(token)
    if link is None:
        return render(request, "contest/link_invalid.html", status=404)
    login(request, link.membership.user, backend="contest.auth.UserBackend")
    request.session[LOGIN_LINK_SESSION_KEY] = link.pk
    return redirect("judge-home")


@login_required
def login_links(request, slug):
    """Organisers print each judge's login link and QR code, and issue or revoke them."""
    contest = get_object_or_404(Contest, slug=slug)
    if not selectors.is_organiser(request.user, contest):
        raise PermissionDenied
    judges = (
        contest.memberships.filter(role__in=[Role.JUDGE, Role.HEAD_JUDGE])
        .select_related("user__person")
        .order_by(F("user__person__sort_key").asc(nulls_last=True), "user__username")
    )
    if request.method == "POST":
        membership_id = request.POST.get("membership", "")
        if not membership_id.isdigit():
            raise Http404
        membership = get_object_or_404(judges, pk=int(membership_id))
        try:
            if request.POST.get("action") == "revoke":
                for link in membership.login_links.filter(revoked_at__isnull=True):
                    services.revoke_login_link(link=link, actor=request.user)
                messages.success(request, _("The login link is revoked."))
            else:
                services.issue_login_link(membership=membership, actor=request.user)
                messages.success(request, _("A new login link is issued."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("login-links", slug=slug)
    active = {
        link.membership_id: link
        for link in LoginLink.objects.filter(membership__in=judges, revoked_at__isnull=True)
    }
    rows = []
    for membership in judges:
        link = active.get(membership.pk)
        url = (
            settings.SITE_URL + reverse("link-login", args=[services.login_link_token(link)])
            if link
            else ""
        )
        qr = segno.make(url, error="m").svg_inline(scale=4) if url else ""
        rows.append({"membership": membership, "link": link, "url": url, "qr": qr})
    return render(request, "contest/login_links.html", {"contest": contest, "rows": rows})
