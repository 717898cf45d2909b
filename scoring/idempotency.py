"""Exactly-once writes over a flaky network: the Idempotency-Key protocol.

The first request with a key claims it (committed at once, so a concurrent twin sees it),
does the work, and stores its response in the work's own transaction: either both land or
neither. A retry with the same key and body gets that response; a different body is a 422;
a twin arriving while the first is still working gets a 409 and retries later. A claim whose
worker died is taken over after CLAIM_TIMEOUT.
"""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from config import rows
from config.errors import StaleVersion
from scoring.models import IdempotentRequest

HEADER = "HTTP_IDEMPOTENCY_KEY"
CLAIM_TIMEOUT = timedelta(seconds=30)


def _body_hash(request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.path}\n{canonical}".encode()).hexdigest()


def _claim(request, key: str, body_sha256: str) -> IdempotentRequest | Response:
    """The claim on this key, or the response to give instead of doing the work."""
    claim = IdempotentRequest(
        user=request.user,
        key=key,
        endpoint=request.path,
        body_sha256=body_sha256,
        status=IdempotentRequest.Status.IN_FLIGHT,
        created_at=timezone.now(),
    )
    try:
        if transaction.get_autocommit():
            _insert(claim)  # one INSERT, committed at once: no BEGIN, COMMIT
        else:
            with transaction.atomic():  # inside a caller's transaction: a savepoint
                _insert(claim)
        return claim
    except IntegrityError:
        pass
    with transaction.atomic():
        existing = IdempotentRequest.objects.select_for_update().get(user=request.user, key=key)
        if existing.body_sha256 != body_sha256:
            return Response(
                {"detail": _("This Idempotency-Key was used for a different request.")},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if existing.status == IdempotentRequest.Status.DONE:
            return _with_etag(Response(existing.response_body, status=existing.response_status))
        if existing.created_at > timezone.now() - CLAIM_TIMEOUT:
            return Response(
                {"detail": _("This request is still being processed; retry shortly.")},
                status=status.HTTP_409_CONFLICT,
                headers={"Retry-After": "1"},
            )
        existing.created_at = timezone.now()  # the first attempt died: take it over
        existing.save(update_fields=["created_at"])
        return existing


def idempotent(view_method):
    """Wrap an APIView write: requires an Idempotency-Key header and replays its response."""

    @wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.META.get(HEADER, "").strip()
        if not key or len(key) > 100:
            return Response(
                {"detail": _("Send an Idempotency-Key header (1 to 100 characters).")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        claim = _claim(request, key, _body_hash(request))
        if isinstance(claim, Response):
            return claim
        try:
            with transaction.atomic():
                try:
                    response = view_method(view, request, *args, **kwargs)
                except Exception as error:
                    # A refusal (400, 403, 404...) is an answer too: a retry gets the same
                    # one. Anything the handler does not answer is raised again.
                    response = view.handle_exception(error)
                if response.status_code >= 500:
                    raise _NotFinal
                _store_response(claim, response)
                return _with_etag(response)
        except _NotFinal:
            IdempotentRequest.objects.filter(pk=claim.pk).delete()
            return response
        except Exception:
            IdempotentRequest.objects.filter(pk=claim.pk).delete()  # let the client retry
            raise

    return wrapper


# Every write of a tablet runs these two statements: written as SQL, since compiling them as
# ORM queries cost more CPU than the database spends on them.


def _insert(claim: IdempotentRequest) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {rows.table(IdempotentRequest)} "
            "(user_id, key, endpoint, body_sha256, status, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [
                claim.user_id,
                claim.key,
                claim.endpoint,
                claim.body_sha256,
                claim.status,
                claim.created_at,
            ],
        )
        (claim.pk,) = cursor.fetchone()
    claim._state.adding = False


def _store_response(claim: IdempotentRequest, response: Response) -> None:
    claim.status = IdempotentRequest.Status.DONE
    claim.response_status = response.status_code
    claim.response_body = response.data
    body = _RESPONSE_BODY.get_db_prep_save(claim.response_body, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {rows.table(IdempotentRequest)} "
            "SET status = %s, response_status = %s, response_body = %s WHERE id = %s",
            [claim.status, claim.response_status, body, claim.pk],
        )


_RESPONSE_BODY = IdempotentRequest._meta.get_field("response_body")


def _with_etag(response: Response) -> Response:
    if isinstance(response.data, dict) and isinstance(response.data.get("version"), int):
        response["ETag"] = etag(response.data["version"])
    return response


class _NotFinal(Exception):
    """A server error: not stored, so a retry runs again."""


def etag(version: int) -> str:
    return f'"v{version}"'


def expected_version(request) -> int | None:
    """The sheet version named by If-Match ("v3", W/"v3" or 3), or None when absent or *."""
    value = request.META.get("HTTP_IF_MATCH", "").strip()
    if not value or value == "*":
        return None
    text = value.removeprefix("W/").strip('"').removeprefix("v")
    if not text.isdigit():
        raise StaleVersion(_('If-Match must be a sheet ETag such as "v3".'))
    return int(text)
