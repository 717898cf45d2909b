"""Load benchmark: 100 judges submitting score sheets at once to gunicorn with the production
settings, on PostgreSQL and Redis over loopback. 10% of the writes are retried with the same
Idempotency-Key and some carry a stale If-Match; afterwards the database is checked for lost
and duplicated sheets."""

import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone

from contest import services as contest_services
from contest.models import Contest, Entry, Initiative, Membership, Role, Unit
from scheduling.models import Panel, PanelSeat, Round, Session, Slot
from scoring.models import Criterion, Rubric, ScoreSheet, ScoreSheetEvent

JUDGES, ENTRIES = 100, 20
SLUG = "bench-judges"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_contest(secret_key: str) -> tuple[Round, list[str], list[int]]:
    """A fresh contest: one open round, one session, 100 judges on its panel, 20 entries."""
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
        for i in range(4):
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
        for j in range(JUDGES):
            judge = User.objects.create_user(f"bench-judge-{suffix}-{j}")
            membership = Membership.objects.create(contest=contest, user=judge, role=Role.JUDGE)
            PanelSeat.objects.create(panel=panel, judge=judge, order=j + 1)
            judges.append(membership)
        session = Session.objects.create(
            round=final, name="S", panel=panel, starts_at=timezone.now()
        )
        entries = []
        for e in range(ENTRIES):
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
    return final, paths, entries


class Judge:
    """One tablet: a keep-alive connection, a session cookie and the CSRF token."""

    def __init__(self, port: int, login_path: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.request("GET", login_path)
        self.request("GET", "/judge/")  # the page sets the CSRF cookie

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        return response.status, data


def bench_judges_load(emit) -> None:
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        emit(
            "judges_submitting_load",
            None,
            "writes/s",
            error="needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL",
        )
        return
    secret_key = secrets.token_urlsafe(64)
    final, login_paths, entries = build_contest(secret_key)
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "5",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        judges = [Judge(port, path) for path in login_paths]
        start = threading.Barrier(len(judges) + 1)
        rng = random.Random(4)

        def work(judge: Judge, seed: int) -> None:
            local = random.Random(seed)
            start.wait()
            for entry in entries:
                body = json.dumps(
                    {
                        "round": final.pk,
                        "entry": entry,
                        "marks": {f"c{i}": str(local.randint(20, 40) / 4) for i in range(4)},
                    }
                )
                key = uuid.uuid4().hex
                attempts = [{}]
                if local.random() < 0.1:
                    attempts.append({})  # the same write retried with the same key
                if local.random() < 0.05:
                    attempts.insert(0, {"If-Match": '"v99"', "fresh": True})  # a stale tablet
                for extra in attempts:
                    headers = {"Idempotency-Key": uuid.uuid4().hex if extra.get("fresh") else key}
                    if "If-Match" in extra:
                        headers["If-Match"] = extra["If-Match"]
                    began = time.perf_counter()
                    status, _data = judge.request("POST", "/api/score-sheets/", body, headers)
                    elapsed = time.perf_counter() - began
                    with lock:
                        latencies.append(elapsed)
                        statuses[status] = statuses.get(status, 0) + 1

        threads = [threading.Thread(target=work, args=(judge, rng.random())) for judge in judges]
        for thread in threads:
            thread.start()
        began = time.perf_counter()
        start.wait()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    expected = JUDGES * ENTRIES
    sheets = ScoreSheet.objects.filter(round=final, status="submitted").count()
    events = ScoreSheetEvent.objects.filter(sheet__round=final).count()
    ordered = sorted(latencies)
    emit(
        "judges_submitting_load",
        len(latencies) / wall,
        "writes/s",
        requests=len(latencies),
        statuses={str(k): v for k, v in sorted(statuses.items())},
        p50_ms=round(statistics.median(ordered) * 1000, 1),
        p99_ms=round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        lost=expected - sheets,
        duplicated=events - sheets,
        goal=">= 300 writes/s, p99 <= 100 ms, 0 lost, 0 duplicated",
    )
