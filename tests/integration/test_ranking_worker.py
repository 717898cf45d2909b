"""A worker killed (SIGKILL) in the middle of a ranking task (issue 9): the ranking computed but
not committed is lost with it, the task comes back from the broker once its visibility timeout
has passed, and the next worker stores the snapshot once, from every sheet."""

import json
import time

import pytest
from django.conf import settings

from scoring import selectors
from scoring.models import Ranking, Standing
from tests.integration.conftest import score_all
from tests.thin_path import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_killed_mid_ranking_leaves_one_snapshot_after_the_next_worker(
    workers, scheduled, artifacts_dir
):
    final = scheduled.world.final
    score_all(scheduled)  # 9 > 8 > 7, ranked at once in this process (eager)
    # As if the broker had lost the recompute: sheets, and no snapshot of them.
    Ranking.objects.filter(round=final).delete()
    assert selectors.rounds_needing_ranking() == [final.pk]

    worker = workers.start(HOITHI_TEST_RANKING_DELAY="60")
    workers.send("scoring.tasks.compute_ranking_task", final.pk)
    wait_for(lambda: any(workers.busy.glob("ranking-*")), timeout=60)
    workers.kill(worker)  # the ranking computed, its transaction not committed
    killed_at = time.monotonic()
    assert not Ranking.objects.filter(round=final).exists()

    workers.start()
    try:
        wait_for(lambda: Ranking.objects.filter(round=final).exists(), timeout=90)
    except AssertionError:
        pytest.fail(f"the ranking was never stored:\n{workers.log()}")
    recovered_in = time.monotonic() - killed_at
    assert recovered_in < settings.CELERY_VISIBILITY_TIMEOUT + 20 < 60
    workers.wait_until_idle(lambda: Ranking.objects.filter(round=final).count())

    ranking = Ranking.objects.get(round=final)  # one snapshot, not two
    assert ranking.version == 1
    standings = Standing.objects.filter(ranking=ranking).order_by("rank")
    assert [s.entry_id for s in standings] == [e.pk for e in scheduled.entries]
    assert selectors.rounds_needing_ranking() == []
    (artifacts_dir / "reliability-killed-ranking-worker.json").write_text(
        json.dumps({"workers_killed": 1, "recovered_in_s": round(recovered_in, 1)})
    )
