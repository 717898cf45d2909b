from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates import selectors, services
from certificates.models import Certificate
from config.errors import DomainError
from contest.models import Contest


@login_required
def my_certificates(request):
    return render(
        request, "certificates/mine.html", {"certificates": selectors.certificates_of(request.user)}
    )


def own_certificate_pdf(request, pk) -> FileResponse:
    """The PDF of one of the user's own certificates; anyone else's is not found."""
    certificate = selectors.certificates_of(request.user).filter(pk=pk).first()
    if certificate is None:
        raise Http404
    return FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"giay-chung-nhan-{certificate.serial}.pdf",
    )


@login_required
def download(request, pk):
    return own_certificate_pdf(request, pk)


def verify(request, code):
    certificate = get_object_or_404(
        Certificate.objects.select_related("contest", "entry__unit"), verification_code=code
    )
    return render(request, "certificates/verify.html", {"certificate": certificate})


@login_required
@require_POST
def issue(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    try:
        services.request_certificates(contest=contest, actor=request.user)
        messages.success(request, _("Certificates are being issued."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("contest-detail", slug=slug)
