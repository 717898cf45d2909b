from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates import downloads, selectors, services
from certificates.models import Certificate
from config.errors import DomainError, NotAllowed
from contest.models import Contest, Role
from contest.selectors import representative_membership, roles_of


@login_required
def my_certificates(request):
    return render(
        request, "certificates/mine.html", {"certificates": selectors.certificates_of(request.user)}
    )


def certificate_pdf(request, pk):
    """One certificate's PDF, for whoever may see it (its holder, their unit's representative,
    the contest's organisers); anyone else is told it does not exist."""
    certificate = selectors.certificate_for_download(request.user, pk)
    if certificate is None:
        raise Http404
    return downloads.pdf_response(certificate)


@login_required
def download(request, pk):
    return certificate_pdf(request, pk)


def verify(request, code):
    certificate = get_object_or_404(
        Certificate.objects.select_related("contest", "unit"), verification_code=code
    )
    return render(request, "certificates/verify.html", {"certificate": certificate})


def contest_access(user, contest: Contest) -> tuple[bool, object]:
    """(is organiser, the representative's membership): who may see a contest's certificates
    beyond their own. Neither: the contest's certificate pages do not exist for them."""
    is_organiser = Role.ORGANISER in roles_of(user, contest)
    membership = None if is_organiser else representative_membership(user, contest)
    if not is_organiser and membership is None:
        raise Http404
    return is_organiser, membership


def contest_zip_response(request, slug):
    """Every valid certificate of the contest as one ZIP, a folder per unit; a unit
    representative gets their unit's."""
    contest = get_object_or_404(Contest, slug=slug)
    is_organiser, membership = contest_access(request.user, contest)
    certificates = selectors.downloadable(
        selectors.certificates_visible_to(request.user, contest)
    ).select_related("unit", "prize")
    name = f"Giấy chứng nhận - {contest.name}"
    if membership is not None:
        certificates = certificates.filter(unit=membership.unit)
        name = f"{name} - {membership.unit.name}"
    certificates = certificates.order_by("unit__name", "kind", "serial").iterator(chunk_size=200)
    return downloads.zip_response(certificates, downloads.safe_name(name, 150) + ".zip")


@login_required
def contest_zip(request, slug):
    return contest_zip_response(request, slug)


@login_required
def contest_certificates(request, slug):
    """The organiser's certificates page: issue a batch, watch it render, revoke one, download
    everything. A unit representative sees their unit's certificates and its ZIP."""
    contest = get_object_or_404(Contest, slug=slug)
    is_organiser, membership = contest_access(request.user, contest)
    certificates = (
        selectors.certificates_visible_to(request.user, contest)
        .select_related("unit", "prize")
        .order_by("kind", "serial")
    )
    if membership is not None:
        certificates = certificates.filter(unit=membership.unit)
    context = {
        "contest": contest,
        "is_organiser": is_organiser,
        "membership": membership,
        "certificates": certificates,
        "batches": selectors.batches_with_progress(contest) if is_organiser else [],
        "kinds": Certificate.Kind.choices,
        "zip_url": reverse("certificates:zip", args=[contest.slug]),
    }
    return render(request, "certificates/contest.html", context)


@login_required
@require_POST
def issue(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    # The certificates page sends its checkboxes (maybe none ticked); the contest page's
    # button sends none and issues every kind.
    kinds = request.POST.getlist("kinds") if "choose_kinds" in request.POST else None
    try:
        services.request_certificates(contest=contest, actor=request.user, kinds=kinds)
        messages.success(request, _("Certificates are being issued."))
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    if Role.ORGANISER in roles_of(request.user, contest):
        return redirect("certificates:contest", slug=slug)
    return redirect("contest-detail", slug=slug)


@login_required
@require_POST
def revoke(request, pk):
    certificate = (
        selectors.certificates_visible_to(request.user).select_related("contest").filter(pk=pk)
    ).first()
    if certificate is None:
        raise Http404
    try:
        services.revoke_certificate(
            certificate=certificate, actor=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The certificate is revoked."))
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("certificates:contest", slug=certificate.contest.slug)
