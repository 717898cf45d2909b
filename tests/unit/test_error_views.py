"""A request that failed because the database was unreachable is a retryable 503, not a 500
(config/error_views.py, the project's handler500)."""

import json

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from config.error_views import server_error


def answer(path: str, error: Exception, **headers):
    request = RequestFactory().get(path, **headers)
    try:
        raise error
    except Exception:
        return server_error(request)


def test_a_lost_database_is_a_503_the_tablet_retries():
    response = answer("/api/score-sheets/", OperationalError("server closed the connection"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content)["code"] == "unavailable"


def test_a_lost_database_behind_a_second_error_is_still_a_503():
    def cleanup_fails_too():
        try:
            raise OperationalError("connection refused")
        except OperationalError:
            raise RuntimeError("could not delete the idempotency claim") from None

    request = RequestFactory().get("/judge/")
    try:
        cleanup_fails_too()
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 503 and b"briefly unavailable" in response.content


@pytest.mark.django_db
def test_any_other_failure_stays_a_500():
    response = answer("/api/score-sheets/", ZeroDivisionError())
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
