"""Rendering with real Celery workers (issue 5, point 5): a worker killed in the middle of a
batch loses nothing and duplicates nothing, and a batch run twice issues and renders each
certificate once.

Each test starts `celery worker` subprocesses (tests/celery_workers.py) rendering in chunks of 3
slowed down to a fraction of a second per certificate (see tests/celery_worker_app.py).
"""

import hashlib
import json
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateBatch
from contest.models import Entry, EntryPresenter, Initiative, Person
from scoring.models import Award, Prize, Ranking, Standing
from tests.thin_path import wait_for
from tests.world import World, build_world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ENTRIES = 30


def publish_results(world: World, count: int = ENTRIES) -> Ranking:
    """`count` approved entries, one presenter each, ranked in a published final: the first
    two win Giải Nhất and Nhì, the others take part. Made directly: what is under test starts
    after publication."""
    now = timezone.now()
    ranking = Ranking.objects.create(
        round=world.final,
        version=1,
        method="mean",
        decimals=2,
        is_published=True,
        published_at=now,
        published_by=world.organiser,
    )
    prizes = list(Prize.objects.filter(contest=world.contest).order_by("order"))
    for index in range(count):
        unit = world.units[index % len(world.units)]
        initiative = Initiative.objects.create(
            title=f"Mô hình số {index + 1}",
            field="economy",
            kind="individual",
            unit=unit,
            year=2019,
        )
        entry = Entry.objects.create(
            contest=world.contest,
            unit=unit,
            initiative=initiative,
            status=Entry.Status.APPROVED,
            decided_at=now,
        )
        person = Person(full_name=f"Trần Thị Báo Cáo {index + 1}", given_name="Cáo", unit=unit)
        person.normalise()
        person.save()
        EntryPresenter.objects.create(entry=entry, person=person)
        Standing.objects.create(
            ranking=ranking, entry=entry, rank=index + 1, score=100 - index, judges_counted=2
        )
        if index < len(prizes):
            Award.objects.create(prize=prizes[index], entry=entry, ranking=ranking)
    return ranking


@pytest.fixture
def batch(db) -> CertificateBatch:
    world = build_world()
    publish_results(world)
    # Queued by the test itself, on the workers' queue: the in-process Celery app is not used.
    return CertificateBatch.objects.create(
        contest=world.contest,
        ranking=Ranking.objects.get(is_published=True),
        kinds=["prize", "participation"],
        requested_by=world.organiser,
    )


def rendered() -> int:
    return Certificate.objects.exclude(pdf="").count()


def batch_done(batch: CertificateBatch) -> bool:
    return CertificateBatch.objects.get(pk=batch.pk).status == CertificateBatch.Status.DONE


def assert_rendered_exactly_once(batch: CertificateBatch) -> None:
    batch.refresh_from_db()
    assert batch.status == "done" and batch.total == ENTRIES
    certificates = list(Certificate.objects.all())
    assert len(certificates) == ENTRIES
    # One certificate each: no person twice, serials 1..n in each kind.
    assert len({c.person_id for c in certificates}) == ENTRIES
    for kind, count in (("prize", 2), ("participation", ENTRIES - 2)):
        serials = sorted(c.serial for c in certificates if c.kind == kind)
        assert serials == list(range(1, count + 1))
    # One file per certificate, the one its checksum names; no file left over.
    media = Path(settings.MEDIA_ROOT)
    files = {str(path.relative_to(media)) for path in media.rglob("*.pdf")}
    assert files == {c.pdf.name for c in certificates}
    for certificate in certificates:
        data = (media / certificate.pdf.name).read_bytes()
        assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == certificate.sha256
        assert certificate.rendered_at is not None


def test_a_killed_worker_s_chunks_come_back_within_a_minute(workers, batch, artifacts_dir):
    """SIGKILL of the whole worker: the chunks it held unacknowledged go back on the queue after
    the broker's visibility timeout (config/settings.py, 30 s), and the next worker finishes
    the batch by itself, each certificate once, serials gapless."""
    worker = workers.start()
    workers.send("render_certificate_batch", batch.pk)
    wait_for(lambda: rendered() >= 6, timeout=90)
    workers.kill(worker)  # in the middle of the batch, chunks in flight
    killed_at = time.monotonic()
    assert rendered() < ENTRIES, "the batch finished before the worker was killed"
    assert not batch_done(batch)

    workers.start()
    try:
        wait_for(lambda: batch_done(batch), timeout=90)
    except AssertionError:
        pytest.fail(f"the batch did not finish:\n{workers.log()}")
    recovered_in = time.monotonic() - killed_at
    assert recovered_in < settings.CELERY_VISIBILITY_TIMEOUT + 20 < 60
    assert_rendered_exactly_once(batch)
    figures = {"certificates": ENTRIES, "workers_killed": 1, "lost": 0}
    (artifacts_dir / "reliability-killed-certificate-worker.json").write_text(
        json.dumps({**figures, "recovered_in_s": round(recovered_in, 1)})
    )


def test_the_reconciler_finishes_a_batch_whose_chunks_were_lost(workers, batch):
    """A message lost for good (here: held by a killed worker behind an hour's visibility
    timeout, as Redis's default would): the batch cannot finish by itself, and the reconciler
    queues it again once it has made no progress for half an hour."""
    worker = workers.start(CELERY_VISIBILITY_TIMEOUT="3600")
    workers.send("render_certificate_batch", batch.pk)
    wait_for(lambda: rendered() >= 6, timeout=90)
    workers.kill(worker)
    assert rendered() < ENTRIES and not batch_done(batch)

    workers.start(CELERY_VISIBILITY_TIMEOUT="3600")
    workers.wait_until_idle(rendered)
    assert rendered() < ENTRIES and not batch_done(batch)

    long_ago = timezone.now() - timedelta(minutes=31)
    CertificateBatch.objects.filter(pk=batch.pk).update(created_at=long_ago)
    Certificate.objects.exclude(rendered_at=None).update(rendered_at=long_ago)
    assert list(services.stalled_batches().values_list("pk", flat=True)) == [batch.pk]
    workers.send("reconcile_certificate_batches")
    try:
        wait_for(lambda: batch_done(batch), timeout=120)
    except AssertionError:
        pytest.fail(f"the batch did not finish:\n{workers.log()}")
    assert_rendered_exactly_once(batch)


def test_a_pool_process_killed_mid_chunk_hands_its_chunk_back(workers, batch):
    """acks_late with reject_on_worker_lost: the chunk goes back on the queue at once, and the
    surviving worker finishes the batch without the reconciler."""
    workers.start()
    workers.send("render_certificate_batch", batch.pk)
    wait_for(lambda: rendered() >= 3, timeout=90)
    busy = wait_for(lambda: [int(path.name) for path in workers.busy.iterdir()], timeout=30)
    os.kill(busy[0], signal.SIGKILL)  # a pool process, while it renders a chunk
    try:
        wait_for(lambda: batch_done(batch), timeout=120)
    except AssertionError:
        pytest.fail(f"the batch did not finish:\n{workers.log()}")
    everything = workers.log(tail=None)
    assert "WorkerLostError" in everything or "exited prematurely" in everything
    assert_rendered_exactly_once(batch)


def test_the_same_batch_run_twice_at_once_renders_each_certificate_once(workers, batch):
    workers.start(concurrency=3)
    workers.send("render_certificate_batch", batch.pk)
    workers.send("render_certificate_batch", batch.pk)
    try:
        wait_for(lambda: batch_done(batch) and rendered() == ENTRIES, timeout=120)
    except AssertionError:
        pytest.fail(f"the batch did not finish:\n{workers.log()}")
    # And once more after it is done: nothing changes.
    before = {c.pk: (c.sha256, c.rendered_at) for c in Certificate.objects.all()}
    assert workers.send("render_certificate_batch", batch.pk).get(timeout=60) == batch.pk
    assert workers.send("finish_certificate_batch", batch.pk).get(timeout=60) == batch.pk
    assert {c.pk: (c.sha256, c.rendered_at) for c in Certificate.objects.all()} == before
    assert_rendered_exactly_once(batch)
