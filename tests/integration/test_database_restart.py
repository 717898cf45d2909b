"""PostgreSQL restarted during a burst of submissions (issue 9): gunicorn (production settings)
on a PostgreSQL cluster of the test's own, which the test crashes (immediate shutdown: every
connection cut) and starts again while 20 judges send their sheets.

The judges' tablets retry what failed with the same Idempotency-Key, as config/static/js/
judge.js does: a 503 with Retry-After, a 409 (the first attempt's claim still held), a
connection cut. The server answers a lost database with a 503, never a 500, and the final
database holds every sheet exactly once, with the marks sent and one audit event each."""

import json
import subprocess
import threading
import time
import uuid
from collections import Counter

import psycopg
import pytest
from django.db import connection

from scoring.models import Criterion, Mark, ScoreSheet, ScoreSheetEvent
from tests.bench.judges_client import lost_and_duplicated, marks_for
from tests.bench.judges_load import build_contest
from tests.bench.server import free_port, gunicorn, production_env
from tests.throwaway import HttpTablet, ThrowawayPostgres, ThrowawayRedis

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SECRET_KEY = "database-restart-test-" + "k" * 50
JUDGES, ENTRIES = 20, 10
RETRYABLE = {409, 503}
GIVE_UP_AFTER_S = 90  # per sheet; the 409 of an orphaned claim lasts up to 30 s


def copy_database(target_url: str) -> None:
    """The test database as it stands (committed: a transactional test) into the cluster."""
    db = connection.settings_dict
    dump = subprocess.run(
        ["pg_dump", "--no-owner", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
        + ["-U", db["USER"] or "postgres", db["NAME"]],
        capture_output=True,
        check=True,
    )
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", target_url], input=dump.stdout, check=True
    )


class Judge(threading.Thread):
    """One tablet: its sheets one after another, each retried until it is in."""

    def __init__(self, port, number, login_path, round_id, entries, results):
        super().__init__(daemon=True)
        self.tablet = HttpTablet(port, timeout=15)
        self.number, self.login_path = number, login_path
        self.round_id, self.entries, self.results = round_id, entries, results

    def run(self) -> None:
        try:
            self.tablet.log_in(self.login_path)
        except (AssertionError, OSError) as error:
            self.results["final_errors"].append(f"login: {error}")
            return
        for entry in self.entries:
            body = {"round": self.round_id, "entry": entry, "marks": marks_for(self.number, entry)}
            key, started = uuid.uuid4().hex, time.monotonic()
            while True:
                try:
                    status, response, _ = self.tablet.post_json(
                        "/api/score-sheets/", body, **{"Idempotency-Key": key}
                    )
                except OSError:
                    status, response = "connection error", None
                self.results["answers"][status] += 1
                if status in (200, 201):
                    self.results["done"] += 1
                    break
                if status not in RETRYABLE and status != "connection error":
                    self.results["final_errors"].append(status)
                    break
                if time.monotonic() - started > GIVE_UP_AFTER_S:
                    self.results["final_errors"].append(f"gave up after {status}")
                    break
                retry_after = response.getheader("Retry-After") if response else None
                time.sleep(min(float(retry_after or 0.5), 2.0))
            self.results["longest_s"] = max(self.results["longest_s"], time.monotonic() - started)


def sheets_in(url: str, round_id: int, judge_ids: list[int], entries: list[int]) -> dict:
    """Lost and duplicated sheets, read straight from the cluster."""
    with psycopg.connect(url) as db:
        sheets = db.execute(
            f"SELECT id, judge_id, entry_id FROM {ScoreSheet._meta.db_table} "
            "WHERE round_id = %s AND status = 'submitted'",
            [round_id],
        ).fetchall()
        events = Counter(
            sheet
            for (sheet,) in db.execute(f"SELECT sheet_id FROM {ScoreSheetEvent._meta.db_table}")
        )
        marks: dict[int, dict] = {}
        for sheet, code, value in db.execute(
            f"SELECT m.sheet_id, c.code, m.value FROM {Mark._meta.db_table} m "
            f"JOIN {Criterion._meta.db_table} c ON c.id = m.criterion_id"
        ):
            marks.setdefault(sheet, {})[code] = value
    return {"sheets": len(sheets), **lost_and_duplicated(sheets, events, marks, judge_ids, entries)}


def test_a_database_restart_mid_burst_loses_and_doubles_nothing(tmp_path, artifacts_dir):
    final, login_paths, entries, judge_ids = build_contest(SECRET_KEY, JUDGES, ENTRIES)
    pg = ThrowawayPostgres()
    redis = ThrowawayRedis(tmp_path)
    try:
        pg.init()
        pg.start()
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "hoithi"],
            check=True,
        )
        copy_database(pg.url("hoithi"))
        redis.start()
        port = free_port()
        env = production_env(port, SECRET_KEY, DATABASE_URL=pg.url("hoithi"), REDIS_URL=redis.url)
        results = {"answers": Counter(), "done": 0, "final_errors": [], "longest_s": 0.0}
        with gunicorn(port, env, "config.wsgi:application"):
            judges = [
                Judge(port, number, login_paths[number], final.pk, entries[:ENTRIES], results)
                for number in range(JUDGES)
            ]
            for judge in judges:
                judge.start()
            deadline = time.monotonic() + 60
            while results["done"] < JUDGES * ENTRIES // 4:  # a quarter in: crash
                assert time.monotonic() < deadline, f"the burst did not get going: {results}"
                time.sleep(0.05)
            done_before = results["done"]
            crashed_at = time.monotonic()
            pg.crash_and_restart()
            restart_s = time.monotonic() - crashed_at
            for judge in judges:
                judge.join(timeout=GIVE_UP_AFTER_S * 2)
        check = sheets_in(pg.url("hoithi"), final.pk, judge_ids[:JUDGES], entries[:ENTRIES])
    finally:
        redis.kill()
        pg.destroy()

    answers = results["answers"]
    assert results["final_errors"] == []
    assert 500 not in answers, answers  # a lost database is a 503, never a 500
    assert answers[503] + answers["connection error"] > 0, f"the crash was not felt: {answers}"
    assert check == {"sheets": JUDGES * ENTRIES, "lost": 0, "duplicated": 0}
    figures = {
        "judges": JUDGES,
        "sheets": JUDGES * ENTRIES,
        "requests_tried": sum(answers.values()),
        "answers": {str(status): count for status, count in sorted(answers.items(), key=str)},
        "faults_injected": 1,
        "sheets_in_before_the_crash": done_before,
        "restart_s": round(restart_s, 1),
        "longest_sheet_s": round(results["longest_s"], 1),
        "lost": check["lost"],
        "duplicated": check["duplicated"],
    }
    (artifacts_dir / "reliability-database-restart.json").write_text(json.dumps(figures))
