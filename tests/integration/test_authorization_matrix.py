"""The scoring endpoints (issue 4): their stage, their requests, and the one role the
whole-app matrix does not play.

ENDPOINTS is every scoring endpoint and page, each one request about the entry on stage: the
second entry (of the second unit) of the open final round, in panel A's session.
tests/integration/test_access_matrix.py runs each of them as its 11 roles (and changes their
ids); tests/integration/test_api_fuzzing.py starts from the same stage. Here they run as the
head judge of panel B, the other session of the round: a head judge, but not this entry's.
Each cell checks the status; then

- a refused request, and any read, leaves every table of the contest exactly as it was (no
  sheet, mark, audit event, paper sheet, penalty, timer, ranking change, award...);
- an allowed write has done its work;
- an allowed answer never shows a colleague's individual marks, except to those whose job is
  to see them (organisers reviewing snapshots; secretaries and head judges reconciling paper
  sheets), and never an entry the person may not judge.

In MATRIX, 200/201 is allowed, 302 an allowed page write (redirected onwards), 403/404
refused, `login` a redirect to the login page. A trailing `!` marks a cell where the
application is believed wrong (in its status, or in what the answer shows or writes): the cell
keeps the right answer and runs as a strict xfail with its reason in BUGS.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import override_settings

from contest import services as contest_services
from contest.models import Entry, Membership, Role
from scheduling import services as scheduling_services
from scheduling.models import PanelSeat, Round, Session
from scoring import selectors as scoring_selectors
from scoring import services as scoring_services
from scoring.models import (
    IdempotentRequest,
    Nudge,
    PaperSheet,
    Penalty,
    PresentationTimer,
    PublicationEvent,
    Ranking,
    Reveal,
    Rubric,
    RubricPart,
    ScoreSheet,
    ScoreSheetEvent,
)
from tests.conftest import celery_settings
from tests.integration.conftest import schedule_final
from tests.thin_path import TabletClient
from tests.world import World, build_world, make_user, session_start

pytestmark = pytest.mark.django_db

# The people of the stage (`build_stage` makes them) by the short names a MATRIX column may use.
ROLES = {
    "this": "judge_this_panel",  # judge2, on panel A, no unit
    "other": "judge_other_panel",  # on panel B, which judges another session of the round
    "own": "judge_own_unit",  # on panel A, but from the entry's own unit
    "head": "head_judge",  # head judge of panel A (judge1)
    "headB": "head_judge_other_panel",  # head judge of panel B
    "secr": "secretary",
    "org": "organiser",
    "orgX": "organiser_other_contest",  # organiser of another contest only
    "rep": "representative",  # unit representative of the entry's unit
    "pres": "presenter",  # the entry's own presenter (an account made on approval)
    "anon": "anonymous",
}

MATRIX = """
endpoint                     headB
score-sheets-POST            403
declarations-POST            403
my-sheets-GET                200
rankings-GET                 403
ranking-publish-POST         403
ranking-unpublish-POST       403
unlock-POST                  403
progress-GET                 403
timers-POST                  403
paper-sheets-GET             200
paper-sheets-POST            403
penalties-POST               403
tie-breaks-PUT               403
public-results-GET           200
advance-POST                 403
nudges-POST                  403
head-console-page            403
running-order-GET            403
judge-home-page              200
judge-session-page           403
judge-console-json           403
score-entry-page             404
score-entry-page-POST        404
round-rankings-page          403
ranking-compute-page-POST    403
ranking-publish-page-POST    403
public-results-page          200
ranking-unpublish-page-POST  403
sign-off-POST                200
sign-off-page                200
reveal-POST                  403
reveal-finish-POST           403
ceremony-page                403
ceremony-page-POST           403
board-page                   200
"""

# Cells whose expected answer the code does not give yet: (endpoint, role) -> why.
BUGS: dict[tuple[str, str], str] = {}

# Colleagues' individual marks: on the sheet judge3 submitted for the entry on stage, on the
# paper sheet the secretary typed in for judge3, and on one typed in for panel B's judge.
# Nobody may read them but the organisers, and the secretaries and the head judge of the panel
# who reconcile paper sheets.
SHEET_MARKS = {"content": "9.5", "delivery": "9.75"}
PAPER_MARKS = {"content": "6.5", "delivery": "8.25"}
PANEL_B_PAPER_MARKS = {"content": "5.5", "delivery": "6.75"}
SECRETS = ("9.75", "9,75", "8.25", "8,25", "6.75", "6,75")
GOOD_MARKS = {"content": "8", "delivery": "7.5"}


@dataclass
class Stage:
    world: World
    round: Round
    session: Session  # panel A's
    session_b: Session  # panel B's, another session of the same round
    entry: Entry  # the entry on stage
    part: RubricPart
    colleague_sheet: ScoreSheet
    ranking: Ranking  # computed, not published
    users: dict[str, Any]


def build_stage() -> Stage:
    """The world of the other integration tests (tests.world, tests.integration.conftest),
    plus the people the matrix needs, a colleague's submitted sheet and paper sheet, and an
    unpublished ranking."""
    world = build_world()
    # Panel B's entry signs up while signup is still open; it is approved once scheduled.
    entry_b = contest_services.register_entry(
        contest=world.contest,
        user=world.representatives[2],
        initiative_title="Mô hình cụm B",
        field="economy",
        kind="individual",
        presenters=[contest_services.PresenterInput(full_name="Trần Thị Bê", email="b@ex.org")],
    )
    scheduled = schedule_final(world)
    entry = scheduled.entries[1]
    panel_a = scheduled.session.panel

    own_unit_judge = make_user("judge-unit-2")
    Membership.objects.create(
        contest=world.contest, user=own_unit_judge, role=Role.JUDGE, unit=entry.unit
    )
    PanelSeat.objects.create(panel=panel_a, judge=own_unit_judge, unit=entry.unit, order=4)

    # Panel B judges a second session of the same round, with an entry of its own.
    head_b = make_user("head-judge-b")
    Membership.objects.create(contest=world.contest, user=head_b, role=Role.HEAD_JUDGE)
    contest_services.approve_entry(entry=entry_b, actor=world.organiser)
    panel_b = scheduling_services.create_panel(
        contest=world.contest,
        name="BGK cụm B",
        actor=world.organiser,
        seats=[
            scheduling_services.SeatInput(head_b, head=True),
            scheduling_services.SeatInput(world.outsider_judge),
        ],
    )
    session_b = scheduling_services.create_session(
        round=world.final,
        name="Cụm B",
        starts_at=session_start(),
        panel=panel_b,
        actor=world.organiser,
    )
    scheduling_services.draw_running_order(session=session_b, actor=world.organiser)
    scoring_services.enter_paper_sheet(
        secretary=world.secretary,
        round=world.final,
        entry=entry_b,
        judge=world.outsider_judge,
        marks=PANEL_B_PAPER_MARKS,
    )

    other_organiser = make_user("organiser-other")
    Membership.objects.create(
        contest=world.other_contest, user=other_organiser, role=Role.ORGANISER
    )
    presenter = entry.presenters.get().user
    assert presenter is not None
    assert Membership.objects.filter(user=presenter, role=Role.PRESENTER).exists()

    colleague = world.judges[2]
    colleague_sheet = scoring_services.save_score_sheet(
        judge=colleague, round=world.final, entry=entry, marks=SHEET_MARKS, submit=True
    )
    scoring_services.enter_paper_sheet(
        secretary=world.secretary,
        round=world.final,
        entry=scheduled.entries[2],
        judge=colleague,
        marks=PAPER_MARKS,
    )
    ranking = scoring_services.compute_ranking(round=world.final)

    users = {
        "judge_this_panel": world.judges[1],
        "judge_other_panel": world.outsider_judge,
        "judge_own_unit": own_unit_judge,
        "head_judge": world.judges[0],
        "head_judge_other_panel": head_b,
        "secretary": world.secretary,
        "organiser": world.organiser,
        "organiser_other_contest": other_organiser,
        "representative": world.representatives[1],
        "presenter": presenter,
        "anonymous": None,
    }
    assert set(users) == set(ROLES.values())
    return Stage(
        world=world,
        round=world.final,
        session=scheduled.session,
        session_b=session_b,
        entry=entry,
        part=RubricPart.objects.get(rubric__round=world.final, order=2),
        colleague_sheet=colleague_sheet,
        ranking=ranking,
        users=users,
    )


@pytest.fixture(scope="module")
def built_stage(django_db_setup, django_db_blocker):
    """The stage is built once for the module, in a transaction rolled back at its end; each
    cell runs in a savepoint of it (the `db` fixture), so no cell sees another's writes.
    Built afresh for every cell, the matrix took well over two minutes."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        celery_settings(task_always_eager=True),
        transaction.atomic(),
    ):
        yield build_stage()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def handler():
    """One request handler for every cell: a new test client loads the middleware afresh, and
    WhiteNoise's then walks the static files, a quarter of a second a cell."""
    return TabletClient().handler


@pytest.fixture
def client_as(handler):
    def client_as(user) -> TabletClient:
        client = TabletClient()
        client.handler = handler
        if user is not None:
            client.force_login(user)
        return client

    return client_as


@pytest.fixture
def stage(built_stage: Stage, db, eager_celery) -> Stage:
    # The rows come back with each savepoint's rollback; the objects in memory may not have.
    for instance in (
        built_stage.round,
        built_stage.session,
        built_stage.session_b,
        built_stage.entry,
        built_stage.colleague_sheet,
        built_stage.ranking,
    ):
        instance.refresh_from_db()
    # Each cell starts from the same stage: nothing an earlier cell wrote is left.
    assert ScoreSheet.objects.count() == 1 and PaperSheet.objects.count() == 2
    assert not Penalty.objects.exists() and not PresentationTimer.objects.exists()
    assert not built_stage.ranking.is_published and built_stage.session.current_position is None
    return built_stage


# --- what a cell may need before its request ------------------------------------------------


def missing_confirmed(stage: Stage) -> list[tuple[int, int]]:
    """The stage's missing sheets, as the organiser confirms them to publish (the guard
    itself is tests/integration/test_publish_guard.py's concern)."""
    return [sheet.pair for sheet in scoring_selectors.missing_sheets(stage.round)]


def publish(stage: Stage) -> None:
    scoring_services.publish_ranking(
        ranking=stage.ranking, actor=stage.world.organiser, confirm_missing=missing_confirmed(stage)
    )


def publish_for_ceremony(stage: Stage) -> None:
    scoring_services.publish_ranking(
        ranking=stage.ranking,
        actor=stage.world.organiser,
        confirm_missing=missing_confirmed(stage),
        ceremony=True,
    )


def reopen_for_tie_breaks(stage: Stage) -> None:
    """The tie-break chain can be set only before judging opens."""
    Round.objects.filter(pk=stage.round.pk).update(status=Round.Status.PLANNED)


def new_sheet_since_ranking(stage: Stage) -> None:
    """So that a recompute has something new to snapshot."""
    scoring_services.save_score_sheet(
        judge=stage.world.judges[1],
        round=stage.round,
        entry=stage.entry,
        marks=GOOD_MARKS,
        submit=True,
    )


# --- what an allowed write must have done ---------------------------------------------------


def own_sheet(participation: str = ScoreSheet.Participation.SCORED):
    def done(stage: Stage, actor) -> bool:
        return ScoreSheet.objects.filter(
            round=stage.round,
            entry=stage.entry,
            judge=actor,
            participation=participation,
            status=ScoreSheet.Status.SUBMITTED,
        ).exists()

    return done


def is_published(published: bool):
    def done(stage: Stage, actor) -> bool:
        stage.ranking.refresh_from_db()
        return stage.ranking.is_published is published

    return done


def unlocked(stage: Stage, actor) -> bool:
    stage.colleague_sheet.refresh_from_db()
    return (
        stage.colleague_sheet.status == ScoreSheet.Status.DRAFT
        and ScoreSheetEvent.objects.filter(
            sheet=stage.colleague_sheet, actor=actor, action=ScoreSheetEvent.Action.UNLOCKED
        ).exists()
    )


# --- what an allowed answer must (not) show -------------------------------------------------

ON_PANEL_A = {"judge_this_panel", "judge_own_unit", "head_judge"}
ON_PANEL_B = {"judge_other_panel", "head_judge_other_panel"}
MAY_JUDGE_ENTRY = {"judge_this_panel", "head_judge"}


def only_own_sheets(stage: Stage, role: str, response) -> None:
    mine = set(ScoreSheet.objects.filter(judge=stage.users[role]).values_list("pk", flat=True))
    assert {sheet["id"] for sheet in response.json()} <= mine


def running_order_without_own_unit(stage: Stage, role: str, response) -> None:
    shown = {slot["entry_id"] for slot in response.json()}
    assert (stage.entry.pk in shown) is (role in MAY_JUDGE_ENTRY)


def lists_own_sessions_only(stage: Stage, role: str, response) -> None:
    page = response.content.decode()
    assert (f"/judge/sessions/{stage.session.pk}/" in page) is (role in ON_PANEL_A)
    assert (f"/judge/sessions/{stage.session_b.pk}/" in page) is (role in ON_PANEL_B)


def session_page_without_own_unit(stage: Stage, role: str, response) -> None:
    page = response.content.decode()
    assert (stage.entry.initiative.title in page) is (role in MAY_JUDGE_ENTRY)


def paper_sheets_of_own_panel(stage: Stage, role: str, response) -> None:
    """A head judge reconciles the paper sheets of their own panel's session only."""
    own = {"head_judge": stage.session, "head_judge_other_panel": stage.session_b}.get(role)
    if own is not None:
        panel_entries = set(own.slots.values_list("entry_id", flat=True))
        shown = {sheet["entry"] for sheet in response.json()}
        assert shown and shown <= panel_entries


def nothing_unpublished(stage: Stage, role: str, response) -> None:
    (ranking,) = response.json()["rounds"]
    assert "analytics" not in ranking
    assert all("details" not in standing for standing in ranking["standings"])


@dataclass(frozen=True)
class Endpoint:
    method: str  # GET, POST (JSON), PUT (JSON) or FORM (a page's form POST)
    url: Callable[[Stage], str]
    body: Callable[[Stage], dict] = lambda stage: {}
    setup: Callable[[Stage], None] = lambda stage: None
    # For writes: what an allowed request must have done.
    done: Callable[[Stage, Any], bool] | None = None
    # The allowed answer carries individual marks by design (reviews, paper sheets).
    shows_marks: bool = False
    check: Callable[[Stage, str, Any], None] | None = None


ENDPOINTS = {
    "score-sheets-POST": Endpoint(
        "POST",
        lambda s: "/api/score-sheets/",
        lambda s: {"round": s.round.pk, "entry": s.entry.pk, "marks": GOOD_MARKS},
        done=own_sheet(),
    ),
    "declarations-POST": Endpoint(
        "POST",
        lambda s: "/api/declarations/",
        lambda s: {
            "round": s.round.pk,
            "entry": s.entry.pk,
            "participation": "conflict",
            "reason": "Người nhà của báo cáo viên",
        },
        done=own_sheet(ScoreSheet.Participation.CONFLICT),
    ),
    "my-sheets-GET": Endpoint(
        "GET", lambda s: f"/api/rounds/{s.round.pk}/my-sheets/", check=only_own_sheets
    ),
    "rankings-GET": Endpoint(
        "GET", lambda s: f"/api/rounds/{s.round.pk}/rankings/", shows_marks=True
    ),
    "ranking-publish-POST": Endpoint(
        "POST",
        lambda s: f"/api/rankings/{s.ranking.pk}/publish/",
        lambda s: {"confirm_missing": [{"judge": j, "entry": e} for j, e in missing_confirmed(s)]},
        done=is_published(True),
        shows_marks=True,  # the review serializer, to the organiser alone
    ),
    "ranking-unpublish-POST": Endpoint(
        "POST",
        lambda s: f"/api/rankings/{s.ranking.pk}/unpublish/",
        setup=publish,
        done=is_published(False),
        shows_marks=True,
    ),
    "unlock-POST": Endpoint(
        "POST",
        lambda s: f"/api/score-sheets/{s.colleague_sheet.pk}/unlock/",
        lambda s: {"reason": "Nhầm tiêu chí"},
        done=unlocked,
    ),
    "progress-GET": Endpoint("GET", lambda s: f"/api/sessions/{s.session.pk}/progress/"),
    "timers-POST": Endpoint(
        "POST",
        lambda s: f"/api/rounds/{s.round.pk}/timers/",
        lambda s: {"entry": s.entry.pk, "part": s.part.pk, "action": "start"},
        done=lambda s, actor: PresentationTimer.objects.filter(
            entry=s.entry, part=s.part, running_since__isnull=False
        ).exists(),
    ),
    "paper-sheets-GET": Endpoint(
        "GET",
        lambda s: f"/api/rounds/{s.round.pk}/paper-sheets/",
        shows_marks=True,
        check=paper_sheets_of_own_panel,
    ),
    "paper-sheets-POST": Endpoint(
        "POST",
        lambda s: f"/api/rounds/{s.round.pk}/paper-sheets/",
        lambda s: {"entry": s.entry.pk, "judge": "judge2", "marks": GOOD_MARKS},
        done=lambda s, actor: PaperSheet.objects.filter(
            entry=s.entry, judge__username="judge2", entered_by=actor
        ).exists(),
    ),
    "penalties-POST": Endpoint(
        "POST",
        lambda s: f"/api/rounds/{s.round.pk}/penalties/",
        lambda s: {"entry": s.entry.pk, "points": "0.5", "reason": "Quá giờ"},
        done=lambda s, actor: Penalty.objects.filter(entry=s.entry, created_by=actor).exists(),
    ),
    "tie-breaks-PUT": Endpoint(
        "PUT",
        lambda s: f"/api/rounds/{s.round.pk}/tie-breaks/",
        lambda s: {"tie_breaks": [{"criterion": "delivery"}]},
        setup=reopen_for_tie_breaks,
        done=lambda s, actor: Rubric.objects.get(round=s.round).tie_breaks
        == [{"criterion": "delivery"}],
    ),
    "public-results-GET": Endpoint(
        "GET",
        lambda s: f"/api/public/contests/{s.world.contest.slug}/results/",
        setup=publish,
        check=nothing_unpublished,
    ),
    "advance-POST": Endpoint(
        "POST",
        lambda s: f"/api/sessions/{s.session.pk}/advance/",
        lambda s: {"position": 2},
        done=lambda s, actor: Session.objects.get(pk=s.session.pk).current_position == 2,
    ),
    "nudges-POST": Endpoint(
        "POST",
        lambda s: f"/api/sessions/{s.session.pk}/nudges/",
        lambda s: {"judge": s.users["judge_this_panel"].pk, "entry": s.entry.pk},
        done=lambda s, actor: Nudge.objects.filter(
            entry=s.entry, judge=s.users["judge_this_panel"], sent_by=actor
        ).exists(),
    ),
    "head-console-page": Endpoint("GET", lambda s: f"/judge/sessions/{s.session.pk}/head/"),
    "running-order-GET": Endpoint(
        "GET",
        lambda s: f"/api/sessions/{s.session.pk}/running-order/",
        check=running_order_without_own_unit,
    ),
    "judge-home-page": Endpoint("GET", lambda s: "/judge/", check=lists_own_sessions_only),
    "judge-session-page": Endpoint(
        "GET",
        lambda s: f"/judge/sessions/{s.session.pk}/",
        check=session_page_without_own_unit,
    ),
    # The judge page's live data, polled by its script.
    "judge-console-json": Endpoint(
        "GET",
        lambda s: f"/judge/sessions/{s.session.pk}/console.json",
        check=session_page_without_own_unit,
    ),
    "score-entry-page": Endpoint(
        "GET", lambda s: f"/judge/rounds/{s.round.pk}/entries/{s.entry.pk}/"
    ),
    "score-entry-page-POST": Endpoint(
        "FORM",
        lambda s: f"/judge/rounds/{s.round.pk}/entries/{s.entry.pk}/",
        lambda s: {**GOOD_MARKS, "submit": "1"},
        done=own_sheet(),
    ),
    "round-rankings-page": Endpoint(
        "GET", lambda s: f"/rounds/{s.round.pk}/rankings/", shows_marks=True
    ),
    "ranking-compute-page-POST": Endpoint(
        "FORM",
        lambda s: f"/rounds/{s.round.pk}/rankings/compute/",
        setup=new_sheet_since_ranking,
        done=lambda s, actor: Ranking.objects.filter(round=s.round).count() == 2,
    ),
    "ranking-publish-page-POST": Endpoint(
        "FORM",
        lambda s: f"/rankings/{s.ranking.pk}/publish/",
        lambda s: {
            "confirm_missing": "1",
            "missing": [f"{j}:{e}" for j, e in missing_confirmed(s)],
        },
        done=is_published(True),
    ),
    "public-results-page": Endpoint(
        "GET", lambda s: f"/results/{s.world.contest.slug}/", setup=publish
    ),
    "ranking-unpublish-page-POST": Endpoint(
        "FORM",
        lambda s: f"/rankings/{s.ranking.pk}/unpublish/",
        setup=publish,
        done=is_published(False),
    ),
    "sign-off-POST": Endpoint(
        "POST",
        lambda s: f"/api/rankings/{s.ranking.pk}/sign-off/",
        done=lambda s, actor: PublicationEvent.objects.filter(
            ranking=s.ranking, actor=actor, action=PublicationEvent.Action.SIGNED_OFF
        ).exists(),
    ),
    "sign-off-page": Endpoint("GET", lambda s: f"/rankings/{s.ranking.pk}/sign-off/"),
    "reveal-POST": Endpoint(
        "POST",
        lambda s: f"/api/rankings/{s.ranking.pk}/reveal/",
        lambda s: {"step": 0},
        setup=publish_for_ceremony,
        done=lambda s, actor: Reveal.objects.get(ranking=s.ranking).revealed == 1,
    ),
    "reveal-finish-POST": Endpoint(
        "POST",
        lambda s: f"/api/rankings/{s.ranking.pk}/reveal/finish/",
        setup=publish_for_ceremony,
        done=lambda s, actor: Reveal.objects.get(ranking=s.ranking).finished,
    ),
    "ceremony-page": Endpoint(
        "GET", lambda s: f"/contests/{s.world.contest.slug}/ceremony/", setup=publish_for_ceremony
    ),
    "ceremony-page-POST": Endpoint(
        "FORM",
        lambda s: f"/contests/{s.world.contest.slug}/ceremony/",
        lambda s: {"ranking": s.ranking.pk, "step": 0},
        setup=publish_for_ceremony,
        done=lambda s, actor: Reveal.objects.get(ranking=s.ranking).revealed == 1,
    ),
    "board-page": Endpoint("GET", lambda s: f"/board/{s.world.contest.slug}/", setup=publish),
}


def _cells():
    header, *rows = (line.split() for line in MATRIX.strip().splitlines())
    roles = [ROLES[short] for short in header[1:]]
    assert [row[0] for row in rows] == list(ENDPOINTS)
    marked = set()
    for name, *outcomes in rows:
        assert len(outcomes) == len(roles), name
        for role, outcome in zip(roles, outcomes, strict=True):
            marks = []
            if outcome.endswith("!"):
                marked.add((name, role))
                marks = [pytest.mark.xfail(strict=True, reason=BUGS[(name, role)])]
            yield pytest.param(name, role, outcome.rstrip("!"), id=f"{name}[{role}]", marks=marks)
    assert marked == set(BUGS)


CELLS = list(_cells())

# Every table of the contest, scheduling, scoring and certificates apps, but the replay store
# of the Idempotency-Key protocol (a refusal is an answer a retry must get again).
WATCHED = [
    model._meta.db_table
    for app in ("contest", "scheduling", "scoring", "certificates")
    for model in apps.get_app_config(app).get_models(include_auto_created=True)
    if model is not IdempotentRequest
]


def footprint() -> dict:
    """Every row of every watched table (plain SQL: the ORM would double the module's time)."""
    with connection.cursor() as cursor:
        rows = {}
        for table in WATCHED:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            rows[table] = cursor.fetchall()
    return rows


def send(client, endpoint: Endpoint, stage: Stage):
    url = endpoint.url(stage)
    if endpoint.method == "GET":
        return client.get(url)
    if endpoint.method == "FORM":
        return client.post(url, endpoint.body(stage))
    send_json = getattr(client, endpoint.method.lower())
    return send_json(url, endpoint.body(stage), content_type="application/json")


def assert_status(response, expected: str) -> None:
    login = resolve_url(settings.LOGIN_URL)
    if expected == "login":
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(login), response["Location"]
    elif expected == "302":
        assert response.status_code == 302, response.status_code
        assert not response["Location"].startswith(login), response["Location"]
    else:
        assert response.status_code == int(expected), (
            response.status_code,
            response.content[:300],
        )


@pytest.mark.parametrize(("endpoint", "role", "expected"), CELLS)
def test_head_judge_of_another_panel(stage, client_as, endpoint, role, expected):
    spec = ENDPOINTS[endpoint]
    spec.setup(stage)
    actor = stage.users[role]
    client = client_as(actor)
    before = footprint()

    response = send(client, spec, stage)

    assert_status(response, expected)
    allowed = expected in {"200", "201", "302"}
    if allowed and spec.done:
        assert footprint() != before
        assert spec.done(stage, actor), "the allowed write did not do its work"
    else:
        assert footprint() == before, "a refused request, or a read, changed the contest's data"
    if allowed and not spec.shows_marks:
        body = response.content.decode()
        # A whole number, not digits inside another (a timestamp's "06.756" is no mark).
        leaked = [
            mark for mark in SECRETS if re.search(rf"(?<![\d.]){re.escape(mark)}(?!\d)", body)
        ]
        assert not leaked, f"a colleague's individual marks are shown: {leaked}"
    if allowed and spec.check:
        spec.check(stage, role, response)
