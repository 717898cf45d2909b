"""The organiser's notice that background work is delayed (config/background.py): shown when
work waits and the broker is unreachable, or when it has waited far longer than it should."""

from datetime import timedelta

import pytest
from django.utils import timezone

from certificates.models import CertificateBatch
from config import background
from scoring.models import Ranking, ScoreSheet
from tests.integration.conftest import score_all
from tests.thin_path import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    state = {"reachable": True}
    monkeypatch.setattr(background, "broker_reachable", lambda: state["reachable"])
    return state


def test_nothing_waiting_means_no_notice_even_with_the_broker_down(scheduled, broker):
    broker["reachable"] = False
    status = background.background_status(scheduled.world.contest)
    assert (status.rankings_waiting, status.batches_waiting, status.delayed) == (0, 0, False)


def test_a_ranking_waiting_while_the_broker_is_down_is_reported_at_once(scheduled, broker):
    score_all(scheduled)
    Ranking.objects.filter(round=scheduled.world.final).delete()  # the recompute was lost
    assert not background.background_status(scheduled.world.contest).delayed  # seconds old
    broker["reachable"] = False
    status = background.background_status(scheduled.world.contest)
    assert status.delayed and status.rankings_waiting == 1
    page = client_for(scheduled.world.organiser).get(
        f"/rounds/{scheduled.world.final.pk}/rankings/"
    )
    assert b"The task queue (Redis) cannot be reached." in page.content


def test_work_waiting_too_long_is_reported_with_the_broker_up(scheduled, broker, settings):
    score_all(scheduled)
    Ranking.objects.filter(round=scheduled.world.final).delete()
    ScoreSheet.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    status = background.background_status(scheduled.world.contest)
    assert status.delayed and status.late and status.broker_reachable
    page = client_for(scheduled.world.organiser).get(f"/contests/{scheduled.world.contest.slug}/")
    assert b"check that the Celery worker and beat are running" in page.content


def test_a_certificate_batch_queued_for_two_reconcile_intervals_is_late(published, broker):
    world = published.world
    batch = CertificateBatch.objects.create(
        contest=world.contest, kinds=["prize"], requested_by=world.organiser
    )
    assert not background.background_status(world.contest).delayed
    CertificateBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(minutes=3)
    )
    status = background.background_status(world.contest)
    assert status.delayed and status.batches_waiting == 1
    # Another contest's organiser page says nothing of it.
    assert not background.background_status(world.other_contest).delayed
