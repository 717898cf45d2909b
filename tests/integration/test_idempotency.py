"""Exactly-once writes from the tablets: Idempotency-Key replay, 409 in flight, 422 on a reused
key, 412 on a stale version; and no duplicate under concurrent retries on PostgreSQL."""

import threading
import uuid
from types import SimpleNamespace

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from scoring import services as scoring_services
from scoring.idempotency import _body_hash, _lock_id
from scoring.models import IdempotentRequest, ScoreSheet, ScoreSheetEvent
from tests.thin_path import client_for, post_sheet

URL = "/api/score-sheets/"


def body_for(scheduled, marks=None):
    return {
        "round": scheduled.world.final.pk,
        "entry": scheduled.entries[1].pk,
        "marks": marks or {"content": "8", "delivery": "7.5"},
    }


@pytest.mark.django_db
def test_a_retry_with_the_same_key_gets_the_original_response(scheduled):
    judge = client_for(scheduled.world.judges[1])
    body = body_for(scheduled)
    first = post_sheet(judge, body, "key-1")
    again = post_sheet(judge, body, "key-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["ETag"] == f'"v{first.json()["version"]}"'
    assert ScoreSheet.objects.count() == 1 and ScoreSheetEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_key_reused_for_another_body_is_refused(scheduled):
    judge = client_for(scheduled.world.judges[1])
    assert post_sheet(judge, body_for(scheduled), "key-2").status_code == 201
    other = post_sheet(judge, body_for(scheduled, {"content": "9", "delivery": "9"}), "key-2")
    assert other.status_code == 422
    assert ScoreSheet.objects.get().marks.get(criterion__code="content").value == 8


@pytest.mark.django_db
def test_writes_without_a_key_are_refused(scheduled):
    judge = client_for(scheduled.world.judges[1])
    response = judge.post(
        URL, body_for(scheduled), content_type="application/json", HTTP_IDEMPOTENCY_KEY=""
    )
    assert response.status_code == 400 and not ScoreSheet.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_twin_in_flight_gets_409_until_the_first_one_ends(scheduled):
    """The first request holds the key's advisory lock for its transaction: here another
    connection holds it, as a request still at work would."""
    judge = scheduled.world.judges[1]
    body = body_for(scheduled)
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    ) as first:
        first.execute("SELECT pg_advisory_lock(%s)", [_lock_id(judge.pk, "key-3")])
        response = post_sheet(client_for(judge), body, "key-3")
        assert response.status_code == 409 and response["Retry-After"] == "1"
        assert not IdempotentRequest.objects.exists()
    # The first one's connection is gone (it finished, or it died): its lock with it.
    assert post_sheet(client_for(judge), body, "key-3").status_code == 201
    assert ScoreSheet.objects.count() == 1


@pytest.mark.django_db
def test_a_request_that_died_leaves_nothing_for_its_retry_to_wait_out(scheduled, monkeypatch):
    """The database went away in the middle of the work: a 503, nothing stored, and the retry
    with the same key runs at once."""
    judge = scheduled.world.judges[1]
    body = body_for(scheduled)
    real_save = scoring_services.save_score_sheet

    def lost_database(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(scoring_services, "save_score_sheet", lost_database)
    tablet = client_for(judge)
    tablet.raise_request_exception = False
    with override_settings(DEBUG=False):
        assert post_sheet(tablet, body, "key-dead").status_code == 503
    assert not IdempotentRequest.objects.exists() and not ScoreSheet.objects.exists()
    monkeypatch.setattr(scoring_services, "save_score_sheet", real_save)
    assert post_sheet(tablet, body, "key-dead").status_code == 201
    assert ScoreSheet.objects.count() == 1


@pytest.mark.django_db
def test_a_write_the_database_refuses_leaves_nothing_and_its_retry_runs_again(
    scheduled, broken_mark_check
):
    """A constraint refuses the write (on PostgreSQL the one-statement first write, which has
    no savepoint): the judge gets a 400 saying to try again, no sheet, mark, event or stored
    answer remains, and the retry with the same key does the work."""
    judge = scheduled.world.judges[1]
    body = body_for(scheduled)
    tablet = client_for(judge)
    refused = post_sheet(tablet, body, "key-refused")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "The sheet changed meanwhile; reload and try again."
    assert not IdempotentRequest.objects.exists() and not ScoreSheet.objects.exists()
    assert not ScoreSheetEvent.objects.exists()
    broken_mark_check()  # mended
    assert post_sheet(tablet, body, "key-refused").status_code == 201
    assert ScoreSheet.objects.get().marks.count() == 2 and ScoreSheetEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_write_rolled_back_is_never_answered_as_done(scheduled, monkeypatch):
    """Should a handler answer 201 for a write its transaction is to roll back, the tablet
    gets a 500 (and retries), never a 201 for a sheet that is not there."""
    from django.db import transaction

    real_save = scoring_services.save_score_sheet

    def save_then_roll_back(**kwargs):
        sheet = real_save(**kwargs)
        transaction.set_rollback(True)
        return sheet

    monkeypatch.setattr(scoring_services, "save_score_sheet", save_then_roll_back)
    tablet = client_for(scheduled.world.judges[1])
    tablet.raise_request_exception = False
    with override_settings(DEBUG=False):
        assert post_sheet(tablet, body_for(scheduled), "key-undone").status_code == 500
    assert not IdempotentRequest.objects.exists() and not ScoreSheet.objects.exists()


@pytest.mark.django_db
def test_a_claim_left_in_flight_by_the_earlier_protocol_is_taken_over(scheduled):
    judge = scheduled.world.judges[1]
    body = body_for(scheduled)
    IdempotentRequest.objects.create(
        user=judge,
        key="key-old",
        endpoint=URL,
        body_sha256=_body_hash(SimpleNamespace(path=URL, data=body)),
        status=IdempotentRequest.Status.IN_FLIGHT,
    )
    assert post_sheet(client_for(judge), body, "key-old").status_code == 201
    assert IdempotentRequest.objects.get(key="key-old").status == "done"
    assert ScoreSheet.objects.count() == 1


@pytest.mark.django_db
def test_refusals_are_replayed_too(scheduled):
    judge = client_for(scheduled.world.judges[1])
    bad = body_for(scheduled, {"content": "8.3", "delivery": "7"})
    first = post_sheet(judge, bad, "key-4")
    assert first.status_code == 400
    assert post_sheet(judge, bad, "key-4").json() == first.json()


@pytest.mark.django_db
def test_a_stale_version_is_a_412(scheduled):
    judge = client_for(scheduled.world.judges[1])
    draft = post_sheet(judge, {**body_for(scheduled), "submit": False}, "key-5")
    etag = draft["ETag"]
    stale = post_sheet(
        judge, {**body_for(scheduled), "submit": False}, "key-6", HTTP_IF_MATCH='"v1"'
    )
    assert stale.status_code == 412
    fresh = post_sheet(judge, body_for(scheduled), "key-7", HTTP_IF_MATCH=etag)
    assert fresh.status_code == 201 and fresh.json()["status"] == "submitted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_leave_exactly_one_sheet_and_one_event(eager_celery):
    from tests.integration.conftest import schedule_final
    from tests.world import build_world

    scheduled = schedule_final(build_world())
    judge = scheduled.world.judges[1]
    body = body_for(scheduled)
    same_key = uuid.uuid4().hex
    results: list[int] = []
    start = threading.Barrier(12)

    def send(key):
        from django.db import connection

        try:
            client = client_for(judge)
            start.wait()
            results.append(post_sheet(client, body, key).status_code)
        finally:
            connection.close()

    keys = [same_key] * 8 + [uuid.uuid4().hex for _ in range(4)]
    threads = [threading.Thread(target=send, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 12
    # The same key: one 201 and replays (201) or 409 while in flight. Other keys: 201 if first,
    # else 400 (the sheet is already submitted); never a 500.
    assert set(results) <= {201, 409, 400} and 201 in results
    assert ScoreSheet.objects.filter(judge=judge).count() == 1
    assert ScoreSheetEvent.objects.filter(sheet__judge=judge).count() == 1
