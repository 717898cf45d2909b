"""Is the background work (rankings, certificate batches) keeping up? For the organiser's pages,
which say so when it is not, instead of leaving a ranking or a batch silently waiting."""

import time
from dataclasses import dataclass
from datetime import timedelta

import redis
from django.conf import settings
from django.utils import timezone

from certificates.models import CertificateBatch
from certificates.services import stalled_batches
from contest.models import Contest
from scoring import selectors as scoring_selectors
from scoring.models import ScoreSheet

# A recompute normally lands a few seconds after the sheet (a 1-s debounce, then the task):
# waiting longer than this means the worker or the broker is not doing its job.
RANKING_LATE_AFTER = timedelta(minutes=1)
BROKER_CHECK_SECONDS = 5.0

_broker_checked: tuple[bool, float] | None = None  # per process: (reachable, until)


@dataclass(frozen=True)
class BackgroundStatus:
    broker_reachable: bool
    rankings_waiting: int  # rounds of the contest whose newest sheets no ranking has seen
    batches_waiting: int  # certificate batches requested and not finished
    late: bool  # some of that work has waited far longer than it should

    @property
    def delayed(self) -> bool:
        waiting = self.rankings_waiting or self.batches_waiting
        return bool(waiting) and (self.late or not self.broker_reachable)


def broker_reachable() -> bool:
    """Whether the broker answers, asked at most every few seconds per process (the answer is
    for a banner; a short Redis blip may go unnoticed)."""
    global _broker_checked
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        return True  # tasks run inside the web process
    now = time.monotonic()
    if _broker_checked is not None and _broker_checked[1] > now:
        return _broker_checked[0]
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=0.5, socket_timeout=0.5
    )
    try:
        reachable = bool(client.ping())
    except redis.RedisError:
        reachable = False
    finally:
        client.close()
    _broker_checked = (reachable, now + BROKER_CHECK_SECONDS)
    return reachable


def background_status(contest: Contest) -> BackgroundStatus:
    """Four queries when nothing is waiting: it shows on every organiser page."""
    waiting_rounds = scoring_selectors.rounds_needing_ranking(contest)
    unfinished = list(
        CertificateBatch.objects.filter(
            contest=contest,
            status__in=[CertificateBatch.Status.QUEUED, CertificateBatch.Status.RUNNING],
        ).values_list("pk", flat=True)
    )
    late = bool(waiting_rounds) and (
        ScoreSheet.objects.filter(
            round_id__in=waiting_rounds, updated_at__lt=timezone.now() - RANKING_LATE_AFTER
        ).exists()
    )
    if unfinished and not late:
        late = stalled_batches().filter(pk__in=unfinished).exists()
    return BackgroundStatus(
        broker_reachable=broker_reachable(),
        rankings_waiting=len(waiting_rounds),
        batches_waiting=len(unfinished),
        late=late,
    )
