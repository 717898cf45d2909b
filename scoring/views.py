import hashlib
import json
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.documents import formal_date_line
from config.downloads import as_attachment
from config.errors import DomainError, NotAllowed
from config.forms import add_domain_error
from config.pdf import font_faces, html_to_pdf
from config.spreadsheets import workbook, xlsx_response
from contest.models import Contest, Entry, Role
from contest.selectors import require_role, roles_of
from contest.templatetags.people import display_name
from scheduling.models import Round, Session
from scheduling.selectors import (
    heads_panel,
    require_session_staff,
    seat_of,
    sessions_for_judge,
    sessions_headed_by,
    slot_for_judging,
)
from scoring import dashboard, public, selectors, services
from scoring.forms import ScoreSheetForm
from scoring.models import Criterion, PublicationEvent, Ranking, Rubric, ScoreSheet
from scoring.templatetags.scoring_tags import place


@login_required
def judge_home(request):
    return render(
        request, "scoring/judge_home.html", {"sessions": sessions_for_judge(request.user)}
    )


def _judge_seated_session(request, pk) -> tuple[Session, object]:
    """The session and the judge's seat on its panel; nobody else's business."""
    session = get_object_or_404(Session.objects.select_related("round__contest", "room"), pk=pk)
    seat = seat_of(request.user, session)
    if seat is None:
        raise PermissionDenied
    return session, seat


@login_required
def judge_session(request, pk):
    """The judge's tablet: the running order and the scoring of the entry on stage. The page
    works offline (a service worker keeps it, an IndexedDB outbox keeps the sheets); without
    JavaScript the table below links to the plain score sheet form."""
    session, seat = _judge_seated_session(request, pk)
    console = selectors.judge_console(request.user, session, seat)
    statuses = dict(ScoreSheet.Status.choices)
    rows = [
        {**slot, "status": (console["sheets"].get(str(slot["entry"])) or {}).get("status")}
        for slot in console["slots"]
    ]
    for row in rows:
        row["status_label"] = statuses.get(row["status"], "")
    return render(
        request,
        "scoring/judge_session.html",
        {
            "session": session,
            "rows": rows,
            "console": console,
            "is_head_judge": seat.role == seat.Role.HEAD_JUDGE,
            "judge_text": _judge_text(),
            "judge_config": {
                "user": request.user.pk,
                "console_url": reverse("judge-console", args=[session.pk]),
                "submit_url": reverse("api-score-sheets"),
                "declare_url": reverse("api-declarations"),
                "worker_url": reverse("judge-service-worker"),
                "decimal_comma": get_language() == "vi",
            },
        },
    )


def _judge_text() -> dict[str, str]:
    """The judge page's words, for its script."""
    return {
        "now": _("On stage"),
        "not_scored": _("Not scored"),
        "draft": _("Draft"),
        "queued": _("Waiting to send"),
        "submitted": _("Submitted"),
        "locked": _("Locked"),
        "refused": _("Refused"),
        "abstained": _("Abstained"),
        "conflict": _("Conflict of interest"),
        "total": _("Total"),
        "submit": _("Submit"),
        "not_scoring": _("Not scoring this entry…"),
        "missing": _("%(count)s criteria still to mark"),
        "range": _("0 to %(max)s, in steps of %(step)s"),
        "not_counted": _("Not counted in the total"),
        "optional": _("optional"),
        "waiting_one": _("1 sheet waiting to send"),
        "waiting_other": _("%(count)s sheets waiting to send"),
        "all_sent": _("All sheets sent"),
        "offline": _("No network: the sheets stay on this tablet and are sent when it returns."),
        "refused_note": _("Not accepted: %(message)s"),
        "round_closed": _("The round is not open for scoring."),
        "choose_entry": _("Choose an entry in the running order."),
        "read_only": _("Sent: this sheet can no longer be changed."),
        "discard": _("Dismiss"),
        "reason_needed": _("Give a reason."),
        "clear": _("Clear"),
        "nudge": _("Reminder from the head judge: your sheet for “%(title)s” is still missing."),
        "other_judge": _(
            "Another judge has logged in on this tablet since this page was opened. Reload "
            "the page with the network on."
        ),
    }


@login_required
def judge_console(request, pk):
    """The judge page's live data, polled every few seconds: 304 while nothing changed."""
    session, seat = _judge_seated_session(request, pk)
    # The tag is read before the document is built: a change in between makes the next poll
    # fetch the document again, never miss it.
    etag = selectors.judge_console_tag(request.user, session)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        document = selectors.judge_console(request.user, session, seat)
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False), content_type="application/json"
        )
    response["ETag"] = etag
    # The service worker, not the HTTP cache, keeps the last copy for offline use.
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def head_console(request, pk):
    """The head judge's console (also for secretaries and organisers): who has submitted what,
    live; reminders; unlocking a sheet; the stage; the presentation timer and its penalty."""
    session = get_object_or_404(
        Session.objects.select_related("round__contest", "room", "panel"), pk=pk
    )
    try:
        require_session_staff(request.user, session, Role.ORGANISER, Role.SECRETARY)
    except NotAllowed as refusal:
        raise PermissionDenied from refusal
    can_penalise = Role.ORGANISER in roles_of(request.user, session.round.contest) or heads_panel(
        request.user, session
    )
    return render(
        request,
        "scoring/head_console.html",
        {
            "session": session,
            # The head judge signs the round's newest ranking off before it is published.
            "sign_off": heads_panel(request.user, session)
            and selectors.newest_ranking(session.round),
            "head_config": {
                "round": session.round_id,
                "progress_url": reverse("api-progress", args=[session.pk]),
                "advance_url": reverse("api-session-advance", args=[session.pk]),
                "nudge_url": reverse("api-nudges", args=[session.pk]),
                "unlock_url": reverse("api-score-sheet-unlock", args=[0]),
                "timers_url": reverse("api-timers", args=[session.round_id]),
                "penalties_url": reverse("api-penalties", args=[session.round_id]),
                "can_penalise": can_penalise,
                "decimal_comma": get_language() == "vi",
            },
            "head_text": {
                "on_stage": _("On stage"),
                "previous": _("Previous"),
                "next": _("Next"),
                "nudge": _("Remind"),
                "nudged": _("Reminded"),
                "unlock": _("Unlock"),
                "unlock_reason": _("Why reopen this sheet? The reason is kept in the record."),
                "start": _("Start"),
                "pause": _("Pause"),
                "stop": _("Stop"),
                "allowed": _("allowed %(minutes)s min"),
                "over": _("%(minutes)s min over time"),
                "apply": _("Deduct %(points)s points"),
                "penalty_reason": _("Overtime in %(part)s: %(minutes)s min"),
                "applied": _("Penalty applied"),
                "missing": _("missing"),
                "draft": _("draft"),
                "submitted": _("submitted"),
                "locked": _("locked"),
                "own_unit": _("own unit"),
                "conflict": _("conflict"),
                "abstained": _("abstained"),
                "failed": _("Not done: %(message)s"),
            },
        },
    )


def judge_service_worker(request):
    """Served from /judge/ so that its scope covers the judge pages; rendered so that it names
    the current (hashed) static files."""
    response = render(request, "scoring/judge_sw.js", content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


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
    record = list(selectors.publication_record(round))
    signed = defaultdict(list)
    for event in record:
        if event.action == PublicationEvent.Action.SIGNED_OFF:
            signed[event.ranking_id].append(display_name(event.actor))
    for ranking in rankings:
        ranking.signed_by = signed.get(ranking.pk, [])
    sheets = ScoreSheet.objects.filter(round=round)
    return render(
        request,
        "scoring/round_rankings.html",
        {
            "round": round,
            "rankings": rankings,
            "comparison": selectors.compare_with_published(rankings),
            "record": record,
            "has_prizes": round.kind == Round.Kind.FINAL and round.contest.prizes.exists(),
            "submitted": sheets.exclude(status=ScoreSheet.Status.DRAFT).count(),
            "drafts": sheets.filter(status=ScoreSheet.Status.DRAFT).count(),
            # Shown before publishing; publishing without them needs them confirmed.
            "missing": selectors.missing_sheets(round),
            "advancement": round.kind == Round.Kind.FINAL
            and round.contest.advancement_rule != Contest.AdvancementRule.NONE,
        },
    )


def _confirmed_missing(request) -> list[tuple[int, int]] | None:
    """The (judge, entry) pairs of the missing sheets the organiser confirmed on the page,
    as "judge:entry" values; None when they did not tick the confirmation."""
    if not request.POST.get("confirm_missing"):
        return None
    pairs = []
    for value in request.POST.getlist("missing"):
        judge, _sep, entry = value.partition(":")
        if judge.isdigit() and entry.isdigit():
            pairs.append((int(judge), int(entry)))
    return pairs


@login_required
@require_POST
def ranking_publish(request, pk):
    ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
    try:
        ceremony = bool(request.POST.get("ceremony"))
        services.publish_ranking(
            ranking=ranking,
            actor=request.user,
            confirm_missing=_confirmed_missing(request),
            ceremony=ceremony,
        )
        if ceremony:
            messages.success(
                request,
                _("Version %(v)s is published for the ceremony: reveal its prizes from the remote.")
                % {"v": ranking.version},
            )
            return redirect("ceremony-remote", slug=ranking.round.contest.slug)
        messages.success(request, _("Ranking version %(v)s is published.") % {"v": ranking.version})
    except NotAllowed as refusal:
        raise PermissionDenied from refusal
    except DomainError as error:
        # A refusal for missing sheets: the rankings page lists them, with the confirmation.
        messages.error(request, error.message)
    return redirect("round-rankings", pk=ranking.round_id)


@login_required
@require_POST
def ranking_unpublish(request, pk):
    ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
    try:
        services.unpublish_ranking(ranking=ranking, actor=request.user)
    except NotAllowed as refusal:
        raise PermissionDenied from refusal
    messages.success(request, _("Version %(v)s is no longer public.") % {"v": ranking.version})
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
    """The published results on a phone: the same document as the API and the board, with
    its ETag (per language and login, since the page shows both) and Last-Modified."""
    results = public.public_results(slug)
    if results is None:
        raise Http404
    tag = hashlib.blake2b(
        f"{results.etag}|{get_language()}|{request.user.pk or 0}|{PAGE_VERSION}".encode(),
        digest_size=12,
    ).hexdigest()
    etag = f'"{tag}"'
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=int(results.last_modified)
    )
    if not_modified is not None:
        response = not_modified
    else:
        document = json.loads(results.body)
        for round_document in document["rounds"]:
            decimals = round_document["decimals"]
            for standing in round_document["standings"]:
                standing["place"] = place(Decimal(str(standing["rank"])))
                standing["score_text"] = number_format(
                    Decimal(standing["score"]), decimal_pos=decimals
                )
                for judge in standing.get("judges", []):
                    judge["score_text"] = number_format(Decimal(judge["score"]), decimal_pos=2)
                standing["criteria_text"] = [
                    "" if value is None else number_format(Decimal(value), decimal_pos=2)
                    for value in standing.get("criteria", {}).values()
                ]
        response = render(
            request,
            "scoring/public_results.html",
            {"document": document, "contest": document["contest"]},
        )
    response["ETag"] = etag
    response["Last-Modified"] = results.last_modified_http
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


# Part of the results page's ETag: bump it when the page's template changes shape.
PAGE_VERSION = 1


def results_board(request, slug):
    """The live board for the projector: large type in the contest's colour, following the
    published results within seconds (it polls the public document with its ETag), and the
    prize ceremony as the organiser steps through it."""
    contest = get_object_or_404(Contest.objects.select_related("organising_unit"), slug=slug)
    return render(
        request,
        "scoring/board.html",
        {
            "contest": contest,
            "results_url": reverse("api-public-results", args=[slug]),
            "round_id": request.GET.get("round", "")
            if request.GET.get("round", "").isdigit()
            else "",
            "text": {
                "waiting": _("The results will appear here once they are published."),
                "ceremony": _("Prize ceremony"),
                "of": _("of"),
                "rank": _("Rank"),
                "score": _("Score"),
                "prize": _("Prize"),
                "offline": _("Connection lost; showing the last results received."),
                "next_prize": _("The next prize will be announced shortly."),
            },
        },
    )


@login_required
def ceremony_remote(request, slug):
    """The organiser's remote for the prize ceremony (a phone or a laptop): which prize the
    board shows, which comes next, a button for it and one to end the ceremony."""
    contest = get_object_or_404(Contest, slug=slug)
    if Role.ORGANISER not in roles_of(request.user, contest):
        raise PermissionDenied
    if request.method == "POST":
        ranking = get_object_or_404(
            Ranking.objects.select_related("round__contest"),
            pk=request.POST.get("ranking") if str(request.POST.get("ranking")).isdigit() else 0,
            round__contest=contest,
        )
        try:
            if request.POST.get("action") == "finish":
                services.finish_reveal(ranking=ranking, actor=request.user)
            else:
                step = request.POST.get("step", "")
                services.reveal_next_prize(
                    ranking=ranking,
                    actor=request.user,
                    step=int(step) if step.isdigit() else -1,
                )
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("ceremony-remote", slug=slug)
    return render(
        request,
        "scoring/ceremony_remote.html",
        {"contest": contest, "ceremonies": public.ceremonies(contest)},
    )


@login_required
def ranking_sign_off(request, pk):
    """The head judge reads a version of the round's ranking (standings and how many judges
    counted, never a colleague's marks) and signs it off for publication."""
    ranking = get_object_or_404(Ranking.objects.select_related("round__contest"), pk=pk)
    if not sessions_headed_by(request.user, ranking.round_id).exists():
        raise PermissionDenied
    if request.method == "POST":
        services.sign_off_ranking(ranking=ranking, actor=request.user)
        messages.success(request, _("You signed off version %(v)s.") % {"v": ranking.version})
        return redirect("ranking-sign-off", pk=pk)
    ranking = selectors.rankings_for_review(ranking.round).get(pk=pk)
    return render(
        request,
        "scoring/ranking_sign_off.html",
        {
            "ranking": ranking,
            "prizes": selectors.prizes_by_entry(ranking),
            "signed": ranking.publication_events.filter(
                action="signed_off", actor=request.user
            ).first(),
            "newest": selectors.newest_ranking(ranking.round),
        },
    )


@login_required
def round_minutes_pdf(request, pk):
    """The minutes (biên bản) of a round, from its published snapshot, to be signed by the
    judges and the secretary."""
    round = get_object_or_404(Round.objects.select_related("contest__organising_unit"), pk=pk)
    require_role(request.user, round.contest, Role.ORGANISER, Role.SECRETARY)
    with translation.override("vi"):  # an official document: Vietnamese, decimal commas
        minutes = selectors.round_minutes(round)
        if minutes is None:
            raise Http404(_("The round's results are not published yet."))
        published = timezone.localtime(minutes.ranking.published_at).date()
        html = render_to_string(
            "scoring/minutes_pdf.html",
            {
                "minutes": minutes,
                "font_faces": font_faces(),
                "date_line": formal_date_line(round.contest.place, published),
            },
        )
    return as_attachment(
        HttpResponse(html_to_pdf(html), content_type="application/pdf"),
        f"Biên bản - {round.contest.name} - {round.name}.pdf",
    )


@login_required
def round_results_xlsx(request, pk):
    """The results summary (bảng tổng hợp điểm) and each judge's score sheets (phiếu chấm) of
    a round, from its published snapshot, as one Excel workbook."""
    round = get_object_or_404(Round.objects.select_related("contest"), pk=pk)
    require_role(request.user, round.contest, Role.ORGANISER, Role.SECRETARY)
    minutes = selectors.round_minutes(round)
    if minutes is None:
        raise Http404(_("The round's results are not published yet."))
    criteria = list(Criterion.objects.filter(rubric__round=round).order_by("order", "id"))
    judge_names = [display_name(judge) for judge in minutes.judges]
    sheets = [
        (
            "Tổng hợp",
            ["Thứ hạng", "Đơn vị", "Mô hình", *judge_names, "Điểm", "Số GK tính điểm", "Giải"],
            [
                (
                    row.rank,
                    row.entry.unit.name,
                    row.entry.initiative.title,
                    *row.by_judge,
                    row.score,
                    row.judges_counted,
                    row.prize.name if row.prize else "",
                )
                for row in minutes.rows
            ],
        )
    ]
    marks = selectors.judges_marks(round, minutes.judges)
    for number, (judge, name) in enumerate(zip(minutes.judges, judge_names, strict=True), 1):
        sheets.append(
            (
                f"GK {number}",
                ["Giám khảo", "Đơn vị", "Mô hình", *(c.name for c in criteria), "Tham gia"],
                [
                    (
                        name,
                        entry.unit.name,
                        entry.initiative.title,
                        *(values.get(c.code) for c in criteria),
                        participation,
                    )
                    for entry, values, participation in marks.get(judge.pk, [])
                ],
            )
        )
    return xlsx_response(
        workbook(sheets), f"Bảng tổng hợp điểm - {round.contest.name} - {round.name}.xlsx"
    )


@login_required
def contest_dashboard(request, slug):
    """The organiser's view of the whole contest: signup by unit, the approval queue, the
    schedule, judging progress, rankings and charts."""
    contest = get_object_or_404(Contest.objects.select_related("organising_unit"), slug=slug)
    # Judges never see aggregates of their colleagues' marks before publication.
    if Role.ORGANISER not in roles_of(request.user, contest):
        raise PermissionDenied
    return render(
        request,
        "scoring/dashboard.html",
        {"contest": contest, "board": dashboard.contest_dashboard(contest)},
    )


@login_required
def contest_advancement(request, slug):
    """Advancement to the next level: the contest's rule, who it chooses from the published
    results and why, who has advanced (and who was withdrawn since, and why); the entries
    that came into this contest from lower levels, with their results there; and, for the
    organisers, the button that advances the winners."""
    contest = get_object_or_404(
        Contest.objects.select_related("advances_to", "organising_unit"), slug=slug
    )
    if Role.ORGANISER not in roles_of(request.user, contest):
        raise PermissionDenied
    if request.method == "POST":
        try:
            result = services.advance_winners(contest=contest, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            _report_advancement(request, result)
        return redirect("contest-advancement", slug=slug)
    incoming = list(
        Entry.objects.filter(contest=contest, advanced_from__isnull=False)
        .select_related("unit", "initiative", "advanced_from__contest", "advanced_from__unit")
        .order_by("id")
    )
    return render(
        request,
        "scoring/contest_advancement.html",
        {
            "contest": contest,
            "plan": selectors.advancement_plan(contest),
            "incoming": incoming,
            "origins": selectors.advancement_origins(incoming),
        },
    )


def _report_advancement(request, result: services.AdvancementResult) -> None:
    target = result.target.name
    if result.created:
        messages.success(
            request,
            ngettext(
                "%(count)s entry advanced to %(contest)s.",
                "%(count)s entries advanced to %(contest)s.",
                len(result.created),
            )
            % {"count": len(result.created), "contest": target},
        )
    if result.existing:
        messages.info(
            request,
            ngettext(
                "%(count)s entry had advanced already; nothing changed for it.",
                "%(count)s entries had advanced already; nothing changed for them.",
                len(result.existing),
            )
            % {"count": len(result.existing)},
        )
    if not result.created and not result.existing and not result.skipped:
        messages.info(request, _("The rule chooses no entry."))
    for entry, why in result.skipped:
        messages.warning(
            request,
            _("“%(title)s” does not advance: %(why)s")
            % {"title": entry.initiative.title, "why": why},
        )
    if result.representatives_added:
        messages.info(
            request,
            ngettext(
                "%(count)s unit representative can now send files in %(contest)s.",
                "%(count)s unit representatives can now send files in %(contest)s.",
                result.representatives_added,
            )
            % {"count": result.representatives_added, "contest": target},
        )
