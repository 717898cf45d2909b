"""Shared fixtures and the rule for tests that need real services.

Tests marked `postgres`, `redis` or `browser` skip on a laptop without that service, but when
REQUIRE_SERVICES=1 (CI) a missing service fails the test instead.
"""

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# One queue for the whole run, shared by nobody else on the Redis server. Celery caches the
# default queue on first use, so every worker of the run must listen on the same one.
TEST_QUEUE = f"test-{uuid.uuid4().hex}"


def _redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def missing_service(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "PostgreSQL is not configured (set DATABASE_URL=postgres://...)"
    if marker == "redis" and not _redis_available():
        return "Redis is not reachable (set REDIS_URL=redis://...)"
    if marker == "browser" and not CHROMIUM:
        return "Chromium is not installed (apt-get install -y chromium)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker):
            reason = missing_service(marker)
            if reason:
                if REQUIRE_SERVICES:
                    pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
                pytest.skip(reason)


@pytest.fixture(autouse=True)
def _test_settings(tmp_path, settings):
    """Certificates and uploads go to a throwaway folder; passwords hash fast; messages are
    asserted in English unless a test asks for Vietnamese (Accept-Language: vi)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@contextmanager
def celery_settings(**overrides):
    """Override Celery settings for a block. The app reads Django's CELERY_* settings, so the
    namespaced key is the one that takes effect."""
    from config.celery import app

    keys = {f"CELERY_{name.upper()}": value for name, value in overrides.items()}
    previous = {key: app.conf.get(key) for key in keys}
    for key, value in keys.items():
        app.conf[key] = value
    try:
        yield app
    finally:
        for key, value in previous.items():
            app.conf[key] = value


@pytest.fixture
def eager_celery():
    """Tasks run inside the caller, as in `make run` without Redis."""
    with celery_settings(task_always_eager=True):
        yield


@pytest.fixture(scope="session")
def _celery_worker(django_db_setup):
    """One real Celery worker thread for the whole run, on this run's own queue on Redis.

    One for the run, not one per test: a second worker started in the same process did not
    run the countdown tasks queued for it."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connection as worker_connection

    def close_worker_connection(**kwargs):
        # The worker thread's own connection would otherwise outlive the test and block
        # dropping the test database.
        worker_connection.close()

    task_postrun.connect(close_worker_connection, weak=False)
    try:
        with celery_settings(task_always_eager=False, task_default_queue=TEST_QUEUE) as app:
            with start_worker(
                app, pool="solo", perform_ping_check=False, loglevel="WARNING", queues=[TEST_QUEUE]
            ):
                yield app
    finally:
        task_postrun.disconnect(close_worker_connection)


@pytest.fixture
def celery_worker_on_redis(_celery_worker):
    """Tasks go to the real worker (a test may have made them eager before)."""
    with celery_settings(task_always_eager=False, task_default_queue=TEST_QUEUE):
        yield _celery_worker


@pytest.fixture(autouse=True)
def _fresh_public_results():
    """Each test's contests start with no cached public document: a contest of an earlier
    test may have had the same address (the cache outlives the test's database)."""
    from scoring.public import forget_all

    forget_all()


@pytest.fixture(autouse=True)
def _project_celery_app_stays_current():
    """A test that made another Celery app current would send every later test's shared
    tasks to that app's broker (a throwaway Redis that is gone): fail the test that did it."""
    from celery import current_app

    from config.celery import app

    yield
    if current_app._get_current_object() is not app:
        app.set_current()  # so that the tests after this one run as they should
        pytest.fail("this test left another Celery app current")
