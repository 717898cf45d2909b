"""Bad input (issue 9): Schemathesis over the whole OpenAPI schema, as every role, finds no
server error and no answer that breaks the schema.

Each (operation, role) pair is one test. Its requests go in-process to the WSGI application,
on the test's own database connection, each inside a savepoint rolled back after it, so every
request starts from the same stage: tests.integration.test_authorization_matrix's, plus
certificates issued from a published snapshot, a newer snapshot unpublished, a third one
published for a prize ceremony under way, a round still planned (with a drawn session, and an
entry left to schedule), an advancement rule, and an entry awaiting approval in the other
contest. A pair sends

- the known good request of the operation (the right objects and a valid body), once;
- then Hypothesis-generated ones (derandomized, so every run sends the same): valid and
  invalid data by the schema, the path pointing at random ids or at the stage's real objects,
  and the ids in a generated body replaced by real ones now and then, so that writes get past
  "no such round" into their rules.

Every answer must be no 5xx, a status the operation documents, the documented content type,
and a body that matches the documented schema; and every operation must succeed (2xx) for some
role, or the fuzzing has gone shallow. The figures go to test-artifacts/api-fuzzing.json.
"""

import json
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from certificates import services as certificate_services
from certificates.models import Certificate, CertificateBatch
from config.wsgi import application
from contest import services as contest_services
from contest.models import Contest, Entry, Membership, Role
from scheduling import services as scheduling_services
from scheduling.models import Panel, Round
from scoring import selectors as scoring_selectors
from scoring import services as scoring_services
from scoring.models import Criterion, Rubric, RubricPart, ScoreSheet
from tests.conftest import celery_settings
from tests.integration.test_authorization_matrix import (
    GOOD_MARKS,
    ROLES,
    Stage,
    build_stage,
)
from tests.world import session_start

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", application)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
ROLE_NAMES = list(ROLES.values())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Generated requests per (operation, role), on top of the known good one: 41 operations × 11
# roles run in about two minutes on two cores.
MAX_EXAMPLES = 6
CSRF_TOKEN = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"  # 32 characters: a CSRF secret


@dataclass
class FuzzStage:
    stage: Stage
    cookies: dict[str, dict[str, str]]  # role -> the cookies of its logged-in session
    path_values: dict[str, list[Any]]  # path parameter name, per path -> real values
    body_values: dict[str, list[Any]]  # body field -> real values
    good: dict[str, tuple[dict, Any]]  # operation label -> (path parameters, JSON body)


@dataclass
class Figures:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    pairs: set = field(default_factory=set)
    failures: list = field(default_factory=list)
    good: dict = field(default_factory=dict)  # (operation, role) -> status of the good request
    seconds: float = 0.0


FIGURES = Figures()


def build_fuzz_stage() -> FuzzStage:
    stage = build_stage()
    world = stage.world
    users = stage.users
    # The representative of the stage's role represents their unit in the other contest too,
    # where an entry of theirs awaits approval by that contest's organiser.
    rep = users["representative"]
    Membership.objects.create(
        contest=world.other_contest,
        user=rep,
        role=Role.UNIT_REPRESENTATIVE,
        unit=stage.entry.unit,
    )
    pending = contest_services.register_entry(
        contest=world.other_contest,
        user=rep,
        initiative_title="Mô hình chờ duyệt",
        field="economy",
        kind="individual",
        presenters=[contest_services.PresenterInput(full_name="Phạm Văn Chờ", email="c@ex.org")],
    )
    # The best two of the final advance to the city contest.
    Contest.objects.filter(pk=world.contest.pk).update(
        advancement_rule=Contest.AdvancementRule.TOP_N, advancement_count=2
    )
    # The stage's snapshot published and its certificates issued; then a newer snapshot.
    missing = [sheet.pair for sheet in scoring_selectors.missing_sheets(stage.round)]
    scoring_services.publish_ranking(
        ranking=stage.ranking, actor=world.organiser, confirm_missing=missing
    )
    batch = certificate_services.request_certificates(contest=world.contest, actor=world.organiser)
    certificate_services.render_batch(batch.pk)
    scoring_services.save_score_sheet(
        judge=world.judges[1],
        round=stage.round,
        entry=stage.entry,
        marks=GOOD_MARKS,
        submit=True,
    )
    newer = scoring_services.compute_ranking(round=stage.round)
    assert newer.pk != stage.ranking.pk and not newer.is_published
    # And a third, the one published now, for a prize ceremony under way.
    scoring_services.save_score_sheet(
        judge=world.judges[2],
        round=stage.round,
        entry=Entry.objects.get(slots__session=stage.session, unit=world.units[2]),
        marks={"content": "7", "delivery": "7"},
        submit=True,
    )
    ceremonial = scoring_services.compute_ranking(round=stage.round)
    scoring_services.publish_ranking(
        ranking=ceremonial,
        actor=world.organiser,
        confirm_missing=[sheet.pair for sheet in scoring_selectors.missing_sheets(stage.round)],
        ceremony=True,
    )
    # A round still planned, so that the writes refused once judging has opened (sessions,
    # draws, judge assignment, tie-breaks) get through too: a drawn session of two entries
    # before a panel of its own, the third entry left to schedule.
    planned = Round.objects.create(
        contest=world.contest, name="Vòng bổ sung", kind=Round.Kind.PRELIMINARY, sequence=2
    )
    rubric = Rubric.objects.create(round=planned, decimals=2)
    Criterion.objects.create(
        rubric=rubric,
        part=RubricPart.objects.create(rubric=rubric, name="Trình bày", order=1),
        code="delivery",
        name="Kỹ năng trình bày",
        max_score=Decimal(10),
        step=Decimal("0.5"),
        weight=Decimal(1),
        order=1,
    )
    panel_c = scheduling_services.create_panel(
        contest=world.contest,
        name="BGK bổ sung",
        actor=world.organiser,
        seats=[
            scheduling_services.SeatInput(world.judges[1], head=True),
            scheduling_services.SeatInput(world.judges[2]),
        ],
    )
    in_final_session = list(
        stage.session.slots.order_by("entry_id").values_list("entry", flat=True)
    )
    session_c = scheduling_services.create_session(
        round=planned,
        name="Bổ sung",
        starts_at=session_start() - timedelta(days=7),
        panel=panel_c,
        entries=list(Entry.objects.filter(pk__in=in_final_session[:2])),
        actor=world.organiser,
    )
    scheduling_services.draw_running_order(session=session_c, actor=world.organiser)
    left_to_schedule = in_final_session[2]

    cookies = {}
    for role, user in users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        session = {"sessionid": client.cookies["sessionid"].value} if user else {}
        cookies[role] = {**session, "csrftoken": CSRF_TOKEN}

    contests = [world.contest, world.other_contest, world.contest.advances_to]
    entry_ids = list(Entry.objects.order_by("pk").values_list("pk", flat=True))
    rounds = [stage.round.pk, planned.pk]
    rankings = [stage.ranking.pk, newer.pk, ceremonial.pk]
    sessions = [stage.session.pk, stage.session_b.pk, session_c.pk]
    certificates = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    assert certificates
    by_path = {
        "/api/certificate-batches/{id}/": list(
            CertificateBatch.objects.values_list("pk", flat=True)
        ),
        "/api/certificates/{id}/": certificates,
        "/api/entries/{id}/": entry_ids,
        "/api/rankings/{id}/": rankings,
        "/api/rounds/{id}/": rounds,
        "/api/score-sheets/{id}/": [stage.colleague_sheet.pk],
        "/api/sessions/{id}/": sessions,
        "/api/contests/{slug}/": [c.slug for c in contests],
        "/api/public/contests/{slug}/": [c.slug for c in contests],
        "/api/public/certificates/{code}/": list(
            Certificate.objects.values_list("verification_code", flat=True)
        ),
    }
    judges = [users[r] for r in ROLE_NAMES if r.startswith(("judge", "head"))]
    body_values = {
        "round": rounds,
        "entry": entry_ids,
        "judge": [judge.pk for judge in judges],
        "part": list(RubricPart.objects.values_list("pk", flat=True)),
        "panel": list(Panel.objects.values_list("pk", flat=True)),
        "position": [1, 2, 3],
        "marks": [GOOD_MARKS, {"content": "9.5", "delivery": "6.25"}],
        "step": [0, 1],
    }
    entry = stage.entry.pk
    judge2 = users["judge_this_panel"]
    # The entry of the third unit: on panel A, and no sheet of judge2 (who sat for the entry on
    # stage) nor of the head judge (of the first unit) for it yet.
    unsheeted = Entry.objects.get(slots__session=stage.session, unit=world.units[2]).pk
    assert not ScoreSheet.objects.filter(entry_id=unsheeted, judge=judge2).exists()
    good = {
        "POST /api/certificates/{id}/revoke/": ({"id": certificates[0]}, {"reason": "Sai tên"}),
        "POST /api/contests/{slug}/certificate-batches/": (
            {"slug": world.contest.slug},
            {"kinds": ["judge"]},
        ),
        "POST /api/contests/{slug}/entries/": (
            {"slug": world.other_contest.slug},
            {
                "initiative_title": "Mô hình mới",
                "field": "economy",
                "kind": "individual",
                "presenters": [{"full_name": "Lê Thị Mới", "email": "moi@example.org"}],
            },
        ),
        "POST /api/contests/{slug}/panels/": (
            {"slug": world.contest.slug},
            {"name": "BGK mới", "judges": [{"username": judge2.username, "head": True}]},
        ),
        "POST /api/contests/{slug}/status/": (
            {"slug": world.contest.slug},
            {"status": "results_published"},
        ),
        "POST /api/declarations/": (
            {},
            {
                "round": stage.round.pk,
                "entry": unsheeted,
                "participation": "conflict",
                "reason": "x",
            },
        ),
        "POST /api/entries/{id}/approve/": ({"id": pending.pk}, None),
        "POST /api/entries/{id}/reject/": ({"id": pending.pk}, {"reason": "Trùng mô hình"}),
        "POST /api/rankings/{id}/publish/": (
            {"id": newer.pk},
            {
                "confirm_missing": [
                    {"judge": j, "entry": e}
                    for j, e in (s.pair for s in scoring_selectors.missing_sheets(stage.round))
                ]
            },
        ),
        "POST /api/rankings/{id}/reveal/": ({"id": ceremonial.pk}, {"step": 0}),
        "POST /api/rankings/{id}/reveal/finish/": ({"id": ceremonial.pk}, None),
        "POST /api/rankings/{id}/sign-off/": ({"id": newer.pk}, None),
        "POST /api/rankings/{id}/unpublish/": ({"id": ceremonial.pk}, None),
        "POST /api/rounds/{id}/paper-sheets/": (
            {"id": stage.round.pk},
            {"entry": entry, "judge": judge2.username, "marks": GOOD_MARKS},
        ),
        "POST /api/rounds/{id}/penalties/": (
            {"id": stage.round.pk},
            {"entry": entry, "points": "0.5", "reason": "Quá giờ"},
        ),
        "POST /api/rounds/{id}/sessions/": (
            {"id": planned.pk},
            {
                "name": "Phiên mới",
                "starts_at": (session_start() - timedelta(days=6)).isoformat(),
                "panel": panel_c.pk,
                "entries": [left_to_schedule],
            },
        ),
        "POST /api/rounds/{id}/status/": ({"id": stage.round.pk}, {"status": "closed"}),
        "PUT /api/rounds/{id}/tie-breaks/": (
            {"id": planned.pk},
            {"tie_breaks": [{"criterion": "delivery"}]},
        ),
        "POST /api/rounds/{id}/timers/": (
            {"id": stage.round.pk},
            {"entry": entry, "part": stage.part.pk, "action": "start"},
        ),
        "POST /api/score-sheets/": (
            {},
            {"round": stage.round.pk, "entry": unsheeted, "marks": GOOD_MARKS},
        ),
        "POST /api/score-sheets/{id}/unlock/": (
            {"id": stage.colleague_sheet.pk},
            {"reason": "Nhầm tiêu chí"},
        ),
        "POST /api/sessions/{id}/advance/": ({"id": stage.session.pk}, {"position": 2}),
        "POST /api/sessions/{id}/draw/": (
            {"id": session_c.pk},
            {"reason": "Bốc lại", "witnesses": "Thư ký"},
        ),
        "POST /api/sessions/{id}/nudges/": (
            {"id": stage.session.pk},
            {"judge": judge2.pk, "entry": unsheeted},
        ),
        "POST /api/rounds/{id}/assign-judges/": ({"id": planned.pk}, None),
        "POST /api/contests/{slug}/advance/": ({"slug": world.contest.slug}, None),
    }
    return FuzzStage(stage, cookies, by_path, body_values, good)


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    """Where the stage's certificates are, for every test of the module."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def fuzz_stage(django_db_setup, django_db_blocker, media_root):
    """Built once for the module, in a transaction rolled back at its end."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=media_root,
        ),
        celery_settings(task_always_eager=True),
        transaction.atomic(),
    ):
        yield build_fuzz_stage()
        transaction.set_rollback(True)


def path_key(operation) -> str:
    """The operation's path up to its parameter: /api/rounds/{id}/ of /api/rounds/{id}/status/."""
    return operation.path[: operation.path.index("}") + 2] if "{" in operation.path else ""


def real_path_values(fuzz: FuzzStage, operation) -> list[dict]:
    """Each real object the operation's path may name."""
    (name, *more) = [p.name for p in operation.path_parameters] or [None]
    assert not more, operation.label
    return [{name: value} for value in fuzz.path_values.get(path_key(operation), [])]


_strategies: dict[str, Any] = {}


def strategy_for(fuzz: FuzzStage, operation):
    if operation.label not in _strategies:
        branches = [
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        ]
        real = real_path_values(fuzz, operation)
        if real:
            branches.append(
                st.one_of(
                    [
                        operation.as_strategy(
                            generation_mode=GenerationMode.POSITIVE, path_parameters=values
                        )
                        for values in real
                    ]
                )
            )
        _strategies[operation.label] = st.one_of(branches)
    return _strategies[operation.label]


_failing_request: list[str] = []


def _record_exception(sender, request=None, **kwargs):
    _failing_request.append("".join(traceback.format_exception(*sys.exc_info())))


def send(fuzz: FuzzStage, case, role: str) -> int:
    """One request, in a savepoint rolled back after it; any failure is recorded."""
    cookies = fuzz.cookies[role]
    headers = {"X-CSRFToken": CSRF_TOKEN}
    _failing_request.clear()
    started = time.monotonic()
    with transaction.atomic():
        try:
            response = case.call(headers=headers, cookies=cookies)
            problems = None
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                problems = [f"{f.title}: {f.message}" for f in group.exceptions]
        finally:
            transaction.set_rollback(True)
    FIGURES.seconds += time.monotonic() - started
    FIGURES.requests += 1
    FIGURES.statuses[response.status_code] += 1
    if problems:
        FIGURES.failures.append(
            {
                "operation": case.operation.label,
                "role": role,
                "path": case.formatted_path,
                "path_parameters": case.path_parameters,
                "query": case.query,
                "headers": {k: v for k, v in (case.headers or {}).items()},
                "media_type": case.media_type,
                "body": repr(case.body)[:500],
                "status": response.status_code,
                "response": response.content[:500].decode(errors="replace"),
                "problems": problems,
                "traceback": _failing_request[-1][-3000:] if _failing_request else None,
            }
        )
    return response.status_code


def substitute_real_ids(data, fuzz: FuzzStage, case) -> None:
    """Now and then, a generated body's ids point at the stage's real objects."""
    body = case.body
    if not isinstance(body, dict):
        return
    for key in list(body):
        values = fuzz.body_values.get(key)
        if values and data.draw(st.booleans(), label=f"real {key}"):
            body[key] = data.draw(st.sampled_from(values), label=key)


@pytest.fixture
def fuzz(fuzz_stage, db, settings, media_root) -> FuzzStage:
    settings.MEDIA_ROOT = media_root
    return fuzz_stage


@pytest.fixture(scope="module", autouse=True)
def _in_process_requests():
    """Requests reach the application as Django's test client sends them: on the test's own
    connection, kept open (the handler would close a connection inside a transaction), and
    with the traceback of any exception kept for the report."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(_record_exception)
    try:
        yield
    finally:
        got_request_exception.disconnect(_record_exception)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_server_error_and_no_answer_off_schema(fuzz, operation, role):
    before = len(FIGURES.failures)
    good = fuzz.good.get(operation.label)
    if good is None and not operation.path_parameters:
        good = ({}, None)
    elif good is None:
        real = real_path_values(fuzz, operation)
        good = (real[0], None) if real else None
    if good is not None:
        path_parameters, body = good
        kwargs = {"path_parameters": path_parameters}
        if body is not None:
            kwargs.update(body=body, media_type="application/json")
        headers = {}
        if any(p.name == "Idempotency-Key" for p in operation.headers):
            headers["Idempotency-Key"] = f"fuzz-{role}"
        case = operation.Case(headers=headers, **kwargs)
        FIGURES.good[(operation.label, role)] = send(fuzz, case, role)

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz_operation(data):
        case = data.draw(strategy_for(fuzz, operation))
        substitute_real_ids(data, fuzz, case)
        send(fuzz, case, role)

    fuzz_operation()
    FIGURES.pairs.add((operation.label, role))
    new = FIGURES.failures[before:]
    assert not new, json.dumps(new, indent=1, ensure_ascii=False, default=str)


def test_figures(artifacts_dir):
    """Runs last: the figures of the whole run."""
    succeeded = {op for (op, _role), status in FIGURES.good.items() if status < 300}
    figures = {
        "operations": len(OPERATIONS),
        "roles": len(ROLE_NAMES),
        "pairs_run": len(FIGURES.pairs),
        "requests": FIGURES.requests,
        "statuses": {str(k): v for k, v in sorted(FIGURES.statuses.items())},
        "failures": len(FIGURES.failures),
        "seconds_in_requests": round(FIGURES.seconds, 1),
        "max_examples_per_pair": MAX_EXAMPLES,
        "derandomized": True,
        # Operations whose known good request succeeded for at least one role.
        "operations_reaching_2xx": len(succeeded),
        "operations_never_reaching_2xx": sorted({op.label for op in OPERATIONS} - succeeded),
    }
    (artifacts_dir / "api-fuzzing.json").write_text(json.dumps(figures, indent=2))
    if FIGURES.failures:
        (artifacts_dir / "api-fuzzing-failures.json").write_text(
            json.dumps(FIGURES.failures, indent=1, ensure_ascii=False, default=str)
        )
    assert FIGURES.failures == []
    if len(FIGURES.pairs) == len(OPERATIONS) * len(ROLE_NAMES):  # the whole module ran
        assert figures["operations_never_reaching_2xx"] == []
