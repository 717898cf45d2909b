"""The access matrix (issue 9): every URL of the project × every role, in one table.

`test_every_url_is_in_the_matrix` walks Django's resolver and fails for a URL pattern no row
of MATRIX requests (each row's address is resolved, so a row counts for the pattern it really
reaches): a new URL cannot be added without deciding who may reach it. Django's admin is one
rule (staff only; nobody here is staff, the sampled admin rows check it), and the login
pattern of django.contrib.auth.urls is shadowed by the project's own.

Each row is one request (GET for a page or a read, POST/PUT for a write, FORM for a page's
form) about this contest's objects: the entry on stage of tests/integration/
test_authorization_matrix.py (whose stage this file builds on, and whose scoring endpoints
it takes over, adding the representative of another unit), and the objects every other
page needs. Each cell is that request by one person, in a savepoint of its own, and checks

- the status: 200/201/202 allowed, 302 an allowed write or redirect onwards, 403/404
  refused, `login` a redirect to the login page, `admin` one to the admin's login, `ref`
  refused by a redirect back with a message;
- that a refused request, and any read, leaves every row of the contest, scheduling,
  scoring and certificates tables (and the accounts) exactly as they were, and that an
  allowed write has changed them (and done its work, where the row says what that is);
- that an allowed answer shows no colleague's individual marks to those whose job it is not.

`test_no_other_object_is_reachable_by_changing_an_id` then asks, as every role a row allows
(but the other contest's own organiser), for the same address with the id or slug of the
other contest's object instead (for panel A's people also panel B's session; for a unit
representative and a presenter also another unit's entry, file or certificate): refused, 403
or 404, and nothing written. An id in the body (an entry, a panel, a judge, a ranking of the
other contest) may also be refused as bad input: 400 from the API, `ref` or `form` (the form
shown again, 200, with its error) from a page. A row whose address names an object and has
no swap says why (public, a token that is the key, the caller's own).

A trailing `!` marks a cell where the application is believed wrong: the cell keeps the
right answer and runs as a strict xfail with its reason in BUGS.

The cells of a row run inside one test (a test per cell cost ten times the requests'
time in fixtures: the file would take minutes); a refused cell and a read are checked for
writes by PostgreSQL's own count of the rows the transaction wrote, and the tables' digests
are compared only when it moved.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from certificates.models import Certificate, CertificateBatch, CertificateTemplate
from contest import imports
from contest import services as contest_services
from contest.auth import account_digest
from contest.models import (
    Contest,
    Entry,
    EntryAttachment,
    LoginFailure,
    LoginLink,
    Membership,
    Role,
)
from scheduling import checks
from scheduling import services as scheduling_services
from scheduling.models import Break, Draw, Room, Round, ScheduleVersion, Session
from scheduling.views import calendar_token
from scoring import public
from scoring import services as scoring_services
from scoring.models import (
    Criterion,
    PenaltyRule,
    Prize,
    PublicationEvent,
    Rubric,
    RubricPart,
)
from tests.conftest import celery_settings
from tests.integration import test_authorization_matrix as scoring_matrix
from tests.integration.test_authorization_matrix import (
    GOOD_MARKS,
    SECRETS,
    Stage,
    build_stage,
    publish,
)
from tests.thin_path import TabletClient
from tests.world import make_user, session_start

# The footprint of the tables is taken in PostgreSQL's SQL (md5, string_agg, pg_stat_xact).
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Column headings of MATRIX → the role each column plays (the keys of `stage.users`).
ROLES = {
    "org": "organiser",  # organiser of this contest
    "orgX": "organiser_other_contest",  # organiser of the other contest only
    "secr": "secretary",
    "head": "head_judge",  # head judge of panel A, which judges the entry on stage
    "this": "judge_this_panel",  # judge on panel A
    "off": "judge_other_panel",  # judge on panel B, another session of the round
    "own": "judge_own_unit",  # on panel A, but from the entry's own unit
    "rep": "representative",  # representative of the entry's unit
    "repX": "representative_other_unit",  # representative of another unit of this contest
    "pres": "presenter",  # the entry's presenter
    "anon": "anonymous",
}
SHORT = {role: short for short, role in ROLES.items()}
ALLOWED = {"200", "201", "202", "302"}
# Who may reach the other contest's objects by right.
OTHER_CONTEST = {"organiser_other_contest"}
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- the stage --------------------------------------------------------------------------------


@dataclass
class AccessStage(Stage):
    here: SimpleNamespace = field(default_factory=SimpleNamespace)  # more of this contest's
    other: SimpleNamespace = field(default_factory=SimpleNamespace)  # the other contest's


def _attachment(entry: Entry, actor, kind: str = "outline") -> EntryAttachment:
    attachment = EntryAttachment(
        entry=entry,
        kind=kind,
        original_name=f"{kind}.pdf",
        content_type="application/pdf",
        extension="pdf",
        size=len(PDF_BYTES),
        sha256=f"{entry.pk:064d}",
        uploaded_by=actor,
    )
    attachment.file.save("upload.pdf", ContentFile(PDF_BYTES), save=False)
    attachment.save()
    return attachment


def _certificate(contest, entry: Entry, serial: int, batch=None) -> Certificate:
    person = entry.presenters.order_by("id").first()
    certificate = Certificate(
        contest=contest,
        batch=batch,
        kind=Certificate.Kind.PARTICIPATION,
        person=person,
        unit=entry.unit,
        entry=entry,
        serial=serial,
        verification_code=f"code{contest.pk}x{entry.pk}x{serial}",
        recipient_name=person.full_name,
        achievement="Đã tham gia Hội thi",
        issued_on=date(2019, 10, 20),
        rendered_at=timezone.now(),
    )
    certificate.pdf.save("certificate.pdf", ContentFile(PDF_BYTES), save=False)
    certificate.save()
    return certificate


def _rubric(round: Round) -> SimpleNamespace:
    rubric = Rubric.objects.create(round=round, decimals=2)
    part = RubricPart.objects.create(rubric=rubric, name="Trình bày", order=1)
    criterion = Criterion.objects.create(
        rubric=rubric, part=part, code="content", name="Nội dung", max_score=10, order=1
    )
    spare = Criterion.objects.create(
        rubric=rubric, part=part, code="extra", name="Phụ", max_score=5, order=2
    )
    rule = PenaltyRule.objects.create(part=part, minutes_over=1, points="0.5")
    empty_part = RubricPart.objects.create(rubric=rubric, name="Phần trống", order=2)
    return SimpleNamespace(
        rubric=rubric, part=part, criterion=criterion, spare=spare, rule=rule, empty=empty_part
    )


def build_here(stage: Stage) -> SimpleNamespace:
    """What the other pages need of this contest, besides the scoring stage."""
    world = stage.world
    contest, organiser = world.contest, world.organiser
    entries = list(Entry.objects.filter(contest=contest).order_by("id"))
    # The first unit's (the other-unit representative's), in panel A's session.
    other_unit_entry = stage.session.slots.get(entry__unit=world.units[0]).entry
    assert other_unit_entry.unit == world.units[0] and stage.entry.unit == world.units[1]
    # One entry still to decide, of the entry's unit (signup reopened for a moment).
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.SIGNUP_OPEN)
    pending = contest_services.register_entry(
        contest=contest,
        user=world.representatives[1],
        initiative_title="Mô hình chờ duyệt",
        field="economy",
        kind="individual",
        presenters=[contest_services.PresenterInput(full_name="Lê Văn Chờ", email="c@ex.org")],
    )
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.JUDGING)
    # A round still being set up, whose rubric may change (the final's is in use).
    prelim = Round.objects.create(
        contest=contest, name="Vòng sơ khảo", kind=Round.Kind.PRELIMINARY, sequence=2
    )
    batch = CertificateBatch.objects.create(
        contest=contest,
        kinds=[Certificate.Kind.PARTICIPATION],
        total=2,
        status=CertificateBatch.Status.DONE,
        requested_by=organiser,
    )
    secretary2 = make_user("secretary-two")
    judge2_membership = Membership.objects.get(contest=contest, user=world.judges[1])
    link = contest_services.issue_login_link(membership=judge2_membership, actor=organiser)
    return SimpleNamespace(
        entries=entries,
        other_unit_entry=other_unit_entry,
        pending=pending,
        attachment=_attachment(stage.entry, organiser),
        other_unit_attachment=_attachment(other_unit_entry, organiser),
        room=Room.objects.create(contest=contest, name="Hội trường A"),
        spare_room=Room.objects.create(contest=contest, name="Phòng họp nhỏ"),
        pause=Break.objects.create(session=stage.session, after_position=1, minutes=10),
        slot=stage.session.slots.get(entry=stage.entry),
        prelim=SimpleNamespace(round=prelim, **vars(_rubric(prelim))),
        prize=Prize.objects.get(contest=contest, order=1),
        spare_prize=Prize.objects.create(
            contest=contest, name="Giải Khuyến khích", tier=Prize.Tier.CONSOLATION, order=9
        ),
        spare_membership=Membership.objects.create(
            contest=contest, user=secretary2, role=Role.SECRETARY
        ),
        judge2_membership=judge2_membership,
        link=link,
        link_token=contest_services.login_link_token(link),
        calendar_token=calendar_token(world.judges[1]),
        batch=batch,
        certificate=_certificate(contest, stage.entry, 1, batch),
        other_unit_certificate=_certificate(contest, other_unit_entry, 2, batch),
    )


def build_other(stage: Stage) -> SimpleNamespace:
    """The other contest, with one of everything an address can name. Its entry is of the
    entry's own unit: being that unit's representative here gives no say there."""
    world = stage.world
    contest = world.other_contest
    organiser = stage.users["organiser_other_contest"]
    representative = make_user("rep-other-contest")
    Membership.objects.create(
        contest=contest, user=representative, role=Role.UNIT_REPRESENTATIVE, unit=world.units[1]
    )
    head = make_user("head-other-contest")
    Membership.objects.create(contest=contest, user=head, role=Role.HEAD_JUDGE)
    round = Round.objects.create(contest=contest, name="Vòng X", kind=Round.Kind.FINAL)
    rubric = _rubric(round)
    entry = contest_services.register_entry(
        contest=contest,
        user=representative,
        initiative_title="Mô hình của hội thi khác",
        field="economy",
        kind="individual",
        presenters=[contest_services.PresenterInput(full_name="Phạm Thị Khác", email="x@ex.org")],
    )
    contest_services.approve_entry(entry=entry, actor=organiser)
    pending = contest_services.register_entry(
        contest=contest,
        user=representative,
        initiative_title="Mô hình khác chờ duyệt",
        field="economy",
        kind="individual",
        presenters=[contest_services.PresenterInput(full_name="Phạm Văn Chờ", email="y@ex.org")],
    )
    panel = scheduling_services.create_panel(
        contest=contest,
        name="BGK X",
        actor=organiser,
        seats=[scheduling_services.SeatInput(head, head=True)],
    )
    session = scheduling_services.create_session(
        round=round, name="Phiên X", starts_at=session_start(), panel=panel, actor=organiser
    )
    scheduling_services.draw_running_order(session=session, actor=organiser)
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.JUDGING)
    scheduling_services.set_round_status(round=round, status="open", actor=organiser)
    sheet = scoring_services.save_score_sheet(
        judge=head, round=round, entry=entry, marks={"content": "7", "extra": "3"}, submit=True
    )
    ranking = scoring_services.compute_ranking(round=round)
    batch = CertificateBatch.objects.create(
        contest=contest,
        kinds=[Certificate.Kind.PARTICIPATION],
        total=1,
        status=CertificateBatch.Status.DONE,
        requested_by=organiser,
    )
    CertificateTemplate.objects.create(
        contest=contest, issuing_body="BAN TỔ CHỨC", signer_title="TRƯỞNG BAN", signer_name="X"
    )
    head_membership = Membership.objects.get(contest=contest, user=head)
    return SimpleNamespace(
        contest=contest,
        round=round,
        **vars(rubric),
        entry=entry,
        pending=pending,
        panel=panel,
        session=session,
        slot=session.slots.get(),
        pause=Break.objects.create(session=session, after_position=1, minutes=5),
        draw=Draw.objects.get(session=session),
        sheet=sheet,
        ranking=ranking,
        prize=Prize.objects.create(contest=contest, name="Giải X", tier=Prize.Tier.FIRST),
        room=Room.objects.create(contest=contest, name="Phòng X"),
        attachment=_attachment(entry, organiser),
        batch=batch,
        certificate=_certificate(contest, entry, 1, batch),
        membership=Membership.objects.create(
            contest=contest, user=make_user("secretary-other-contest"), role=Role.SECRETARY
        ),
        head=head,
        head_membership=head_membership,
        link=contest_services.issue_login_link(membership=head_membership, actor=organiser),
    )


def build_access_stage() -> AccessStage:
    stage = build_stage()
    stage.users["representative_other_unit"] = stage.world.representatives[0]
    assert set(ROLES.values()) <= set(stage.users)
    # Nobody here is staff: Django's admin is closed to every role (its rows check it).
    assert not get_user_model().objects.filter(is_staff=True).exists()
    fields = {name: getattr(stage, name) for name in Stage.__dataclass_fields__}
    access = AccessStage(**fields)
    access.here = build_here(stage)
    access.other = build_other(stage)
    return access


# --- the requests -----------------------------------------------------------------------------


def rev(name: str, *args) -> str:
    return reverse(name, args=args)


def slug(s: AccessStage) -> str:
    return s.world.contest.slug


def other_slug(s: AccessStage) -> str:
    return s.other.contest.slug


def pdf_upload(name: str = "slides.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def xlsx_upload(kind: str, s: AccessStage) -> SimpleUploadedFile:
    """The import's own template: a file the preview reads (and finds nothing to do in)."""
    contest = None if kind == "units" else s.world.contest
    content = imports.template_workbook(kind, contest, s.world.organiser)
    return SimpleUploadedFile(
        "import.xlsx",
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@dataclass(frozen=True)
class Swap:
    """The row's request naming another contest's (or unit's) object instead, made as each
    role the row allows (of `roles`, if given; the other contest's own organiser never)."""

    label: str
    url: Callable[[AccessStage], str]
    body: Callable[[AccessStage], dict] | None = None  # None: the row's own body
    roles: frozenset[str] | None = None
    # The refusals that hold. By default 403 or 404 for an address; for an id in the body
    # also 400 (the API: "no such entry in this round's contest"), and for a page's form
    # `ref` (sent back with the error) or `form` (200: the form shown again with it).
    refusals: tuple[str, ...] | None = None
    # For a swap whose answer is 200 by right: what it may show (nothing of the other's).
    check: Callable[[AccessStage, str, Any], None] | None = None

    def accepted(self) -> tuple[str, ...]:
        if self.refusals is not None:
            return self.refusals
        return ("404", "403") if self.body is None else ("404", "403", "400", "ref", "form")


def other(label: str, url, body=None) -> Swap:
    return Swap(label, url, body)


def other_unit(label: str, url, body=None, roles=("representative", "presenter")) -> Swap:
    return Swap(label, url, body, frozenset(roles))


def NO_SETUP(s: AccessStage) -> None:  # noqa: N802 (a constant)
    """Nothing to do before the request."""


@dataclass(frozen=True)
class Row:
    method: str  # GET, POST (JSON), PUT (JSON) or FORM (a page's form: multipart POST)
    url: Callable[[AccessStage], str]
    body: Callable[[AccessStage], dict] = lambda s: {}
    setup: Callable[[AccessStage], None] = NO_SETUP
    # For writes: what an allowed request must have done (beyond changing some row).
    done: Callable[[AccessStage, Any], bool] | None = None
    # Whether an allowed request writes (default: every method but GET).
    writes: bool | None = None
    shows_marks: bool = False
    check: Callable[[AccessStage, str, Any], None] | None = None
    swaps: tuple[Swap, ...] = ()
    # Why the row has no id swap although its address names an object.
    no_swap: str = ""

    @property
    def is_write(self) -> bool:
        return self.method != "GET" if self.writes is None else self.writes


def from_scoring(name: str, *swaps: Swap, no_swap: str = "") -> Row:
    """A row of test_authorization_matrix.py's ENDPOINTS, unchanged, with its id swaps."""
    endpoint = scoring_matrix.ENDPOINTS[name]
    return Row(
        endpoint.method,
        endpoint.url,
        endpoint.body,
        endpoint.setup,
        endpoint.done,
        None,
        endpoint.shows_marks,
        endpoint.check,
        swaps,
        no_swap,
    )


# --- what a cell may need before its request ------------------------------------------------


def set_contest_status(status: str):
    def setup(s: AccessStage) -> None:
        Contest.objects.filter(pk=s.world.contest.pk).update(status=status)

    return setup


def plan_round(s: AccessStage) -> None:
    """Back to before scoring: the schedule, the draw and the rubric may change again."""
    Round.objects.filter(pk=s.round.pk).update(status=Round.Status.PLANNED)


def publish_and_close_round(s: AccessStage) -> None:
    """Publishing the final's ranking publishes the contest's results; once its rounds are
    closed, the contest may close."""
    publish(s)
    Round.objects.filter(contest=s.world.contest).update(status=Round.Status.CLOSED)


def advance_the_best(s: AccessStage) -> None:
    """The best entry of the published final goes on to the city's contest."""
    Contest.objects.filter(pk=s.world.contest.pk).update(
        advancement_rule=Contest.AdvancementRule.TOP_N, advancement_count=1
    )
    publish(s)


def advanced(s: AccessStage, actor) -> bool:
    return Entry.objects.filter(contest=s.world.contest.advances_to, decided_by=actor).exists()


def no_blocking_problems(s: AccessStage) -> None:
    Round.objects.filter(pk=s.round.pk).update(
        problem_severities={code: checks.WARNING for code in checks.DEFAULT_SEVERITY}
    )


def approve_pending(s: AccessStage) -> None:
    contest_services.approve_entry(entry=s.here.pending, actor=s.world.organiser)


def publish_schedule(s: AccessStage) -> None:
    ScheduleVersion.objects.create(
        round=s.round, number=1, published_by=s.world.organiser, snapshot={"sessions": []}
    )


# --- what an allowed answer must (not) show ---------------------------------------------------

SEES_EVERY_ENTRY = {"organiser", "secretary", "head_judge"}


def entries_shown(s: AccessStage, role: str) -> set[int]:
    """The entries of this contest each role may list: all for those who run it; their own
    unit's for a representative; none for anyone else."""
    everything = Entry.objects.filter(contest=s.world.contest)
    if role in SEES_EVERY_ENTRY:
        return set(everything.values_list("pk", flat=True))
    unit = {"representative": s.world.units[1], "representative_other_unit": s.world.units[0]}
    if role in unit:
        return set(everything.filter(unit=unit[role]).values_list("pk", flat=True))
    return set()


def api_entries_as_allowed(s: AccessStage, role: str, response) -> None:
    assert {entry["id"] for entry in response.json()} == entries_shown(s, role)


def lists_nothing(s: AccessStage, role: str, response) -> None:
    assert response.json() == [], response.json()


def page_entries_as_allowed(s: AccessStage, role: str, response) -> None:
    page = response.content.decode()
    for entry in Entry.objects.filter(contest=s.world.contest).select_related("initiative"):
        assert (f'data-testid="files-{entry.pk}"' in page) is (
            entry.pk in entries_shown(s, role)
        ), entry.initiative.title
    assert s.other.entry.initiative.title not in page


def certificates_of_own_unit(s: AccessStage, role: str, response) -> None:
    """An organiser lists every certificate of the contest; a representative their unit's."""
    text = response.content.decode()
    mine = s.here.certificate.recipient_name in text
    others = s.here.other_unit_certificate.recipient_name in text
    expected = {
        "organiser": (True, True),
        "representative": (True, False),
        "representative_other_unit": (False, True),
    }[role]
    assert (mine, others) == expected
    assert s.other.certificate.recipient_name not in text


def own_certificates_only(s: AccessStage, role: str, response) -> None:
    text = response.content.decode()
    assert (s.here.certificate.recipient_name in text) is (role == "presenter")
    assert s.here.other_unit_certificate.recipient_name not in text
    assert s.other.certificate.recipient_name not in text


# --- what an allowed write must have done ---------------------------------------------------


def entry_status(status: str):
    def done(s: AccessStage, actor) -> bool:
        return Entry.objects.get(pk=s.here.pending.pk).status == status

    return done


def contest_status_is(status: str):
    def done(s: AccessStage, actor) -> bool:
        return Contest.objects.get(pk=s.world.contest.pk).status == status

    return done


def gone(model, path: str):
    """The object at `path` (of `stage.here`, dotted) is deleted."""

    def done(s: AccessStage, actor) -> bool:
        instance = s.here
        for name in path.split("."):
            instance = getattr(instance, name)
        return not model.objects.filter(pk=instance.pk).exists()

    return done


def new_entry_of(unit_index: int):
    def done(s: AccessStage, actor) -> bool:
        return Entry.objects.filter(
            contest=s.world.contest, unit=s.world.units[unit_index], submitted_by=actor
        ).exists()

    return done


SIGNUP_API_BODY = {
    "initiative_title": "Mô hình đăng ký thêm",
    "field": "economy",
    "kind": "individual",
    "presenters": [{"full_name": "Hoàng Văn Thêm", "email": "them@example.org"}],
}
SIGNUP_FORM_BODY = {
    "initiative_title": "Mô hình đăng ký thêm",
    "field": "economy",
    "kind": "individual",
    "initiative_year": "2018",
    "summary": "",
    "presenter_name": "Hoàng Văn Thêm",
    "presenter_email": "them@example.org",
}


def contest_settings_body(s: AccessStage) -> dict:
    contest = s.world.contest
    return {
        "name": contest.name,
        "slug": contest.slug,
        "level": contest.level,
        "year": contest.year,
        "organising_unit": contest.organising_unit_id,
        "place": contest.place,
        "description": "Mô tả mới",
        "advances_to": contest.advances_to_id or "",
        "advancement_rule": contest.advancement_rule,
        "brand_colour": contest.brand_colour,
    }


def template_body(s: AccessStage) -> dict:
    template = CertificateTemplate.objects.get(contest=s.world.contest)
    return {
        "theme": template.theme,
        "superior_body": template.superior_body,
        "issuing_body": template.issuing_body,
        "decision_reference": "125-QĐ/ĐUK",
        "number_suffix": template.number_suffix,
        "signing_on_behalf": template.signing_on_behalf,
        "signer_title": template.signer_title,
        "signer_name": template.signer_name,
        "layout_html": "",
        "layout_css": "",
    }


def criterion_body(s: AccessStage) -> dict:
    criterion = s.here.prelim.spare
    return {
        "part": criterion.part_id,
        "name": "Phụ (sửa)",
        "code": criterion.code,
        "max_score": "5",
        "weight": "1",
        "step": "0.5",
        "required": "on",
        "descriptors": "",
    }


# --- the rows -----------------------------------------------------------------------------------


PUBLIC = "public: the other contest's page is as public as this one's"
OWN = "about the caller only, whatever the address"
TOKEN = "the token is the key (a capability), not an id to swap"
NO_ID = "names no object"

PANEL_A = frozenset({"head_judge", "judge_this_panel", "judge_own_unit"})


def other_panel(label: str, url, body=None) -> Swap:
    """Panel A's people asking about panel B's session: heading or sitting on one panel
    gives no say over another."""
    return Swap(label, url, body, PANEL_A)


def session_swaps(name: str) -> tuple[Swap, ...]:
    return (
        other("the other contest's session", lambda s: rev(name, s.other.session.pk)),
        other_panel("panel B's session", lambda s: rev(name, s.session_b.pk)),
    )


def round_swap(name: str) -> Swap:
    return other("the other contest's round", lambda s: rev(name, s.other.round.pk))


def ranking_swap(name: str) -> Swap:
    return other("the other contest's ranking", lambda s: rev(name, s.other.ranking.pk))


def slug_swap(name: str, *args) -> Swap:
    return other("the other contest", lambda s: rev(name, other_slug(s), *args))


def sheet_body(s: AccessStage, entry: Entry, round: Round | None = None) -> dict:
    return {"round": (round or s.round).pk, "entry": entry.pk, "marks": GOOD_MARKS}


SCORING_ROWS = {
    "score-sheets-POST": from_scoring(
        "score-sheets-POST",
        other(
            "the other contest's entry",
            lambda s: rev("api-score-sheets"),
            lambda s: sheet_body(s, s.other.entry),
        ),
        other(
            "the other contest's round",
            lambda s: rev("api-score-sheets"),
            lambda s: sheet_body(s, s.other.entry, s.other.round),
        ),
        other_panel(
            "panel B's entry",
            lambda s: rev("api-score-sheets"),
            lambda s: sheet_body(s, s.here.entries[0]),
        ),
    ),
    "declarations-POST": from_scoring(
        "declarations-POST",
        other(
            "the other contest's entry",
            lambda s: rev("api-declarations"),
            lambda s: {
                "round": s.round.pk,
                "entry": s.other.entry.pk,
                "participation": "abstained",
                "reason": "Vắng",
            },
        ),
        other(
            "the other contest's round",
            lambda s: rev("api-declarations"),
            lambda s: {
                "round": s.other.round.pk,
                "entry": s.other.entry.pk,
                "participation": "abstained",
                "reason": "Vắng",
            },
        ),
    ),
    "my-sheets-GET": from_scoring(
        "my-sheets-GET", no_swap="the caller's own sheets of the round named, in any round"
    ),
    "rankings-GET": from_scoring("rankings-GET", round_swap("api-round-rankings")),
    "ranking-publish-POST": from_scoring(
        "ranking-publish-POST", ranking_swap("api-ranking-publish")
    ),
    "ranking-unpublish-POST": from_scoring(
        "ranking-unpublish-POST", ranking_swap("api-ranking-unpublish")
    ),
    "unlock-POST": from_scoring(
        "unlock-POST",
        other(
            "the other contest's sheet", lambda s: rev("api-score-sheet-unlock", s.other.sheet.pk)
        ),
    ),
    "progress-GET": from_scoring("progress-GET", *session_swaps("api-progress")),
    "timers-POST": from_scoring(
        "timers-POST",
        other(
            "the other contest's round",
            lambda s: rev("api-timers", s.other.round.pk),
            lambda s: {"entry": s.other.entry.pk, "part": s.other.part.pk, "action": "start"},
        ),
        other(
            "the other contest's entry and part",
            lambda s: rev("api-timers", s.round.pk),
            lambda s: {"entry": s.other.entry.pk, "part": s.other.part.pk, "action": "start"},
        ),
    ),
    "paper-sheets-GET": from_scoring("paper-sheets-GET", round_swap("api-paper-sheets")),
    "paper-sheets-POST": from_scoring(
        "paper-sheets-POST",
        other(
            "the other contest's round",
            lambda s: rev("api-paper-sheets", s.other.round.pk),
            lambda s: {
                "entry": s.other.entry.pk,
                "judge": s.other.head.username,
                "marks": {"content": "8", "extra": "4"},
            },
        ),
        other(
            "the other contest's entry",
            lambda s: rev("api-paper-sheets", s.round.pk),
            lambda s: {"entry": s.other.entry.pk, "judge": "judge2", "marks": GOOD_MARKS},
        ),
    ),
    "penalties-POST": from_scoring(
        "penalties-POST",
        other(
            "the other contest's round",
            lambda s: rev("api-penalties", s.other.round.pk),
            lambda s: {"entry": s.other.entry.pk, "points": "0.5", "reason": "Quá giờ"},
        ),
        other(
            "the other contest's entry",
            lambda s: rev("api-penalties", s.round.pk),
            lambda s: {"entry": s.other.entry.pk, "points": "0.5", "reason": "Quá giờ"},
        ),
    ),
    "tie-breaks-PUT": from_scoring("tie-breaks-PUT", round_swap("api-tie-breaks")),
    "public-results-GET": from_scoring("public-results-GET", no_swap=PUBLIC),
    "advance-POST": from_scoring(
        "advance-POST",
        other(
            "the other contest's session",
            lambda s: rev("api-session-advance", s.other.session.pk),
            lambda s: {"position": 1},
        ),
        other_panel(
            "panel B's session",
            lambda s: rev("api-session-advance", s.session_b.pk),
            lambda s: {"position": 1},
        ),
    ),
    "nudges-POST": from_scoring(
        "nudges-POST",
        other(
            "the other contest's session",
            lambda s: rev("api-nudges", s.other.session.pk),
            lambda s: {"judge": s.other.head.pk, "entry": s.other.entry.pk},
        ),
        other_panel(
            "panel B's session",
            lambda s: rev("api-nudges", s.session_b.pk),
            lambda s: {"judge": s.users["judge_other_panel"].pk, "entry": s.here.entries[0].pk},
        ),
    ),
    "head-console-page": from_scoring("head-console-page", *session_swaps("head-console")),
    "running-order-GET": from_scoring(
        "running-order-GET", *session_swaps("api-session-running-order")
    ),
    "judge-home-page": from_scoring("judge-home-page"),
    "judge-session-page": from_scoring("judge-session-page", *session_swaps("judge-session")),
    "judge-console-json": from_scoring("judge-console-json", *session_swaps("judge-console")),
    "score-entry-page": from_scoring(
        "score-entry-page",
        other(
            "the other contest's round and entry",
            lambda s: rev("score-entry", s.other.round.pk, s.other.entry.pk),
        ),
        other(
            "the other contest's entry", lambda s: rev("score-entry", s.round.pk, s.other.entry.pk)
        ),
        other_panel(
            "panel B's entry", lambda s: rev("score-entry", s.round.pk, s.here.entries[0].pk)
        ),
    ),
    "score-entry-page-POST": from_scoring(
        "score-entry-page-POST",
        other(
            "the other contest's round and entry",
            lambda s: rev("score-entry", s.other.round.pk, s.other.entry.pk),
        ),
        other(
            "the other contest's entry", lambda s: rev("score-entry", s.round.pk, s.other.entry.pk)
        ),
    ),
    "round-rankings-page": from_scoring("round-rankings-page", round_swap("round-rankings")),
    "ranking-compute-page-POST": from_scoring(
        "ranking-compute-page-POST", round_swap("ranking-compute")
    ),
    "ranking-publish-page-POST": from_scoring(
        "ranking-publish-page-POST", ranking_swap("ranking-publish")
    ),
    "public-results-page": from_scoring("public-results-page", no_swap=PUBLIC),
    "ranking-unpublish-page-POST": from_scoring(
        "ranking-unpublish-page-POST", ranking_swap("ranking-unpublish")
    ),
    "sign-off-POST": from_scoring("sign-off-POST", ranking_swap("api-sign-off")),
    "sign-off-page": from_scoring("sign-off-page", ranking_swap("ranking-sign-off")),
    "reveal-POST": from_scoring("reveal-POST", ranking_swap("api-reveal-next")),
    "reveal-finish-POST": from_scoring("reveal-finish-POST", ranking_swap("api-reveal-finish")),
    "ceremony-page": from_scoring("ceremony-page", slug_swap("ceremony-remote")),
    "ceremony-page-POST": from_scoring(
        "ceremony-page-POST",
        slug_swap("ceremony-remote"),
        other(
            "the other contest's ranking",
            lambda s: rev("ceremony-remote", slug(s)),
            lambda s: {"ranking": s.other.ranking.pk, "step": 0},
        ),
    ),
    "board-page": from_scoring("board-page", no_swap=PUBLIC),
}
for _name in SCORING_ROWS:
    assert _name in scoring_matrix.ENDPOINTS, _name
assert set(SCORING_ROWS) == set(scoring_matrix.ENDPOINTS)


def wrong_password(s: AccessStage) -> dict:
    return {"username": "nobody-by-that-name", "password": "wrong"}


ROWS = {
    # --- accounts and the site ---
    "home": Row("GET", lambda s: rev("home"), no_swap=NO_ID),
    "login-page": Row("GET", lambda s: rev("login"), no_swap=NO_ID),
    "login-POST": Row(
        "FORM",
        lambda s: rev("login"),
        wrong_password,
        # The refusal counts towards the name's lockout, and writes nothing else.
        done=lambda s, actor: LoginFailure.objects.filter(
            account=account_digest(wrong_password(s)["username"]), failures=1
        ).exists(),
        writes=True,
        no_swap=NO_ID,
    ),
    "logout-POST": Row("FORM", lambda s: rev("logout"), writes=False, no_swap=NO_ID),
    "password-change-page": Row("GET", lambda s: rev("password_change"), no_swap=OWN),
    "password-change-POST": Row(
        "FORM",
        lambda s: rev("password_change"),
        lambda s: {
            "old_password": "wrong",
            "new_password1": "x-Yz9!long-enough",
            "new_password2": "x-Yz9!long-enough",
        },
        writes=False,  # the old password is wrong: the form refuses
        no_swap=OWN,
    ),
    "password-change-done": Row("GET", lambda s: rev("password_change_done"), no_swap=OWN),
    "password-reset-page": Row("GET", lambda s: rev("password_reset"), no_swap=NO_ID),
    "password-reset-POST": Row(
        "FORM",
        lambda s: rev("password_reset"),
        lambda s: {"email": "nobody@example.org"},
        writes=False,
        no_swap=NO_ID,
    ),
    "password-reset-done": Row("GET", lambda s: rev("password_reset_done"), no_swap=NO_ID),
    "password-reset-confirm": Row(
        "GET",
        lambda s: rev(
            "password_reset_confirm",
            urlsafe_base64_encode(force_bytes(s.world.judges[1].pk)),
            "bad-token",
        ),
        no_swap=TOKEN,
    ),
    "password-reset-complete": Row("GET", lambda s: rev("password_reset_complete"), no_swap=NO_ID),
    "set-language-POST": Row(
        "FORM",
        lambda s: rev("set_language"),
        lambda s: {"language": "vi", "next": "/"},
        writes=False,
        no_swap=NO_ID,
    ),
    # Whoever opens a judge's link is that judge (the link is the login), once more.
    "link-login": Row(
        "GET",
        lambda s: rev("link-login", s.here.link_token),
        done=lambda s, actor: LoginLink.objects.get(pk=s.here.link.pk).last_used_at is not None,
        writes=True,
        no_swap=TOKEN,
    ),
    "link-login-revoked": Row(
        "GET",
        lambda s: rev("link-login", s.here.link_token),
        setup=lambda s: LoginLink.objects.filter(pk=s.here.link.pk).update(
            revoked_at=timezone.now()
        ),
        no_swap=TOKEN,
    ),
    "login-links-page": Row(
        "GET", lambda s: rev("login-links", slug(s)), swaps=(slug_swap("login-links"),)
    ),
    "login-links-POST": Row(
        "FORM",
        lambda s: rev("login-links", slug(s)),
        lambda s: {"membership": s.here.judge2_membership.pk, "action": "issue"},
        done=lambda s, actor: LoginLink.objects.filter(
            membership=s.here.judge2_membership, revoked_at__isnull=True, created_by=actor
        ).exists(),
        swaps=(
            slug_swap("login-links"),
            other(
                "the other contest's judge",
                lambda s: rev("login-links", slug(s)),
                lambda s: {"membership": s.other.head_membership.pk, "action": "issue"},
            ),
        ),
    ),
    "api-schema": Row("GET", lambda s: rev("schema"), no_swap=NO_ID),
    "api-docs": Row("GET", lambda s: rev("swagger-ui"), no_swap=NO_ID),
    # --- contests, entries, files ---
    "api-contests-GET": Row("GET", lambda s: rev("api-contests"), no_swap=NO_ID),
    "api-entries-GET": Row(
        "GET",
        lambda s: rev("api-contest-entries", slug(s)),
        check=api_entries_as_allowed,
        # The other contest's entries, to people who have no role there: none.
        swaps=(
            Swap(
                "the other contest",
                lambda s: rev("api-contest-entries", other_slug(s)),
                refusals=("200",),
                check=lists_nothing,
            ),
        ),
    ),
    "api-entries-POST": Row(
        "POST",
        lambda s: rev("api-contest-entries", slug(s)),
        lambda s: SIGNUP_API_BODY,
        setup=set_contest_status(Contest.Status.SIGNUP_OPEN),
        swaps=(slug_swap("api-contest-entries"),),
    ),
    "api-contest-status-POST": Row(
        "POST",
        lambda s: rev("api-contest-status", slug(s)),
        lambda s: {"status": Contest.Status.CLOSED},
        setup=publish_and_close_round,
        done=contest_status_is(Contest.Status.CLOSED),
        swaps=(
            other(
                "the other contest",
                lambda s: rev("api-contest-status", other_slug(s)),
                lambda s: {"status": Contest.Status.SIGNUP_CLOSED},
            ),
        ),
    ),
    "api-entry-approve-POST": Row(
        "POST",
        lambda s: rev("api-entry-approve", s.here.pending.pk),
        done=entry_status(Entry.Status.APPROVED),
        swaps=(
            other(
                "the other contest's entry", lambda s: rev("api-entry-approve", s.other.pending.pk)
            ),
        ),
    ),
    "api-entry-reject-POST": Row(
        "POST",
        lambda s: rev("api-entry-reject", s.here.pending.pk),
        lambda s: {"reason": "Không đúng lĩnh vực"},
        done=entry_status(Entry.Status.REJECTED),
        swaps=(
            other(
                "the other contest's entry", lambda s: rev("api-entry-reject", s.other.pending.pk)
            ),
        ),
    ),
    "contest-create-page": Row("GET", lambda s: rev("contest-create"), no_swap=NO_ID),
    "contest-create-POST": Row(
        "FORM",
        lambda s: rev("contest-create"),
        lambda s: {"name": "Hội thi mới"},
        no_swap=NO_ID,
    ),
    "contest-detail": Row(
        "GET",
        lambda s: rev("contest-detail", slug(s)),
        check=page_entries_as_allowed,
        no_swap=PUBLIC,
    ),
    "contest-settings-page": Row(
        "GET",
        lambda s: rev("contest-settings", slug(s)),
        swaps=(slug_swap("contest-settings"),),
    ),
    "contest-settings-POST": Row(
        "FORM",
        lambda s: rev("contest-settings", slug(s)),
        contest_settings_body,
        done=lambda s, actor: Contest.objects.get(pk=s.world.contest.pk).description == "Mô tả mới",
        swaps=(slug_swap("contest-settings"),),
    ),
    "entry-signup-page": Row(
        "GET",
        lambda s: rev("entry-signup", slug(s)),
        # Not a representative there: sent back to the contest's page, with a message.
        swaps=(
            Swap(
                "the other contest",
                lambda s: rev("entry-signup", other_slug(s)),
                refusals=("ref",),
            ),
        ),
    ),
    "entry-signup-POST": Row(
        "FORM",
        lambda s: rev("entry-signup", slug(s)),
        lambda s: SIGNUP_FORM_BODY,
        setup=set_contest_status(Contest.Status.SIGNUP_OPEN),
        # Not a representative there: sent back to the contest's page, with a message.
        swaps=(
            Swap(
                "the other contest",
                lambda s: rev("entry-signup", other_slug(s)),
                refusals=("ref",),
            ),
        ),
    ),
    "contest-status-POST": Row(
        "FORM",
        lambda s: rev("contest-status", slug(s)),
        lambda s: {"status": Contest.Status.CLOSED},
        setup=publish_and_close_round,
        done=contest_status_is(Contest.Status.CLOSED),
        swaps=(
            other(
                "the other contest",
                lambda s: rev("contest-status", other_slug(s)),
                lambda s: {"status": Contest.Status.SIGNUP_CLOSED},
            ),
        ),
    ),
    "entries-decide-POST": Row(
        "FORM",
        lambda s: rev("entries-decide", slug(s)),
        lambda s: {"entries": [s.here.pending.pk], "decision": "approve"},
        done=entry_status(Entry.Status.APPROVED),
        swaps=(
            slug_swap("entries-decide"),
            other(
                "the other contest's entry",
                lambda s: rev("entries-decide", slug(s)),
                lambda s: {"entries": [s.other.pending.pk], "decision": "approve"},
            ),
        ),
    ),
    "entry-decide-POST": Row(
        "FORM",
        lambda s: rev("entry-decide", s.here.pending.pk),
        lambda s: {"decision": "approve"},
        done=entry_status(Entry.Status.APPROVED),
        swaps=(
            other("the other contest's entry", lambda s: rev("entry-decide", s.other.pending.pk)),
        ),
    ),
    "entry-files-page": Row(
        "GET",
        lambda s: rev("entry-files", s.entry.pk),
        swaps=(
            other("the other contest's entry", lambda s: rev("entry-files", s.other.entry.pk)),
            other_unit(
                "another unit's entry", lambda s: rev("entry-files", s.here.other_unit_entry.pk)
            ),
        ),
    ),
    "entry-files-POST": Row(
        "FORM",
        lambda s: rev("entry-files", s.entry.pk),
        lambda s: {"kind": "slides", "file": pdf_upload()},
        # Slides may come from the unit until judging begins.
        setup=set_contest_status(Contest.Status.SCHEDULED),
        done=lambda s, actor: EntryAttachment.objects.filter(
            entry=s.entry, kind="slides", uploaded_by=actor
        ).exists(),
        swaps=(
            other("the other contest's entry", lambda s: rev("entry-files", s.other.entry.pk)),
            other_unit(
                "another unit's entry", lambda s: rev("entry-files", s.here.other_unit_entry.pk)
            ),
        ),
    ),
    "attachment-download": Row(
        "GET",
        lambda s: rev("attachment-download", s.here.attachment.pk),
        swaps=(
            other(
                "the other contest's file",
                lambda s: rev("attachment-download", s.other.attachment.pk),
            ),
            other_unit(
                "another unit's file",
                lambda s: rev("attachment-download", s.here.other_unit_attachment.pk),
            ),
        ),
    ),
    "contest-advancement-page": Row(
        "GET",
        lambda s: rev("contest-advancement", slug(s)),
        swaps=(slug_swap("contest-advancement"),),
    ),
    "contest-advancement-POST": Row(
        "FORM",
        lambda s: rev("contest-advancement", slug(s)),
        setup=advance_the_best,
        done=advanced,
        swaps=(slug_swap("contest-advancement"),),
    ),
    "api-advance-winners-POST": Row(
        "POST",
        lambda s: rev("api-advance", slug(s)),
        setup=advance_the_best,
        done=advanced,
        swaps=(slug_swap("api-advance"),),
    ),
    "contest-dashboard": Row(
        "GET",
        lambda s: rev("contest-dashboard", slug(s)),
        shows_marks=True,
        swaps=(slug_swap("contest-dashboard"),),
    ),
    # --- roles ---
    "roles-page": Row(
        "GET", lambda s: rev("setup-roles", slug(s)), swaps=(slug_swap("setup-roles"),)
    ),
    "roles-POST": Row(
        "FORM",
        lambda s: rev("setup-roles", slug(s)),
        lambda s: {"role": Role.SECRETARY, "account": "existing", "username": "judge3"},
        done=lambda s, actor: Membership.objects.filter(
            contest=s.world.contest, user__username="judge3", role=Role.SECRETARY
        ).exists(),
        swaps=(slug_swap("setup-roles"),),
    ),
    "membership-remove-POST": Row(
        "FORM",
        lambda s: rev("setup-membership-remove", s.here.spare_membership.pk),
        done=gone(Membership, "spare_membership"),
        swaps=(
            other(
                "the other contest's member",
                lambda s: rev("setup-membership-remove", s.other.membership.pk),
            ),
        ),
    ),
    # --- spreadsheets ---
    "units-import-page": Row("GET", lambda s: rev("units-import"), no_swap=NO_ID),
    "units-import-POST": Row(
        "FORM",
        lambda s: rev("units-import"),
        lambda s: {"file": xlsx_upload("units", s), "action": "preview"},
        writes=False,
        no_swap=NO_ID,
    ),
    "units-import-template": Row("GET", lambda s: rev("units-import-template"), no_swap=NO_ID),
    "contest-import-page": Row(
        "GET",
        lambda s: rev("contest-import", slug(s), "entries"),
        swaps=(slug_swap("contest-import", "entries"),),
    ),
    "contest-import-POST": Row(
        "FORM",
        lambda s: rev("contest-import", slug(s), "judges"),
        lambda s: {"file": xlsx_upload("judges", s), "action": "preview"},
        writes=False,
        swaps=(slug_swap("contest-import", "judges"),),
    ),
    "contest-import-template": Row(
        "GET",
        lambda s: rev("contest-import-template", slug(s), "initiatives"),
        swaps=(slug_swap("contest-import-template", "initiatives"),),
    ),
    "contest-entries-xlsx": Row(
        "GET",
        lambda s: rev("contest-entries-xlsx", slug(s)),
        swaps=(slug_swap("contest-entries-xlsx"),),
    ),
    "contest-awards-xlsx": Row(
        "GET",
        lambda s: rev("contest-awards-xlsx", slug(s)),
        setup=publish,
        swaps=(slug_swap("contest-awards-xlsx"),),
    ),
    # --- scheduling ---
    "api-panels-POST": Row(
        "POST",
        lambda s: rev("api-panels", slug(s)),
        lambda s: {"name": "BGK mới", "judges": [{"username": "judge3", "head": True}]},
        swaps=(
            slug_swap("api-panels"),
            other(
                "the other contest's judge",
                lambda s: rev("api-panels", slug(s)),
                lambda s: {
                    "name": "BGK mới",
                    "judges": [{"username": s.other.head.username, "head": True}],
                },
            ),
        ),
    ),
    "api-sessions-POST": Row(
        "POST",
        lambda s: rev("api-round-sessions", s.round.pk),
        lambda s: {
            "name": "Phiên mới",
            "starts_at": session_start().isoformat(),
            "panel": s.session.panel_id,
            "entries": [s.here.pending.pk],
        },
        setup=approve_pending,
        swaps=(
            # The view looks the body's panel up in the round's contest before the service
            # asks who is asking: 400 "no such panel in this contest", where a 403 was due.
            Swap(
                "the other contest's round",
                lambda s: rev("api-round-sessions", s.other.round.pk),
                refusals=("403", "404", "400"),
            ),
            other(
                "the other contest's panel",
                lambda s: rev("api-round-sessions", s.round.pk),
                lambda s: {
                    "name": "Phiên mới",
                    "starts_at": session_start().isoformat(),
                    "panel": s.other.panel.pk,
                    "entries": [s.here.pending.pk],
                },
            ),
            other(
                "the other contest's entry",
                lambda s: rev("api-round-sessions", s.round.pk),
                lambda s: {
                    "name": "Phiên mới",
                    "starts_at": session_start().isoformat(),
                    "panel": s.session.panel_id,
                    "entries": [s.other.pending.pk],
                },
            ),
        ),
    ),
    "api-round-status-POST": Row(
        "POST",
        lambda s: rev("api-round-status", s.round.pk),
        lambda s: {"status": Round.Status.CLOSED},
        done=lambda s, actor: Round.objects.get(pk=s.round.pk).status == Round.Status.CLOSED,
        swaps=(round_swap("api-round-status"),),
    ),
    "api-assign-judges-POST": Row(
        "POST",
        lambda s: rev("api-round-assign-judges", s.round.pk),
        setup=plan_round,
        swaps=(round_swap("api-round-assign-judges"),),
    ),
    "api-draw-POST": Row(
        "POST",
        lambda s: rev("api-session-draw", s.session.pk),
        lambda s: {"witnesses": "Đại diện các đơn vị", "reason": "Bốc lại"},
        setup=plan_round,
        swaps=(
            other(
                "the other contest's session", lambda s: rev("api-session-draw", s.other.session.pk)
            ),
        ),
    ),
    "round-schedule-page": Row(
        "GET",
        lambda s: rev("round-schedule", s.round.pk),
        swaps=(round_swap("round-schedule"),),
    ),
    "round-schedule-POST": Row(
        "FORM",
        lambda s: rev("round-schedule", s.round.pk),
        lambda s: {
            "create_session": "1",
            "session-name": "Phiên mới",
            "session-starts_at": "2019-10-06 08:00",
            "session-panel": s.session.panel_id,
        },
        setup=approve_pending,
        done=lambda s, actor: Session.objects.filter(round=s.round, name="Phiên mới").exists(),
        swaps=(
            round_swap("round-schedule"),
            other(
                "the other contest's panel",
                lambda s: rev("round-schedule", s.round.pk),
                lambda s: {
                    "create_session": "1",
                    "session-name": "Phiên mới",
                    "session-starts_at": "2019-10-06 08:00",
                    "session-panel": s.other.panel.pk,
                },
            ),
        ),
    ),
    "round-status-POST": Row(
        "FORM",
        lambda s: rev("round-status", s.round.pk),
        lambda s: {"status": Round.Status.CLOSED},
        done=lambda s, actor: Round.objects.get(pk=s.round.pk).status == Round.Status.CLOSED,
        swaps=(round_swap("round-status"),),
    ),
    "round-assign-judges-POST": Row(
        "FORM",
        lambda s: rev("round-assign-judges", s.round.pk),
        setup=plan_round,
        swaps=(round_swap("round-assign-judges"),),
    ),
    "session-draw-POST": Row(
        "FORM",
        lambda s: rev("session-draw", s.session.pk),
        lambda s: {"witnesses": "Đại diện các đơn vị", "reason": "Bốc lại"},
        setup=plan_round,
        done=lambda s, actor: Draw.objects.filter(session=s.session, drawn_by=actor).exists(),
        swaps=(
            other("the other contest's session", lambda s: rev("session-draw", s.other.session.pk)),
        ),
    ),
    "running-order-pdf": Row(
        "GET",
        lambda s: rev("running-order-pdf", s.session.pk),
        swaps=session_swaps("running-order-pdf"),
    ),
    "round-schedule-xlsx": Row(
        "GET",
        lambda s: rev("round-schedule-xlsx", s.round.pk),
        swaps=(round_swap("round-schedule-xlsx"),),
    ),
    "slot-move-POST": Row(
        "FORM",
        lambda s: rev("slot-move", s.here.slot.pk),
        lambda s: {"position": 1, "reason": "Báo cáo viên đến muộn"},
        setup=plan_round,
        swaps=(
            other("the other contest's slot", lambda s: rev("slot-move", s.other.slot.pk)),
            other(
                "the other contest's session",
                lambda s: rev("slot-move", s.here.slot.pk),
                lambda s: {"session": s.other.session.pk},
            ),
        ),
    ),
    "schedule-publish-POST": Row(
        "FORM",
        lambda s: rev("schedule-publish", s.round.pk),
        lambda s: {"note": "Bản 1"},
        setup=no_blocking_problems,
        done=lambda s, actor: ScheduleVersion.objects.filter(round=s.round).exists(),
        swaps=(round_swap("schedule-publish"),),
    ),
    "schedule-severities-POST": Row(
        "FORM",
        lambda s: rev("schedule-severities", s.round.pk),
        lambda s: {"judge_own_unit": "warning"},
        swaps=(round_swap("schedule-severities"),),
    ),
    "session-break-POST": Row(
        "FORM",
        lambda s: rev("session-break", s.session.pk),
        lambda s: {"after_position": 2, "minutes": 5, "label": "Nghỉ"},
        done=lambda s, actor: Break.objects.filter(session=s.session, after_position=2).exists(),
        swaps=(
            other(
                "the other contest's session", lambda s: rev("session-break", s.other.session.pk)
            ),
        ),
    ),
    "round-timing-POST": Row(
        "FORM",
        lambda s: rev("round-timing", s.round.pk),
        lambda s: {"slot_minutes": 12, "changeover_minutes": 2},
        swaps=(round_swap("round-timing"),),
    ),
    "break-delete-POST": Row(
        "FORM",
        lambda s: rev("break-delete", s.here.pause.pk),
        done=gone(Break, "pause"),
        swaps=(
            other("the other contest's break", lambda s: rev("break-delete", s.other.pause.pk)),
        ),
    ),
    # Before the round's schedule is published, its draws are the organisers' alone.
    "draw-record": Row(
        "GET",
        lambda s: rev("draw-record", s.session.pk),
        swaps=(
            other("the other contest's session", lambda s: rev("draw-record", s.other.session.pk)),
        ),
    ),
    "draw-record-published": Row(
        "GET",
        lambda s: rev("draw-record", s.session.pk),
        setup=publish_schedule,
        no_swap=PUBLIC,
    ),
    "my-schedule": Row("GET", lambda s: rev("my-schedule"), no_swap=OWN),
    "calendar-feed": Row(
        "GET", lambda s: rev("calendar-feed", s.here.calendar_token), no_swap=TOKEN
    ),
    "calendar-feed-bad-token": Row(
        "GET", lambda s: rev("calendar-feed", "not-a-token"), no_swap=TOKEN
    ),
    "judge-service-worker": Row("GET", lambda s: rev("judge-service-worker"), no_swap=NO_ID),
    # --- scoring pages the scoring matrix leaves out ---
    "sign-off-page-POST": Row(
        "FORM",
        lambda s: rev("ranking-sign-off", s.ranking.pk),
        done=lambda s, actor: PublicationEvent.objects.filter(
            ranking=s.ranking, actor=actor, action=PublicationEvent.Action.SIGNED_OFF
        ).exists(),
        swaps=(ranking_swap("ranking-sign-off"),),
    ),
    "round-minutes-pdf": Row(
        "GET",
        lambda s: rev("round-minutes", s.round.pk),
        setup=publish,
        shows_marks=True,
        swaps=(round_swap("round-minutes"),),
    ),
    "round-results-xlsx": Row(
        "GET",
        lambda s: rev("round-results-xlsx", s.round.pk),
        setup=publish,
        shows_marks=True,
        swaps=(round_swap("round-results-xlsx"),),
    ),
    # --- certificates ---
    "certificates-mine": Row(
        "GET", lambda s: rev("certificates:mine"), check=own_certificates_only, no_swap=OWN
    ),
    "api-certificates-mine": Row(
        "GET", lambda s: rev("api-my-certificates"), check=own_certificates_only, no_swap=OWN
    ),
    "certificate-download": Row(
        "GET",
        lambda s: rev("certificates:download", s.here.certificate.pk),
        swaps=(
            other(
                "the other contest's certificate",
                lambda s: rev("certificates:download", s.other.certificate.pk),
            ),
            other_unit(
                "another unit's certificate",
                lambda s: rev("certificates:download", s.here.other_unit_certificate.pk),
            ),
        ),
    ),
    "api-certificate-pdf": Row(
        "GET",
        lambda s: rev("api-certificate-pdf", s.here.certificate.pk),
        swaps=(
            other(
                "the other contest's certificate",
                lambda s: rev("api-certificate-pdf", s.other.certificate.pk),
            ),
            other_unit(
                "another unit's certificate",
                lambda s: rev("api-certificate-pdf", s.here.other_unit_certificate.pk),
            ),
        ),
    ),
    "certificate-verify": Row(
        "GET",
        lambda s: rev("certificates:verify", s.here.certificate.verification_code),
        no_swap="public: the code printed on the certificate is the key",
    ),
    "api-certificate-verify": Row(
        "GET",
        lambda s: rev("api-verify-certificate", s.here.certificate.verification_code),
        no_swap="public: the code printed on the certificate is the key",
    ),
    "certificates-issue-POST": Row(
        "FORM",
        lambda s: rev("certificates:issue", slug(s)),
        lambda s: {"choose_kinds": "1", "kinds": ["judge"]},
        done=lambda s, actor: CertificateBatch.objects.filter(
            contest=s.world.contest, requested_by=actor, kinds=["judge"]
        ).exists(),
        swaps=(slug_swap("certificates:issue"),),
    ),
    "api-certificate-batches-GET": Row(
        "GET",
        lambda s: rev("api-certificate-batches", slug(s)),
        swaps=(slug_swap("api-certificate-batches"),),
    ),
    "api-certificate-batches-POST": Row(
        "POST",
        lambda s: rev("api-certificate-batches", slug(s)),
        lambda s: {"kinds": ["judge"]},
        done=lambda s, actor: CertificateBatch.objects.filter(
            contest=s.world.contest, requested_by=actor, kinds=["judge"]
        ).exists(),
        swaps=(slug_swap("api-certificate-batches"),),
    ),
    "api-certificate-batch-GET": Row(
        "GET",
        lambda s: rev("api-certificate-batch", s.here.batch.pk),
        swaps=(
            other(
                "the other contest's batch",
                lambda s: rev("api-certificate-batch", s.other.batch.pk),
            ),
        ),
    ),
    "certificates-contest-page": Row(
        "GET",
        lambda s: rev("certificates:contest", slug(s)),
        check=certificates_of_own_unit,
        swaps=(slug_swap("certificates:contest"),),
    ),
    "api-contest-certificates": Row(
        "GET",
        lambda s: rev("api-contest-certificates", slug(s)),
        check=certificates_of_own_unit,
        swaps=(slug_swap("api-contest-certificates"),),
    ),
    "certificates-zip": Row(
        "GET",
        lambda s: rev("certificates:zip", slug(s)),
        swaps=(slug_swap("certificates:zip"),),
    ),
    "api-certificates-zip": Row(
        "GET",
        lambda s: rev("api-contest-certificates-zip", slug(s)),
        swaps=(slug_swap("api-contest-certificates-zip"),),
    ),
    "certificate-revoke-POST": Row(
        "FORM",
        lambda s: rev("certificates:revoke", s.here.certificate.pk),
        lambda s: {"reason": "Trùng"},
        done=lambda s, actor: Certificate.objects.get(pk=s.here.certificate.pk).revoked_at
        is not None,
        swaps=(
            other(
                "the other contest's certificate",
                lambda s: rev("certificates:revoke", s.other.certificate.pk),
            ),
            other_unit(
                "another unit's certificate",
                lambda s: rev("certificates:revoke", s.here.other_unit_certificate.pk),
            ),
        ),
    ),
    "api-certificate-revoke-POST": Row(
        "POST",
        lambda s: rev("api-revoke-certificate", s.here.certificate.pk),
        lambda s: {"reason": "Trùng"},
        done=lambda s, actor: Certificate.objects.get(pk=s.here.certificate.pk).revoked_at
        is not None,
        swaps=(
            other(
                "the other contest's certificate",
                lambda s: rev("api-revoke-certificate", s.other.certificate.pk),
            ),
            other_unit(
                "another unit's certificate",
                lambda s: rev("api-revoke-certificate", s.here.other_unit_certificate.pk),
            ),
        ),
    ),
    "certificate-template-page": Row(
        "GET",
        lambda s: rev("certificates:template", slug(s)),
        swaps=(slug_swap("certificates:template"),),
    ),
    "certificate-template-POST": Row(
        "FORM",
        lambda s: rev("certificates:template", slug(s)),
        template_body,
        done=lambda s, actor: CertificateTemplate.objects.get(
            contest=s.world.contest
        ).decision_reference
        == "125-QĐ/ĐUK",
        swaps=(slug_swap("certificates:template"),),
    ),
    "certificate-preview-pdf": Row(
        "GET",
        lambda s: rev("certificates:template-preview-pdf", slug(s)),
        swaps=(slug_swap("certificates:template-preview-pdf"),),
    ),
    "certificate-preview-png": Row(
        "GET",
        lambda s: rev("certificates:template-preview-png", slug(s)),
        swaps=(slug_swap("certificates:template-preview-png"),),
    ),
    # --- setup: rounds, rubrics, prizes, rooms ---
    "setup-rounds-page": Row(
        "GET", lambda s: rev("setup-rounds", slug(s)), swaps=(slug_swap("setup-rounds"),)
    ),
    "setup-rounds-POST": Row(
        "FORM",
        lambda s: rev("setup-rounds", slug(s)),
        lambda s: {
            "round-name": "Vòng sơ khảo",
            "round-kind": Round.Kind.PRELIMINARY,
            "round-sequence": 3,
            "round-method": Rubric.Method.MEAN,
            "round-decimals": 2,
        },
        done=lambda s, actor: Round.objects.filter(
            contest=s.world.contest, name="Vòng sơ khảo"
        ).exists(),
        swaps=(slug_swap("setup-rounds"),),
    ),
    "setup-round-edit-page": Row(
        "GET",
        lambda s: rev("setup-round-edit", s.round.pk),
        swaps=(round_swap("setup-round-edit"),),
    ),
    "setup-round-edit-POST": Row(
        "FORM",
        lambda s: rev("setup-round-edit", s.round.pk),
        lambda s: {"name": "Vòng chung kết", "kind": s.round.kind, "sequence": 1},
        done=lambda s, actor: Round.objects.get(pk=s.round.pk).name == "Vòng chung kết",
        swaps=(round_swap("setup-round-edit"),),
    ),
    "setup-rubric-page": Row(
        "GET",
        lambda s: rev("setup-rubric", s.here.prelim.round.pk),
        swaps=(round_swap("setup-rubric"),),
    ),
    "setup-rubric-POST": Row(
        "FORM",
        lambda s: rev("setup-rubric", s.here.prelim.round.pk),
        lambda s: {"action": "add_part", "part-name": "Phần hỏi đáp", "part-minutes": "5"},
        done=lambda s, actor: RubricPart.objects.filter(
            rubric=s.here.prelim.rubric, name="Phần hỏi đáp"
        ).exists(),
        swaps=(round_swap("setup-rubric"),),
    ),
    "setup-part-edit-page": Row(
        "GET",
        lambda s: rev("setup-part-edit", s.here.prelim.part.pk),
        swaps=(
            other("the other contest's part", lambda s: rev("setup-part-edit", s.other.part.pk)),
        ),
    ),
    "setup-part-edit-POST": Row(
        "FORM",
        lambda s: rev("setup-part-edit", s.here.prelim.part.pk),
        lambda s: {"name": "Trình bày (sửa)", "minutes": "12"},
        done=lambda s, actor: RubricPart.objects.get(pk=s.here.prelim.part.pk).name
        == "Trình bày (sửa)",
        swaps=(
            other("the other contest's part", lambda s: rev("setup-part-edit", s.other.part.pk)),
        ),
    ),
    "setup-part-delete-POST": Row(
        "FORM",
        lambda s: rev("setup-part-delete", s.here.prelim.empty.pk),
        done=gone(RubricPart, "prelim.empty"),
        swaps=(
            other("the other contest's part", lambda s: rev("setup-part-delete", s.other.empty.pk)),
        ),
    ),
    "setup-part-move-POST": Row(
        "FORM",
        lambda s: rev("setup-part-move", s.here.prelim.empty.pk),
        lambda s: {"direction": "up"},
        swaps=(
            other("the other contest's part", lambda s: rev("setup-part-move", s.other.empty.pk)),
        ),
    ),
    "setup-criterion-edit-page": Row(
        "GET",
        lambda s: rev("setup-criterion-edit", s.here.prelim.spare.pk),
        swaps=(
            other(
                "the other contest's criterion",
                lambda s: rev("setup-criterion-edit", s.other.spare.pk),
            ),
        ),
    ),
    "setup-criterion-edit-POST": Row(
        "FORM",
        lambda s: rev("setup-criterion-edit", s.here.prelim.spare.pk),
        criterion_body,
        done=lambda s, actor: Criterion.objects.get(pk=s.here.prelim.spare.pk).name == "Phụ (sửa)",
        swaps=(
            other(
                "the other contest's criterion",
                lambda s: rev("setup-criterion-edit", s.other.spare.pk),
            ),
        ),
    ),
    "setup-criterion-delete-POST": Row(
        "FORM",
        lambda s: rev("setup-criterion-delete", s.here.prelim.spare.pk),
        done=gone(Criterion, "prelim.spare"),
        swaps=(
            other(
                "the other contest's criterion",
                lambda s: rev("setup-criterion-delete", s.other.spare.pk),
            ),
        ),
    ),
    "setup-criterion-move-POST": Row(
        "FORM",
        lambda s: rev("setup-criterion-move", s.here.prelim.spare.pk),
        lambda s: {"direction": "up"},
        swaps=(
            other(
                "the other contest's criterion",
                lambda s: rev("setup-criterion-move", s.other.spare.pk),
            ),
        ),
    ),
    "setup-penalty-rule-delete-POST": Row(
        "FORM",
        lambda s: rev("setup-penalty-rule-delete", s.here.prelim.rule.pk),
        done=gone(PenaltyRule, "prelim.rule"),
        swaps=(
            other(
                "the other contest's rule",
                lambda s: rev("setup-penalty-rule-delete", s.other.rule.pk),
            ),
        ),
    ),
    "setup-prizes-page": Row(
        "GET", lambda s: rev("setup-prizes", slug(s)), swaps=(slug_swap("setup-prizes"),)
    ),
    "setup-prizes-POST": Row(
        "FORM",
        lambda s: rev("setup-prizes", slug(s)),
        lambda s: {"name": "Giải Ba", "tier": Prize.Tier.THIRD, "quota": 1, "order": 3},
        done=lambda s, actor: Prize.objects.filter(
            contest=s.world.contest, name="Giải Ba"
        ).exists(),
        swaps=(slug_swap("setup-prizes"),),
    ),
    "setup-prize-edit-page": Row(
        "GET",
        lambda s: rev("setup-prize-edit", s.here.spare_prize.pk),
        swaps=(
            other("the other contest's prize", lambda s: rev("setup-prize-edit", s.other.prize.pk)),
        ),
    ),
    "setup-prize-edit-POST": Row(
        "FORM",
        lambda s: rev("setup-prize-edit", s.here.spare_prize.pk),
        lambda s: {
            "name": "Giải Khuyến khích (sửa)",
            "tier": Prize.Tier.CONSOLATION,
            "quota": 2,
            "order": 9,
        },
        done=lambda s, actor: Prize.objects.get(pk=s.here.spare_prize.pk).quota == 2,
        swaps=(
            other("the other contest's prize", lambda s: rev("setup-prize-edit", s.other.prize.pk)),
        ),
    ),
    "setup-prize-delete-POST": Row(
        "FORM",
        lambda s: rev("setup-prize-delete", s.here.spare_prize.pk),
        lambda s: {"confirm": "on"},
        done=gone(Prize, "spare_prize"),
        swaps=(
            other(
                "the other contest's prize", lambda s: rev("setup-prize-delete", s.other.prize.pk)
            ),
        ),
    ),
    "setup-rooms-page": Row(
        "GET", lambda s: rev("setup-rooms", slug(s)), swaps=(slug_swap("setup-rooms"),)
    ),
    "setup-rooms-POST": Row(
        "FORM",
        lambda s: rev("setup-rooms", slug(s)),
        lambda s: {"name": "Phòng 301"},
        done=lambda s, actor: Room.objects.filter(
            contest=s.world.contest, name="Phòng 301"
        ).exists(),
        swaps=(slug_swap("setup-rooms"),),
    ),
    "setup-room-edit-page": Row(
        "GET",
        lambda s: rev("setup-room-edit", s.here.room.pk),
        swaps=(
            other("the other contest's room", lambda s: rev("setup-room-edit", s.other.room.pk)),
        ),
    ),
    "setup-room-edit-POST": Row(
        "FORM",
        lambda s: rev("setup-room-edit", s.here.room.pk),
        lambda s: {"name": "Hội trường B"},
        done=lambda s, actor: Room.objects.get(pk=s.here.room.pk).name == "Hội trường B",
        swaps=(
            other("the other contest's room", lambda s: rev("setup-room-edit", s.other.room.pk)),
        ),
    ),
    "setup-room-delete-POST": Row(
        "FORM",
        lambda s: rev("setup-room-delete", s.here.spare_room.pk),
        lambda s: {"confirm": "on"},
        done=gone(Room, "spare_room"),
        swaps=(
            other("the other contest's room", lambda s: rev("setup-room-delete", s.other.room.pk)),
        ),
    ),
    # --- Django's admin: staff only (a sample; the rule covers every admin pattern) ---
    "admin-index": Row("GET", lambda s: rev("admin:index"), no_swap="staff only"),
    "admin-login-page": Row("GET", lambda s: rev("admin:login"), no_swap="staff only"),
    "admin-changelist": Row(
        "GET", lambda s: rev("admin:contest_contest_changelist"), no_swap="staff only"
    ),
    "admin-change": Row(
        "GET",
        lambda s: rev("admin:scoring_papersheet_change", 1),
        no_swap="staff only",
    ),
    "admin-delete-POST": Row(
        "FORM",
        lambda s: rev("admin:contest_entry_delete", s.entry.pk),
        lambda s: {"post": "yes"},
        no_swap="staff only",
    ),
    **SCORING_ROWS,
}

MATRIX = """
row                            org  orgX secr head this off  own  rep  repX pres anon
home                           200  200  200  200  200  200  200  200  200  200  200
login-page                     200  200  200  200  200  200  200  200  200  200  200
login-POST                     200  200  200  200  200  200  200  200  200  200  200
logout-POST                    302  302  302  302  302  302  302  302  302  302  302
password-change-page           200  200  200  200  200  200  200  200  200  200  login
password-change-POST           200  200  200  200  200  200  200  200  200  200  login
password-change-done           200  200  200  200  200  200  200  200  200  200  login
password-reset-page            200  200  200  200  200  200  200  200  200  200  200
password-reset-POST            302  302  302  302  302  302  302  302  302  302  302
password-reset-done            200  200  200  200  200  200  200  200  200  200  200
password-reset-confirm         200  200  200  200  200  200  200  200  200  200  200
password-reset-complete        200  200  200  200  200  200  200  200  200  200  200
set-language-POST              302  302  302  302  302  302  302  302  302  302  302
link-login                     302  302  302  302  302  302  302  302  302  302  302
link-login-revoked             404  404  404  404  404  404  404  404  404  404  404
login-links-page               200  403  403  403  403  403  403  403  403  403  login
login-links-POST               302  403  403  403  403  403  403  403  403  403  login
api-schema                     200  200  200  200  200  200  200  200  200  200  200
api-docs                       200  200  200  200  200  200  200  200  200  200  200
api-contests-GET               200  200  200  200  200  200  200  200  200  200  200
api-entries-GET                200  200  200  200  200  200  200  200  200  200  403
api-entries-POST               403  403  403  403  403  403  403  201  201  403  403
api-contest-status-POST        200  403  403  403  403  403  403  403  403  403  403
api-entry-approve-POST         200  403  403  403  403  403  403  403  403  403  403
api-entry-reject-POST          200  403  403  403  403  403  403  403  403  403  403
contest-create-page            403  403  403  403  403  403  403  403  403  403  login
contest-create-POST            403  403  403  403  403  403  403  403  403  403  login
contest-detail                 200  200  200  200  200  200  200  200  200  200  200
contest-settings-page          200  403  403  403  403  403  403  403  403  403  login
contest-settings-POST          302  403  403  403  403  403  403  403  403  403  login
entry-signup-page              ref  ref  ref  ref  ref  ref  ref  200  200  ref  login
entry-signup-POST              ref  ref  ref  ref  ref  ref  ref  302  302  ref  login
contest-status-POST            302  403  403  403  403  403  403  403  403  403  login
entries-decide-POST            302  403  403  403  403  403  403  403  403  403  login
entry-decide-POST              302  403  403  403  403  403  403  403  403  403  login
entry-files-page               200  403  200  200  200  200  200  200  403  403  login
entry-files-POST               302  403  403  403  403  403  403  302  403  403  login
attachment-download            200  403  200  200  200  200  200  200  403  403  login
contest-advancement-page       200  403  403  403  403  403  403  403  403  403  login
contest-advancement-POST       302  403  403  403  403  403  403  403  403  403  login
api-advance-winners-POST       200  403  403  403  403  403  403  403  403  403  403
contest-dashboard              200  403  403  403  403  403  403  403  403  403  login
roles-page                     200  403  403  403  403  403  403  403  403  403  login
roles-POST                     302  403  403  403  403  403  403  403  403  403  login
membership-remove-POST         302  403  403  403  403  403  403  403  403  403  login
units-import-page              200  200  403  403  403  403  403  403  403  403  login
units-import-POST              200  200  403  403  403  403  403  403  403  403  login
units-import-template          200  200  403  403  403  403  403  403  403  403  login
contest-import-page            200  403  403  403  403  403  403  403  403  403  login
contest-import-POST            200  403  403  403  403  403  403  403  403  403  login
contest-import-template        200  403  403  403  403  403  403  403  403  403  login
contest-entries-xlsx           200  403  403  403  403  403  403  403  403  403  login
contest-awards-xlsx            200  403  200  403  403  403  403  403  403  403  login
api-panels-POST                201  403  403  403  403  403  403  403  403  403  403
api-sessions-POST              201  403  403  403  403  403  403  403  403  403  403
api-round-status-POST          200  403  403  403  403  403  403  403  403  403  403
api-assign-judges-POST         200  403  403  403  403  403  403  403  403  403  403
api-draw-POST                  201  403  403  403  403  403  403  403  403  403  403
round-schedule-page            200  403  403  403  403  403  403  403  403  403  login
round-schedule-POST            302  403  403  403  403  403  403  403  403  403  login
round-status-POST              302  403  403  403  403  403  403  403  403  403  login
round-assign-judges-POST       302  403  403  403  403  403  403  403  403  403  login
session-draw-POST              302  403  403  403  403  403  403  403  403  403  login
running-order-pdf              200  403  200  200  403  403  403  403  403  403  login
round-schedule-xlsx            200  403  200  403  403  403  403  403  403  403  login
slot-move-POST                 302  403  403  403  403  403  403  403  403  403  login
schedule-publish-POST          302  403  403  403  403  403  403  403  403  403  login
schedule-severities-POST       302  403  403  403  403  403  403  403  403  403  login
session-break-POST             302  403  403  403  403  403  403  403  403  403  login
round-timing-POST              302  403  403  403  403  403  403  403  403  403  login
break-delete-POST              302  403  403  403  403  403  403  403  403  403  login
draw-record                    200  404  404  404  404  404  404  404  404  404  404
draw-record-published          200  200  200  200  200  200  200  200  200  200  200
my-schedule                    200  200  200  200  200  200  200  200  200  200  login
calendar-feed                  200  200  200  200  200  200  200  200  200  200  200
calendar-feed-bad-token        404  404  404  404  404  404  404  404  404  404  404
judge-service-worker           200  200  200  200  200  200  200  200  200  200  200
sign-off-page-POST             403  403  403  302  403  403  403  403  403  403  login
round-minutes-pdf              200  403  200  403  403  403  403  403  403  403  login
round-results-xlsx             200  403  200  403  403  403  403  403  403  403  login
certificates-mine              200  200  200  200  200  200  200  200  200  200  login
api-certificates-mine          200  200  200  200  200  200  200  200  200  200  403
certificate-download           200  404  404  404  404  404  404  200  404  200  login
api-certificate-pdf            200  404  404  404  404  404  404  200  404  200  403
certificate-verify             200  200  200  200  200  200  200  200  200  200  200
api-certificate-verify         200  200  200  200  200  200  200  200  200  200  200
certificates-issue-POST        302  403  403  403  403  403  403  403  403  403  login
api-certificate-batches-GET    200  403  403  403  403  403  403  403  403  403  403
api-certificate-batches-POST   202  403  403  403  403  403  403  403  403  403  403
api-certificate-batch-GET      200  403  403  403  403  403  403  403  403  403  403
certificates-contest-page      200  404  404  404  404  404  404  200  200  404  login
api-contest-certificates       200  404  404  404  404  404  404  200  200  404  403
certificates-zip               200  404  404  404  404  404  404  200  200  404  login
api-certificates-zip           200  404  404  404  404  404  404  200  200  404  403
certificate-revoke-POST        302  404  404  404  404  404  404  403  404  403  login
api-certificate-revoke-POST    200  404  404  404  404  404  404  403  404  403  403
certificate-template-page      200  403  403  403  403  403  403  403  403  403  login
certificate-template-POST      302  403  403  403  403  403  403  403  403  403  login
certificate-preview-pdf        200  403  403  403  403  403  403  403  403  403  login
certificate-preview-png        200  403  403  403  403  403  403  403  403  403  login
setup-rounds-page              200  403  403  403  403  403  403  403  403  403  login
setup-rounds-POST              302  403  403  403  403  403  403  403  403  403  login
setup-round-edit-page          200  403  403  403  403  403  403  403  403  403  login
setup-round-edit-POST          302  403  403  403  403  403  403  403  403  403  login
setup-rubric-page              200  403  403  403  403  403  403  403  403  403  login
setup-rubric-POST              302  403  403  403  403  403  403  403  403  403  login
setup-part-edit-page           200  403  403  403  403  403  403  403  403  403  login
setup-part-edit-POST           302  403  403  403  403  403  403  403  403  403  login
setup-part-delete-POST         302  403  403  403  403  403  403  403  403  403  login
setup-part-move-POST           302  403  403  403  403  403  403  403  403  403  login
setup-criterion-edit-page      200  403  403  403  403  403  403  403  403  403  login
setup-criterion-edit-POST      302  403  403  403  403  403  403  403  403  403  login
setup-criterion-delete-POST    302  403  403  403  403  403  403  403  403  403  login
setup-criterion-move-POST      302  403  403  403  403  403  403  403  403  403  login
setup-penalty-rule-delete-POST 302  403  403  403  403  403  403  403  403  403  login
setup-prizes-page              200  403  403  403  403  403  403  403  403  403  login
setup-prizes-POST              302  403  403  403  403  403  403  403  403  403  login
setup-prize-edit-page          200  403  403  403  403  403  403  403  403  403  login
setup-prize-edit-POST          302  403  403  403  403  403  403  403  403  403  login
setup-prize-delete-POST        302  403  403  403  403  403  403  403  403  403  login
setup-rooms-page               200  403  403  403  403  403  403  403  403  403  login
setup-rooms-POST               302  403  403  403  403  403  403  403  403  403  login
setup-room-edit-page           200  403  403  403  403  403  403  403  403  403  login
setup-room-edit-POST           302  403  403  403  403  403  403  403  403  403  login
setup-room-delete-POST         302  403  403  403  403  403  403  403  403  403  login
admin-index                    admin admin admin admin admin admin admin admin admin admin admin
admin-login-page               200  200  200  200  200  200  200  200  200  200  200
admin-changelist               admin admin admin admin admin admin admin admin admin admin admin
admin-change                   admin admin admin admin admin admin admin admin admin admin admin
admin-delete-POST              admin admin admin admin admin admin admin admin admin admin admin
score-sheets-POST              403  403  403  201  201  403  403  403  403  403  403
declarations-POST              403  403  403  201  201  403  403  403  403  403  403
my-sheets-GET                  200  200  200  200  200  200  200  200  200  200  403
rankings-GET                   200  403  403  403  403  403  403  403  403  403  403
ranking-publish-POST           200  403  403  403  403  403  403  403  403  403  403
ranking-unpublish-POST         200  403  403  403  403  403  403  403  403  403  403
unlock-POST                    403  403  403  200  403  403  403  403  403  403  403
progress-GET                   200  403  200  200  403  403  403  403  403  403  403
timers-POST                    200  403  200  200  403  403  403  403  403  403  403
paper-sheets-GET               200  403  200  200  403  403  403  403  403  403  403
paper-sheets-POST              403  403  201  403  403  403  403  403  403  403  403
penalties-POST                 201  403  403  201  403  403  403  403  403  403  403
tie-breaks-PUT                 200  403  403  403  403  403  403  403  403  403  403
public-results-GET             200  200  200  200  200  200  200  200  200  200  200
advance-POST                   200  403  200  200  403  403  403  403  403  403  403
nudges-POST                    201  403  201  201  403  403  403  403  403  403  403
head-console-page              200  403  200  200  403  403  403  403  403  403  login
running-order-GET              403  403  403  200  200  403  200  403  403  403  403
judge-home-page                200  200  200  200  200  200  200  200  200  200  login
judge-session-page             403  403  403  200  200  403  200  403  403  403  login
judge-console-json             403  403  403  200  200  403  200  403  403  403  login
score-entry-page               404  404  404  200  200  404  404  404  404  404  login
score-entry-page-POST          404  404  404  302  302  404  404  404  404  404  login
round-rankings-page            200  403  403  403  403  403  403  403  403  403  login
ranking-compute-page-POST      302  403  403  403  403  403  403  403  403  403  login
ranking-publish-page-POST      302  403  403  403  403  403  403  403  403  403  login
public-results-page            200  200  200  200  200  200  200  200  200  200  200
ranking-unpublish-page-POST    302  403  403  403  403  403  403  403  403  403  login
sign-off-POST                  403  403  403  200  403  403  403  403  403  403  403
sign-off-page                  403  403  403  200  403  403  403  403  403  403  login
reveal-POST                    200  403  403  403  403  403  403  403  403  403  403
reveal-finish-POST             200  403  403  403  403  403  403  403  403  403  403
ceremony-page                  200  403  403  403  403  403  403  403  403  403  login
ceremony-page-POST             302  403  403  403  403  403  403  403  403  403  login
board-page                     200  200  200  200  200  200  200  200  200  200  200
"""

# Cells whose expected answer the code does not give yet: (row, role) -> why.
BUGS: dict[tuple[str, str], str] = {}


def _table() -> dict[str, dict[str, str]]:
    header, *lines = (line.split() for line in MATRIX.strip().splitlines())
    roles = [ROLES[short] for short in header[1:]]
    table = {}
    for name, *outcomes in lines:
        assert len(outcomes) == len(roles), name
        assert name not in table, f"{name} twice"
        table[name] = dict(zip(roles, outcomes, strict=True))
    assert list(table) == list(ROWS), set(table) ^ set(ROWS)
    marked = {(n, r) for n, cells in table.items() for r, v in cells.items() if v.endswith("!")}
    assert marked == set(BUGS), marked ^ set(BUGS)
    return table


TABLE = _table()


# --- the machinery ------------------------------------------------------------------------------

# The scoring matrix's tables (every table of the contest, scheduling, scoring and
# certificates apps but the Idempotency-Key replay store); the accounts are watched beside
# them, without the time of the last login.
WATCHED = scoring_matrix.WATCHED


def _footprint_sql() -> str:
    quote = connection.ops.quote_name
    parts = [
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), "
        f"'')) FROM {quote(table)} t"
        for table in WATCHED
    ]
    user = get_user_model()._meta.db_table
    parts.append(
        f"SELECT '{user}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), "
        f"'')) FROM (SELECT id, username, password, email, is_active, is_staff, is_superuser "
        f"FROM {quote(user)}) t"
    )
    return " UNION ALL ".join(parts)


FOOTPRINT_SQL = _footprint_sql()


def footprint() -> dict[str, tuple]:
    """Every watched table's row count and a digest of all its rows, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(FOOTPRINT_SQL)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


COUNTER_SQL = (
    "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_all_tables "
    "WHERE relname = ANY(%s)"
)


def rows_written() -> int:
    """How many rows of the watched tables this transaction has inserted, updated or
    deleted so far, rolled back or not: unchanged, nothing was written. (Cheaper than a
    footprint, which is taken only when something was.)"""
    with connection.cursor() as cursor:
        cursor.execute(COUNTER_SQL, [[*WATCHED, get_user_model()._meta.db_table]])
        return cursor.fetchone()[0]


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before if before[table] != after[table])


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """The stage is built once for the module, in a transaction rolled back at its end; each
    row runs in a savepoint of it (the `db` fixture) and each cell in a savepoint of that.
    Everyone logs in here, once: a login a cell would cost as much as its request. Sessions
    stay in the database (rolled back with the rest), not in Redis, where each run would
    leave its own; and the warning Django logs, with its traceback, for each of the
    matrix's refusals is not written."""
    media = tmp_path_factory.mktemp("media")
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=media,
            SESSION_ENGINE="django.contrib.sessions.backends.db",
        ),
        celery_settings(task_always_eager=True),
        transaction.atomic(),
    ):
        stage = build_access_stage()
        cookies = {}
        for role, user in stage.users.items():
            if user is not None:
                client = Client()
                client.force_login(user)
                cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield SimpleNamespace(stage=stage, cookies=cookies, media=media, baseline=footprint())
        transaction.set_rollback(True)
    request_log.setLevel(level)


def forget_public_results(stage: AccessStage) -> None:
    """The public documents of the contests here are built afresh: what a cell published
    was rolled back, but the cache is not (cheaper than `forget_all`, whose scan of the
    whole cache each cell would pay)."""
    public.forget(stage.world.contest.slug)
    public.forget(stage.other.contest.slug)


@pytest.fixture
def _fresh_public_results():
    """Overrides tests/conftest.py's, for this module's contests (see `access`)."""


@pytest.fixture(scope="module")
def handler(built):
    """One request handler for every cell (a new one loads the middleware afresh)."""
    return TabletClient().handler


@pytest.fixture
def access(built, db, settings, eager_celery, _test_settings):
    settings.MEDIA_ROOT = built.media
    # Each row starts from the stage as built: nothing an earlier row wrote is left.
    assert footprint() == built.baseline
    forget_public_results(built.stage)
    return built


def client_for_role(access, handler, role: str) -> TabletClient:
    client = TabletClient()
    client.handler = handler
    cookie = access.cookies.get(role)
    if cookie is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    return client


def send(client, method: str, url: str, body: dict):
    if method == "GET":
        return client.get(url)
    if method == "FORM":
        return client.post(url, body)
    send_json = getattr(client, method.lower())
    return send_json(url, body, content_type="application/json")


def status_problem(response, expected: str) -> str | None:
    """Why the response is not the expected answer, or None."""
    login = resolve_url(settings.LOGIN_URL)
    admin_login = reverse("admin:login")
    status = response.status_code
    location = response.get("Location", "")
    if expected in {"login", "admin", "ref", "302"}:
        if status != 302:
            return f"{status} {response.content[:200]!r}"
        path = urlsplit(location).path
        ok = {
            "login": path == login,
            "admin": path == admin_login,
            "ref": path not in {login, admin_login},
            "302": path not in {login, admin_login},
        }[expected]
        return None if ok else f"302 to {location}"
    if expected == "form":
        return None if status == 200 else f"{status} {response.content[:200]!r}"
    if status != int(expected):
        return f"{status} {response.content[:200]!r}"
    return None


def matched(response, expected: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(the expected answer the response is, None) or (None, why it is none of them)."""
    problem = None
    for answer in expected:
        problem = status_problem(response, answer)
        if problem is None:
            return answer, None
    return None, problem


BINARY = ("application/pdf", "application/zip", "image/png", "application/vnd.openxml")


def leaked_marks(response) -> list[str]:
    if response.get("Content-Type", "").startswith(BINARY) or response.streaming:
        return []
    body = response.content.decode()
    return [m for m in SECRETS if re.search(rf"(?<![\d.]){re.escape(m)}(?!\d)", body)]


# Those whose job is to see a colleague's marks (reviews, paper sheets, the minutes).
SEE_MARKS = {"organiser", "secretary", "head_judge"}


USE_ROW = object()


def run_cell(access, handler, row: Row, role: str, expected, url=None, body=None, check=USE_ROW):
    """One request in a savepoint of its own: the problems found (none: the cell holds).
    `expected`: the answer, or a tuple of answers any of which holds."""
    stage = access.stage
    expected = (expected,) if isinstance(expected, str) else expected
    check = row.check if check is USE_ROW else check
    problems = []
    with transaction.atomic():
        try:
            row.setup(stage)
            before = footprint()
            client = client_for_role(access, handler, role)
            response = send(client, row.method, (url or row.url)(stage), (body or row.body)(stage))
            answer, problem = matched(response, expected)
            if problem:
                problems.append(problem)
            else:
                allowed = answer in ALLOWED
                after = footprint()
                if allowed and row.is_write:
                    if after == before:
                        problems.append("the allowed write changed nothing")
                    elif row.done and not row.done(stage, stage.users[role]):
                        problems.append("the allowed write did not do its work")
                elif after != before:
                    problems.append(
                        "a refused request, or a read, changed "
                        + ", ".join(changed_tables(before, after))
                    )
                if allowed and not row.shows_marks and role not in SEE_MARKS:
                    leaked = leaked_marks(response)
                    if leaked:
                        problems.append(f"a colleague's marks are shown: {leaked}")
                if allowed and check and not problems:
                    check(stage, role, response)
        except Exception as error:  # noqa: BLE001 (the cell's failure, reported with the row's)
            problems.append(f"{type(error).__name__}: {error}"[:400])
        transaction.set_rollback(True)
    # What the rollback took back from the rows but not from the objects in memory, nor
    # from the cache of public results (a publication in the cell bumped its generation).
    if row.method != "GET" or row.setup is not NO_SETUP:
        for instance in (
            stage.round,
            stage.session,
            stage.session_b,
            stage.entry,
            stage.colleague_sheet,
            stage.ranking,
        ):
            instance.refresh_from_db()
        forget_public_results(stage)
    return problems


def _row_params():
    for name in TABLE:
        yield pytest.param(name, id=name)


def _bug_params():
    for (name, role), reason in BUGS.items():
        yield pytest.param(
            name,
            role,
            id=f"{name}[{SHORT[role]}]",
            marks=pytest.mark.xfail(strict=True, reason=reason),
        )


@pytest.mark.parametrize("name", list(_row_params()))
def test_access_matrix(access, handler, name):
    row = ROWS[name]
    failures = []
    for role, expected in TABLE[name].items():
        if expected.endswith("!"):
            continue  # test_known_bug
        for problem in run_cell(access, handler, row, role, expected):
            failures.append(f"{SHORT[role]}: expected {expected}, {problem}")
    assert not failures, "\n".join(failures)


if BUGS:  # none at present; an empty parametrization would be reported as a skip

    @pytest.mark.parametrize(("name", "role"), list(_bug_params()))
    def test_known_bug(access, handler, name, role):
        expected = TABLE[name][role].rstrip("!")
        problems = run_cell(access, handler, ROWS[name], role, expected)
        assert not problems, problems


def _swap_params():
    for name, row in ROWS.items():
        if row.swaps:
            yield pytest.param(name, id=name)


@pytest.mark.parametrize("name", list(_swap_params()))
def test_no_other_object_is_reachable_by_changing_an_id(access, handler, name):
    """As every role the row allows (and no one else matters), the same request naming the
    other contest's object, or another unit's: 403 or 404, and nothing written."""
    row = ROWS[name]
    stage = access.stage
    original = resolve(urlsplit(row.url(stage)).path).route
    failures = []
    checked = 0
    for swap in row.swaps:
        swapped = resolve(urlsplit(swap.url(stage)).path).route
        assert swapped == original, (swap.label, swapped)
        for role, expected in TABLE[name].items():
            if expected.rstrip("!") not in ALLOWED or role in {"anonymous", *OTHER_CONTEST}:
                continue
            if swap.roles is not None and role not in swap.roles:
                continue
            checked += 1
            problems = run_cell(
                access,
                handler,
                row,
                role,
                swap.accepted(),
                swap.url,
                swap.body or row.body,
                check=swap.check,
            )
            if problems:
                failures.append(f"{swap.label}, as {SHORT[role]}: {problems}")
    assert checked, "no role reaches this row's object: a swap checks nothing"
    assert not failures, "\n".join(failures)


# --- every URL is in the matrix ----------------------------------------------------------------

# Patterns no row requests, and why.
NOT_IN_MATRIX = {
    # django.contrib.auth.urls' own login, after the project's: never reached.
    "accounts/login/#2": "shadowed by the project's accounts/login/ (LockoutAuthenticationForm)",
}
ADMIN_RULE = "admin/"  # staff only; nobody in ROLES is staff (build_access_stage checks)


def url_patterns(resolver=None, prefix: str = "") -> list[str]:
    """Every route of the project, nested includes joined; a repeated route numbered."""
    resolver = resolver or get_resolver()
    routes = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            routes += url_patterns(pattern, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            routes.append(prefix + str(pattern.pattern))
    return routes


def test_every_url_is_in_the_matrix(access):
    seen: dict[str, int] = {}
    patterns = set()
    for route in url_patterns():
        seen[route] = seen.get(route, 0) + 1
        patterns.add(route if seen[route] == 1 else f"{route}#{seen[route]}")
    # Static files are served by WhiteNoise before any URL is resolved; media files are
    # served only through the views that check who asks (attachments, certificates).
    assert not any(route.startswith(("static/", "media/")) for route in patterns)
    requested = set()
    for name, row in ROWS.items():
        match = resolve(urlsplit(row.url(access.stage)).path)
        requested.add(match.route)
        # An address naming an object is asked again with another contest's (or unit's).
        if match.kwargs and not match.route.startswith(ADMIN_RULE):
            assert row.swaps or row.no_swap, f"{name}: no id swap, and no reason why not"
    admin = {route for route in patterns if route.startswith(ADMIN_RULE)}
    assert any(route.startswith(ADMIN_RULE) for route in requested)
    missing = patterns - admin - set(NOT_IN_MATRIX) - requested
    assert not missing, f"URL patterns nobody decided about: {sorted(missing)}"
    assert set(NOT_IN_MATRIX) <= patterns
