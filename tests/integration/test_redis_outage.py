"""Redis stopped during judging (issue 9): PostgreSQL is the truth, Redis only the broker and a
cache. gunicorn (production settings) and a Celery worker with beat run on a Redis server of
the test's own, which the test kills (SIGKILL, nothing saved: every queued task is lost) and
starts again empty.

While it is down, the judges' sheets are saved and answered at once, the organiser's pages
load and say that background work is delayed, and a certificate request is accepted. Once it
is back, the reconcilers (beat, every 2 s here) compute the missing ranking and render the
batch: nothing lost, nothing twice."""

import json
import time

import pytest
from django.conf import settings
from django.db import connection

from certificates.models import Certificate, CertificateBatch
from contest.auth import MAX_FAILURES
from contest.models import Membership
from scoring import selectors
from scoring import services as scoring_services
from scoring.models import Ranking, ScoreSheet, ScoreSheetEvent
from tests.bench.server import free_port, gunicorn, production_env
from tests.celery_workers import Workers, _database_url
from tests.integration.conftest import head_judge_unscored
from tests.thin_path import wait_for
from tests.throwaway import HttpTablet, ThrowawayRedis, session_key_for
from tests.world import PASSWORD

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

SECRET_KEY = "redis-outage-test-" + "k" * 50
# The organiser sees the notice in Vietnamese, the default language (no Accept-Language sent).
DELAYED = b'data-testid="background-delayed"'
UNREACHABLE = "Không kết nối được hàng đợi tác vụ (Redis).".encode()
LOCKED = "Tài khoản này đã đăng nhập sai quá nhiều lần".encode()
# A request that has to queue a task gives up on the broker within about 3 s (config/settings.py).
SLOWEST_ANSWER_S = 5.0


def submit(tablet: HttpTablet, round_id: int, entry_id: int, value: str) -> tuple[int, float]:
    started = time.monotonic()
    status, _, body = tablet.post_json(
        "/api/score-sheets/",
        {"round": round_id, "entry": entry_id, "marks": {"content": value, "delivery": value}},
        **{"Idempotency-Key": f"{round_id}-{entry_id}-{tablet.cookies['sessionid'][:8]}"},
    )
    assert status == 201, body
    return status, time.monotonic() - started


def counted_sheets(round_id: int) -> int:
    return ScoreSheet.objects.filter(round_id=round_id, status="submitted").count()


def test_judging_goes_on_without_redis_and_the_reconcilers_catch_up(
    scheduled, tmp_path, artifacts_dir
):
    world, final = scheduled.world, scheduled.world.final
    entries = scheduled.entries
    judge2, judge3 = world.judges[1], world.judges[2]
    assert Membership.objects.filter(user__in=[judge2, judge3], contest=world.contest).exists()

    redis = ThrowawayRedis(tmp_path)
    redis.start()
    port = free_port()
    env = production_env(
        port,
        SECRET_KEY,
        DATABASE_URL=_database_url(connection.settings_dict),
        REDIS_URL=redis.url,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        WEB_CONCURRENCY="1",
    )
    workers = Workers(tmp_path, redis_url=redis.url, queue="celery")
    tablets = {
        user.username: HttpTablet(port, session_key_for(user, SECRET_KEY))
        for user in (judge2, judge3, world.organiser)
    }
    organiser = tablets[world.organiser.username]
    answers: list[float] = []
    figures: dict = {"faults_injected": 0}
    try:
        with gunicorn(port, env, "config.wsgi:application"):
            workers.start(beat=True, RECONCILE_INTERVAL_SECONDS="2")
            # Redis up: a sheet is ranked within seconds by the worker.
            answers.append(submit(tablets["judge2"], final.pk, entries[0].pk, "9")[1])
            wait_for(lambda: Ranking.objects.filter(round=final).exists(), timeout=60)

            # Redis down (SIGKILL: the queue, the cache and the debounce keys are gone).
            redis.kill()
            figures["faults_injected"] += 1
            down_at = time.monotonic()
            for judge, values in (("judge2", ("8", "7")), ("judge3", ("9", "8", "7"))):
                todo = entries[1:] if judge == "judge2" else entries
                for entry, value in zip(todo, values, strict=True):
                    answers.append(submit(tablets[judge], final.pk, entry.pk, value)[1])
            assert counted_sheets(final.pk) == 6
            assert ScoreSheetEvent.objects.filter(sheet__round=final).count() == 6
            assert selectors.rounds_needing_ranking() == [final.pk]  # waiting, not lost

            status, _, page = organiser.get(f"/rounds/{final.pk}/rankings/")
            assert status == 200 and DELAYED in page and UNREACHABLE in page, page.decode()
            status, _, page = organiser.get(f"/contests/{world.contest.slug}/")
            assert status == 200 and DELAYED in page
            status, _, _ = organiser.get(f"/results/{world.contest.slug}/")
            assert status == 200  # the public page, built from the database
            status, _, _ = tablets["judge3"].get("/judge/")
            assert status == 200  # sessions come from the database
            # The login lockout holds: it counts in the database, not in the cache.
            guesser = HttpTablet(port)
            for password in ["wrong"] * MAX_FAILURES + [PASSWORD]:
                status, _, page = guesser.post_form(
                    "/accounts/login/", [("username", judge3.username), ("password", password)]
                )
                assert status == 200  # the form again: no session for the guesser
            assert LOCKED in page
            figures["login_attempts_while_down"] = MAX_FAILURES + 1

            # Redis back, empty: beat's reconciler finds the round and the worker ranks it.
            redis.start()
            wait_for(lambda: not selectors.rounds_needing_ranking(), timeout=90)
            figures["ranking_caught_up_after_restart_s"] = round(time.monotonic() - down_at, 1)
            newest = Ranking.objects.filter(round=final).order_by("-version").first()
            assert newest.standings.count() == 3
            assert [s.entry_id for s in newest.standings.order_by("rank")] == [
                e.pk for e in entries
            ]
            # Each judge's sheet counted once: 2 judges on every entry.
            assert set(newest.standings.values_list("judges_counted", flat=True)) == {2}
            wait_for(lambda: DELAYED not in organiser.get(f"/rounds/{final.pk}/rankings/")[2])

            # A certificate request while Redis is down: accepted, and done once it is back.
            scoring_services.publish_ranking(
                ranking=newest,
                actor=world.organiser,
                confirm_missing=head_judge_unscored(scheduled),
            )
            redis.kill()
            figures["faults_injected"] += 1
            started = time.monotonic()
            status, response, _ = organiser.post_form(
                f"/contests/{world.contest.slug}/certificates/issue/", []
            )
            answers.append(time.monotonic() - started)
            assert status == 302, response.getheader("Location")
            batch = CertificateBatch.objects.get(contest=world.contest)
            assert batch.status == CertificateBatch.Status.QUEUED
            time.sleep(1)  # the broker check of the banner is cached for a few seconds
            status, _, page = organiser.get(f"/contests/{world.contest.slug}/certificates/")
            assert status == 200 and DELAYED in page
            redis.start()
            restarted_at = time.monotonic()
            wait_for(
                lambda: CertificateBatch.objects.get(pk=batch.pk).status == "done", timeout=120
            )
            figures["certificates_caught_up_after_restart_s"] = round(
                time.monotonic() - restarted_at, 1
            )
    except AssertionError:
        print(workers.log())
        raise
    finally:
        workers.stop_all()
        redis.kill()

    batch.refresh_from_db()
    certificates = list(Certificate.objects.filter(batch=batch))
    assert batch.total == len(certificates) > 0
    assert all(c.pdf and c.sha256 for c in certificates)
    for kind in {c.kind for c in certificates}:
        serials = sorted(c.serial for c in certificates if c.kind == kind)
        assert serials == list(range(1, len(serials) + 1))
    assert max(answers) < SLOWEST_ANSWER_S, answers
    figures.update(
        requests_tried=len(answers),
        sheets_submitted=counted_sheets(final.pk),
        sheets_lost=0,
        certificates=len(certificates),
        slowest_answer_s=round(max(answers), 2),
    )
    (artifacts_dir / "reliability-redis-outage.json").write_text(json.dumps(figures))
