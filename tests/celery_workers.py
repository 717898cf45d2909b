"""`celery worker` subprocesses for the tests that kill workers (tests/integration/
test_certificate_worker.py, test_ranking_worker.py): on the test PostgreSQL database (committed
data: transactional tests), on a Redis database of their own and a queue of their own, with the
app of tests/celery_worker_app.py (slowed down on request, so that a test can kill a worker in
the middle of a task)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from kombu.exceptions import OperationalError

from tests.thin_path import wait_for

ROOT = Path(__file__).resolve().parents[1]
WORKER_REDIS_DB = int(os.environ.get("HOITHI_TEST_WORKER_REDIS_DB", "13"))


class Workers:
    """`celery worker` subprocesses of one test, and a client sending them tasks."""

    def __init__(self, tmp_path: Path, redis_url: str | None = None, queue: str | None = None):
        self.queue = queue or f"test-workers-{uuid.uuid4().hex}"
        self.busy = tmp_path / "busy"
        self.busy.mkdir(exist_ok=True)
        self.logs = tmp_path
        self.redis_url = redis_url or _redis_url(WORKER_REDIS_DB)
        # Not the current app: shared tasks (scoring.tasks) resolve to the current app, and would
        # send the rest of the run's tasks to this test's broker.
        self.client = Celery(broker=self.redis_url, backend=self.redis_url, set_as_current=False)
        self.processes: list[subprocess.Popen] = []

    def start(
        self, concurrency: int = 2, beat: bool = False, **settings_env: str
    ) -> subprocess.Popen:
        """A worker; with `beat`, Celery beat runs inside it (the reconcilers)."""
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(db),
            "REDIS_URL": self.redis_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "HOITHI_TEST_QUEUE": self.queue,
            "HOITHI_TEST_CHUNK_SIZE": "3",
            "HOITHI_TEST_RENDER_DELAY": "0.15",
            "HOITHI_TEST_BUSY_DIR": str(self.busy),
            **settings_env,
        }
        log = (self.logs / f"worker-{len(self.processes)}.log").open("w")
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "tests.celery_worker_app",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "-Q",
                self.queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--hostname={self.queue}-{len(self.processes)}@%h",
                *(["--beat", f"--schedule={self.logs / 'beat-schedule'}"] if beat else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def send(self, task: str, *args):
        """Send a task by name; a bare name is one of certificates.tasks."""
        name = task if "." in task else f"certificates.tasks.{task}"
        return self.client.send_task(name, args=list(args), queue=self.queue)

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool: nothing gets to clean up."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)
        try:
            with self.client.connection_for_write() as conn:
                conn.default_channel.client.delete(self.queue)
        except OperationalError:
            pass  # a Redis of the test's own, already stopped

    def queued(self) -> int:
        with self.client.connection_for_write() as conn:
            return conn.default_channel.client.llen(self.queue)

    def wait_until_idle(self, progress, quiet: float = 3.0) -> None:
        """Until the queue is empty and `progress()` has not changed for `quiet` seconds."""
        wait_for(lambda: self.queued() == 0, timeout=120)
        last, since = progress(), time.monotonic()
        while time.monotonic() - since < quiet:
            time.sleep(0.2)
            if (now := progress()) != last:
                last, since = now, time.monotonic()

    def log(self, tail: int | None = 3000) -> str:
        """The workers' logs: the last ``tail`` characters of each (for a failure message),
        or all of them."""
        return "\n".join(
            path.read_text()[-tail if tail else 0 :]
            for path in sorted(self.logs.glob("worker-*.log"))
        )


def _redis_url(db: int) -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def _database_url(db: dict) -> str:
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


@pytest.fixture
def workers(tmp_path):
    workers = Workers(tmp_path)
    yield workers
    workers.stop_all()
