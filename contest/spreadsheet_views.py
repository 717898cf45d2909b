"""Spreadsheet pages of the contest app: importing units, initiatives, entries and judges
(with a downloadable template each), and the contest's entries as a spreadsheet.

An import is previewed first, then imported. The file is not kept between the two steps: the
organiser chooses it again for the import (browsers cannot keep a chosen file), and the page
carries a signed fingerprint of the previewed file, so what is imported is the file that was
previewed. Nothing uploaded is stored anywhere, so nothing needs cleaning up and no one else's
file can be named; the import checks every row again all the same.
"""

import hashlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.spreadsheets import xlsx_response
from contest import exports, imports
from contest.models import Contest, Role
from contest.selectors import require_role

PREVIEW_SALT = "hoithi.import-preview"
PREVIEW_MAX_AGE = 60 * 60  # seconds between the preview and the import


class SpreadsheetForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.xlsx)"))


def _fingerprint(kind: str, contest: Contest | None, data: bytes) -> dict:
    return {
        "kind": kind,
        "contest": contest.pk if contest else None,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _import_page(request, kind_key: str, contest: Contest | None, *, done_url: str):
    kind = imports.import_kind(kind_key)
    kind.authorise(request.user, contest)
    if contest is None:
        template_url = reverse("units-import-template")
    else:
        template_url = reverse("contest-import-template", args=[contest.slug, kind_key])
    form = SpreadsheetForm(request.POST or None, request.FILES or None)
    report = None
    token = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = imports.read_upload(upload)
        except imports.SpreadsheetRefused as error:
            form.add_error("file", str(error))
            data = None
        action = request.POST.get("action")
        if data is not None and action == "import":
            previewed = request.POST.get("previewed", "")
            if previewed:
                try:
                    expected = signing.loads(previewed, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
                except signing.SignatureExpired:
                    form.add_error("file", _("The preview is too old; preview the file again."))
                    data = None
                except signing.BadSignature:
                    form.add_error("file", _("Preview the file again."))
                    data = None
                else:
                    if expected != _fingerprint(kind.key, contest, data):
                        form.add_error(
                            "file",
                            _("This is not the file you previewed; preview it, then import it."),
                        )
                        data = None
            if data is not None:
                report = imports.run_import(kind.key, data, contest, request.user)
                if report.committed:
                    counts = report.counts
                    messages.success(
                        request,
                        _(
                            "The spreadsheet is imported: %(create)d new, %(update)d changed, "
                            "%(unchanged)d unchanged."
                        )
                        % counts,
                    )
                    return redirect(done_url)
                messages.error(request, _("Nothing was imported: the spreadsheet has problems."))
        elif data is not None:
            report = imports.preview_import(kind.key, data, contest, request.user)
            if report.ok:
                token = signing.dumps(_fingerprint(kind.key, contest, data), salt=PREVIEW_SALT)
    context = {
        "kind": kind,
        "contest": contest,
        "columns": [
            {"column": column, "accepted": imports.accepted_values(column)}
            for column in kind.columns
        ],
        "form": form,
        "report": report,
        "token": token,
        "template_url": template_url,
        "max_rows": imports.MAX_ROWS,
        "max_megabytes": imports.MAX_FILE_SIZE // (1024 * 1024),
    }
    # A refused file (not a workbook, a ZIP bomb, too large, bad rows...) is the client's
    # error: the page explains it, with a 400 a script or a monitor can tell apart.
    refused = form.errors or (report is not None and not report.ok)
    status = 400 if request.method == "POST" and refused else 200
    return render(request, "contest/import.html", context, status=status)


def _contest_kind(kind: str) -> str:
    if kind not in imports.CONTEST_KINDS:
        raise Http404
    return kind


@login_required
def contest_import(request, slug, kind):
    """Import the contest's initiatives, entries or judges from a spreadsheet."""
    contest = get_object_or_404(Contest.objects.select_related("organising_unit"), slug=slug)
    kind = _contest_kind(kind)
    return _import_page(request, kind, contest, done_url=reverse("contest-detail", args=[slug]))


@login_required
def contest_import_template(request, slug, kind):
    contest = get_object_or_404(Contest.objects.select_related("organising_unit"), slug=slug)
    kind = _contest_kind(kind)
    imports.import_kind(kind).authorise(request.user, contest)
    content = imports.template_workbook(kind, contest, request.user)
    return xlsx_response(content, f"Mẫu nhập {imports.import_kind(kind).sheet_title}.xlsx")


@login_required
def units_import(request):
    """Import units (shared by every contest) from a spreadsheet."""
    return _import_page(request, "units", None, done_url=reverse("units-import"))


@login_required
def units_import_template(request):
    imports.import_kind("units").authorise(request.user, None)
    content = imports.template_workbook("units", None, request.user)
    return xlsx_response(content, "Mẫu nhập Đơn vị.xlsx")


@login_required
def contest_entries_xlsx(request, slug):
    """The contest's entries in the entries import's columns (so they import elsewhere)."""
    contest = get_object_or_404(Contest, slug=slug)
    require_role(request.user, contest, Role.ORGANISER)
    content = exports.entries_workbook(exports.contest_entries(contest))
    return xlsx_response(content, f"Bài dự thi - {contest.name}.xlsx")
