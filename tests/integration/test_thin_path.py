"""The whole mission end to end through the API."""

import pytest

from tests.thin_path import run_thin_path
from tests.world import build_world


@pytest.mark.django_db(transaction=True)
def test_thin_path_in_process(eager_celery, mailoutbox):
    run_thin_path(build_world())


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_thin_path_with_real_worker_on_postgres_and_redis(celery_worker_on_redis, mailoutbox):
    run_thin_path(build_world())
