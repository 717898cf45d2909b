"""Load benchmark: 100 judges submitting score sheets to gunicorn with the production settings
(config/gunicorn.conf.py), on PostgreSQL and Redis over loopback.

The tablets run in processes of their own (tests/bench/judges_client.py, asyncio), so that the
load generator's CPU is bounded and does not pass for the server's. Two phases, each on entries
of its own in a fresh contest:

- capacity: closed loop, the 100 judges send back to back; writes per second.
- latency: open loop, the 100 judges together send RATE writes per second, evenly paced from
  the first to the last (a retry or a stale attempt is a write too, as in the capacity phase);
  p50 and p99 from each write's scheduled send time, the rate achieved, and whether the server
  kept up.

A tenth of the writes are sent again with the same Idempotency-Key and some are preceded by a
stale If-Match; afterwards the database is checked, per phase, for lost and duplicated sheets
(one submitted sheet per judge × entry, with the marks sent, and one audit event per sheet).
"""

import json
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from contest import services as contest_services
from contest.models import Contest, Entry, Initiative, Membership, Role, Unit
from scheduling.models import Panel, PanelSeat, Round, Session, Slot
from scoring.models import Criterion, Mark, Rubric, ScoreSheet, ScoreSheetEvent
from tests.bench.judges_client import CRITERIA, lost_and_duplicated
from tests.bench.server import cpu_figures, cpu_sample, free_port, gunicorn, production_env

JUDGES = 100
CAPACITY_ENTRIES, LATENCY_ENTRIES = 20, 30  # sheets per judge in each phase
ENTRIES = CAPACITY_ENTRIES + LATENCY_ENTRIES
RATE = 300  # writes per second, all judges together, in the latency phase
CLIENT_PROCESSES = 2
SLUG = "bench-judges"
ROOT = Path(__file__).resolve().parents[2]


def build_contest(
    secret_key: str, judge_count: int = JUDGES, entry_count: int = ENTRIES
) -> tuple[Round, list[str], list[int], list[int]]:
    """A fresh contest: one open round, one session, the judges on its panel, the entries.
    Returns the round, the judges' login paths, the entry ids and the judges' user ids."""
    suffix = uuid.uuid4().hex[:8]
    User = get_user_model()
    with transaction.atomic():
        city, _ = Unit.objects.get_or_create(
            code="bench-city", defaults={"name": "Bench city", "level": Unit.Level.CITY}
        )
        unit, _ = Unit.objects.get_or_create(
            code="bench-unit",
            defaults={"name": "Bench unit", "level": Unit.Level.GRASSROOTS, "parent": city},
        )
        organiser = User.objects.create_user(f"bench-organiser-{suffix}")
        contest = Contest.objects.create(
            slug=f"{SLUG}-{suffix}",
            name="Bench judges",
            level=Contest.Level.BLOC,
            year=2026,
            organising_unit=city,
            status=Contest.Status.JUDGING,
        )
        Membership.objects.create(contest=contest, user=organiser, role=Role.ORGANISER)
        final = Round.objects.create(
            contest=contest, name="Final", kind=Round.Kind.FINAL, status=Round.Status.OPEN
        )
        rubric = Rubric.objects.create(round=final)
        for i in range(CRITERIA):
            Criterion.objects.create(
                rubric=rubric,
                code=f"c{i}",
                name=f"C{i}",
                max_score=10,
                step="0.25",
                weight=i + 1,
                order=i,
            )
        panel = Panel.objects.create(contest=contest, name="Panel")
        judges = []
        for j in range(judge_count):
            judge = User.objects.create_user(f"bench-judge-{suffix}-{j}")
            membership = Membership.objects.create(contest=contest, user=judge, role=Role.JUDGE)
            PanelSeat.objects.create(panel=panel, judge=judge, order=j + 1)
            judges.append(membership)
        session = Session.objects.create(
            round=final, name="S", panel=panel, starts_at=timezone.now()
        )
        entries = []
        for e in range(entry_count):
            initiative = Initiative.objects.create(
                title=f"Bench {suffix} {e}",
                field="economy",
                kind="collective",
                unit=unit,
                year=2026,
            )
            entry = Entry.objects.create(
                contest=contest,
                unit=unit,
                initiative=initiative,
                status="approved",
                decided_at=timezone.now(),
            )
            Slot.objects.create(session=session, round=final, entry=entry, position=e + 1)
            entries.append(entry.pk)
        links = [contest_services.issue_login_link(membership=m, actor=organiser) for m in judges]
    # Signed with the server's key, as its own login-links page would print them.
    paths = [
        f"/j/{signing.dumps(link.pk, key=secret_key, salt=contest_services.LOGIN_LINK_SALT)}/"
        for link in links
    ]
    return final, paths, entries, [membership.user_id for membership in judges]


def start_clients(port: int, round_id: int, paths: list[str], phases: dict) -> list:
    """CLIENT_PROCESSES tablets processes, each with its share of the judges, logged in."""
    clients = []
    for share in range(CLIENT_PROCESSES):
        judges = [[j, paths[j]] for j in range(share, len(paths), CLIENT_PROCESSES)]
        client = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.judges_client"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        setup = {"port": port, "round": round_id, "judges": judges, "entries": phases}
        client.stdin.write(json.dumps(setup) + "\n")
        client.stdin.flush()
        clients.append(client)
    for client in clients:
        ready = client.stdout.readline()
        if not ready:
            raise RuntimeError("a tablets process died while logging in")
    return clients


def run_phase(clients: list, **command) -> tuple[list, dict]:
    """Start the phase in every tablets process at the same moment; their results merged."""
    start_at = time.time() + 1.0
    for client in clients:
        client.stdin.write(json.dumps({**command, "start_at": start_at}) + "\n")
        client.stdin.flush()
    results, cpu, reconnects = [], 0.0, 0
    for client in clients:
        line = client.stdout.readline()
        if not line:
            raise RuntimeError("a tablets process died during the phase")
        answer = json.loads(line)
        results += answer["results"]
        cpu += answer["client_cpu_s"]
        reconnects += answer["reconnects"]
    return results, {"start_at": start_at, "client_cpu_s": round(cpu, 2), "reconnects": reconnects}


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share + 0.5) - 1))]


def summary(results: list, *, start_at: float) -> dict:
    """Requests, statuses, rate and latency (ms, from the sent or scheduled time) of a phase."""
    latencies = sorted(done - sent for _j, _e, _k, _s, sent, done in results)
    wall = max(done for *_rest, done in results) - start_at
    statuses: dict[str, int] = {}
    for _judge, _entry, kind, status, _sent, _done in results:
        name = f"{kind}:{status}"
        statuses[name] = statuses.get(name, 0) + 1
    return {
        "rate": len(results) / wall,
        "requests": len(results),
        "statuses": dict(sorted(statuses.items())),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "seconds": round(wall, 2),
    }


def check_sheets(round: Round, judge_ids: list[int], entries: list[int]) -> dict:
    """Against the database: every judge × entry of the phase has exactly one submitted sheet,
    with the marks sent, and exactly one audit event."""
    sheets = ScoreSheet.objects.filter(
        round=round, entry_id__in=entries, status=ScoreSheet.Status.SUBMITTED
    ).values_list("id", "judge_id", "entry_id")
    events = dict(
        ScoreSheetEvent.objects.filter(sheet__round=round, sheet__entry_id__in=entries)
        .values("sheet_id")
        .annotate(n=Count("id"))
        .values_list("sheet_id", "n")
    )
    marks: dict[int, dict] = {}
    for sheet_id, code, value in Mark.objects.filter(
        sheet__round=round, sheet__entry_id__in=entries
    ).values_list("sheet_id", "criterion__code", "value"):
        marks.setdefault(sheet_id, {})[code] = value
    return lost_and_duplicated(sheets, events, marks, judge_ids, entries)


def bench_judges_load(emit) -> None:
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        error = "needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL"
        emit("judges_submitting_capacity", None, "writes/s", error=error)
        emit(f"judges_submitting_latency_at_{RATE}", None, "ms", error=error)
        return
    secret_key = secrets.token_urlsafe(64)
    final, login_paths, entries, judge_ids = build_contest(secret_key)
    phases = {"capacity": entries[:CAPACITY_ENTRIES], "latency": entries[CAPACITY_ENTRIES:]}
    port = free_port()
    env = production_env(port, secret_key)
    clients = []
    with gunicorn(port, env, "config.wsgi:application") as server:
        try:
            clients = start_clients(port, final.pk, login_paths, phases)
            cpu_before = cpu_sample(server.pid)
            capacity, capacity_run = run_phase(clients, phase="capacity", seed=1)
            cpu_between = cpu_sample(server.pid)
            latency, latency_run = run_phase(
                clients, phase="latency", seed=2, rate=RATE, judges=JUDGES
            )
            capacity_cpu = cpu_figures(cpu_before, cpu_between, len(capacity))
            latency_cpu = cpu_figures(cpu_between, cpu_sample(server.pid), len(latency))
        finally:
            for client in clients:
                client.kill()
                client.wait()
    goal = f">= {RATE} writes/s, p99 <= 100 ms at {RATE} writes/s, 0 lost, 0 duplicated"
    capacity_figures = summary(capacity, start_at=capacity_run["start_at"])
    emit(
        "judges_submitting_capacity",
        capacity_figures.pop("rate"),
        "writes/s",
        judges=JUDGES,
        client_processes=CLIENT_PROCESSES,
        **capacity_figures,
        **capacity_cpu,
        client_cpu_s=capacity_run["client_cpu_s"],
        reconnects=capacity_run["reconnects"],
        **check_sheets(final, judge_ids, phases["capacity"]),
        goal=goal,
    )
    latency_figures = summary(latency, start_at=latency_run["start_at"])
    achieved = latency_figures.pop("rate")
    emit(
        f"judges_submitting_latency_at_{RATE}",
        latency_figures.pop("p99_ms"),
        "ms",
        target_rate=RATE,
        achieved_rate=round(achieved, 1),
        kept_up=achieved >= 0.95 * RATE,
        judges=JUDGES,
        **latency_figures,
        **latency_cpu,
        client_cpu_s=latency_run["client_cpu_s"],
        reconnects=latency_run["reconnects"],
        **check_sheets(final, judge_ids, phases["latency"]),
        goal=goal,
    )
