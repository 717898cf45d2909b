"""The organiser's certificate template page: the template's settings, the optional own
layout, and a preview rendered from sample data (PNG on the page, and the PDF)."""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from certificates import render as certificate_render
from certificates import services
from certificates.forms import CertificateTemplateForm, PreviewKindForm
from certificates.models import Certificate, CertificateTemplate
from config.errors import DomainError
from config.forms import add_domain_error
from contest.models import Contest, Role
from contest.selectors import require_role

# The preview image's resolution: an A4 landscape page 1123 pixels wide.
PREVIEW_DPI = 96


def _organisers_contest(request, slug: str) -> Contest:
    contest = get_object_or_404(Contest, slug=slug)
    require_role(request.user, contest, Role.ORGANISER)  # refused: 403 (NotAllowedMiddleware)
    return contest


def _preview_kind(data) -> str:
    form = PreviewKindForm(data)
    return form.cleaned_data["kind"] if form.is_valid() else Certificate.Kind.PRIZE


def _preview(template: CertificateTemplate, kind: str) -> tuple[bytes, bytes]:
    """(PDF, PNG of its page) of a sample certificate of ``kind`` printed by ``template``."""
    pdf = certificate_render.render_certificate_pdf(
        services.sample_certificate_data(template, kind)
    )
    return pdf, certificate_render.rasterise(pdf, PREVIEW_DPI)


@login_required
def template_settings(request, slug):
    """Organisers set the template; "Preview" renders the unsaved input without saving it."""
    contest = _organisers_contest(request, slug)
    saved = CertificateTemplate.objects.filter(contest=contest).first()
    template = saved or CertificateTemplate(contest=contest)
    kind = _preview_kind(request.POST if request.method == "POST" else request.GET)
    form = CertificateTemplateForm(request.POST or None, request.FILES or None, instance=template)
    unsaved_preview = None
    if request.method == "POST" and form.is_valid():
        template = form.save(commit=False)
        if request.POST.get("action") == "preview":
            errors = services.layout_errors(template)
            if errors:
                add_domain_error(form, DomainError(errors=errors))
            else:
                pdf, png = _preview(template, kind)
                unsaved_preview = {
                    "png": base64.b64encode(png).decode("ascii"),
                    "pdf": base64.b64encode(pdf).decode("ascii"),
                }
        else:
            try:
                services.save_certificate_template(template=template, actor=request.user)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The certificate template is saved."))
                return redirect("certificates:template", slug=slug)
    context = {
        "contest": contest,
        "form": form,
        "saved": saved,
        "kind": kind,
        "kinds": Certificate.Kind.choices,
        "unsaved_preview": unsaved_preview,
        "fields": [(name, _(text)) for name, text in certificate_render.FIELDS.items()],
        "required_fields": certificate_render.REQUIRED_FIELDS,
        "placeholder": "{{ field_name }}",
        "builtin_layouts": [
            (label, certificate_render.builtin_layout_html(theme))
            for theme, label in CertificateTemplate.Theme.choices
        ],
    }
    return render(request, "certificates/template_settings.html", context)


def _saved_template_pdf(request, slug) -> bytes | HttpResponse:
    """The sample PDF of the saved template, or the response explaining why there is none."""
    contest = _organisers_contest(request, slug)
    template = CertificateTemplate.objects.filter(contest=contest).first()
    if template is None:
        raise Http404(_("Set up the certificate template first."))
    data = services.sample_certificate_data(template, _preview_kind(request.GET))
    try:
        return certificate_render.render_certificate_pdf(data)
    except certificate_render.LayoutError as error:  # stored by another way than the form
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")


def _uncached(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def template_preview_pdf(request, slug):
    pdf = _saved_template_pdf(request, slug)
    if isinstance(pdf, HttpResponse):
        return pdf
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="giay-chung-nhan-mau.pdf"'
    return _uncached(response)


@login_required
def template_preview_png(request, slug):
    pdf = _saved_template_pdf(request, slug)
    if isinstance(pdf, HttpResponse):
        return pdf
    png = certificate_render.rasterise(pdf, PREVIEW_DPI)
    return _uncached(HttpResponse(png, content_type="image/png"))
