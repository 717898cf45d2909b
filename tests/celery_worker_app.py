"""The Celery app as a test's worker subprocess runs it (tests/integration/
test_certificate_worker.py): on the test's own queue, in small chunks, rendering slowly enough
to be killed in the middle of a chunk.

Environment: HOITHI_TEST_QUEUE (the queue, also the default for the tasks the worker sends),
HOITHI_TEST_CHUNK_SIZE, HOITHI_TEST_RENDER_DELAY (seconds per certificate), HOITHI_TEST_BUSY_DIR
(a file named after the pid of each process while it renders or ranks), HOITHI_TEST_RANKING_DELAY
(seconds a ranking waits, computed but not yet committed, the first time it is computed)."""

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402

from certificates import render  # noqa: E402
from config.celery import app  # noqa: E402
from scoring import services as scoring_services  # noqa: E402

app.conf["CELERY_TASK_DEFAULT_QUEUE"] = os.environ["HOITHI_TEST_QUEUE"]
settings.CERTIFICATE_RENDER_CHUNK_SIZE = int(os.environ.get("HOITHI_TEST_CHUNK_SIZE", "100"))

_render = render.render_certificate_pdfs
_delay = float(os.environ.get("HOITHI_TEST_RENDER_DELAY", "0"))
_busy = Path(os.environ.get("HOITHI_TEST_BUSY_DIR", "/nonexistent"))


def _slow_render(items):
    marker = _busy / str(os.getpid())
    if _busy.is_dir():
        marker.touch()
    try:
        time.sleep(_delay * len(items))
        return _render(items)
    finally:
        marker.unlink(missing_ok=True)


render.render_certificate_pdfs = _slow_render

_compute = scoring_services._compute_ranking
_ranking_delay = float(os.environ.get("HOITHI_TEST_RANKING_DELAY", "0"))


def _slow_compute(*args, **kwargs):
    ranking = _compute(*args, **kwargs)
    if _busy.is_dir() and not (_busy / "ranked-once").exists():
        # Only the first worker to get here waits: the one the test kills.
        (_busy / "ranked-once").touch()
        (_busy / f"ranking-{os.getpid()}").touch()
        time.sleep(_ranking_delay)
    return ranking


scoring_services._compute_ranking = _slow_compute

__all__ = ["app"]
