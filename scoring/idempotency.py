"""Exactly-once writes over a flaky network: the Idempotency-Key protocol.

A request with a key runs in one transaction: it takes a lock on the key, looks for the key's
stored response, and either replays it or does the work and stores its response with it, so
both land or neither does. A retry with the same key and body gets that response; a different
body is a 422; a twin arriving while the first still holds the key gets a 409 and retries later.

The lock is a PostgreSQL advisory lock held by the transaction: it goes when the transaction
ends, however it ends (a crashed worker, a database restart), so nothing is left behind for a
retry to wait out. On SQLite every write transaction already runs alone (BEGIN IMMEDIATE): a
twin waits for the first, then replays its response.
"""

import hashlib
import json
from functools import wraps

import orjson
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from config import rows
from config.errors import LostRace, StaleVersion
from scoring.models import IdempotentRequest

HEADER = "HTTP_IDEMPOTENCY_KEY"


def _body_hash(request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.path}\n{canonical}".encode()).hexdigest()


def _lock_id(user_id: int, key: str) -> int:
    """The advisory lock of (user, key): a signed 64-bit number, as PostgreSQL wants it."""
    digest = hashlib.blake2b(f"{user_id}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _replay(request, key: str, body_sha256: str) -> Response | None:
    """Inside the request's transaction: the answer to give instead of doing the work, if any."""
    try:
        stored = _claim(request.user.pk, key)
    except _InFlight:
        return Response(
            {"detail": _("This request is still being processed; retry shortly.")},
            status=status.HTTP_409_CONFLICT,
            headers={"Retry-After": "1"},
        )
    if stored is None:
        return None
    stored_sha256, stored_status, stored_body = stored
    if stored_sha256 != body_sha256:
        return Response(
            {"detail": _("This Idempotency-Key was used for a different request.")},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return _with_etag(Response(stored_body, status=stored_status))


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
        body_sha256 = _body_hash(request)
        try:
            with transaction.atomic():
                replay = _replay(request, key, body_sha256)
                if replay is not None:
                    return replay
                final = True
                try:
                    response = view_method(view, request, *args, **kwargs)
                except Exception as error:
                    # A refusal (400, 403, 404...) is an answer too: a retry gets the same
                    # one, unless it lost a race. Anything the handler does not answer is
                    # raised again.
                    response = view.handle_exception(error)
                    final = not isinstance(error, LostRace)
                rolled_back = transaction.get_rollback()
                if rolled_back and response.status_code < 400:
                    raise RuntimeError("A write answered as done was rolled back.")
                # A server error, a lost race, or a failure that left the transaction to be
                # rolled back (services._write_sheet): nothing stored, a retry runs again.
                if response.status_code >= 500 or not final or rolled_back:
                    raise _NotFinal
                _store(request, key, body_sha256, response)
                return _with_etag(response)
        except _NotFinal:
            return response

    return wrapper


# Every write of a tablet runs these statements: written as SQL, since compiling them as ORM
# queries cost more CPU than the database spends on them.

_TABLE = rows.table(IdempotentRequest)
_RESPONSE_BODY = IdempotentRequest._meta.get_field("response_body")


def _claim(user_id: int, key: str) -> tuple[str, int, object] | None:
    """Take the key's lock, then read (body hash, status, body) of its stored response.
    Raises _InFlight when a twin holds the lock. A row still "in flight" was left by an
    earlier version of this protocol whose request died: it is taken over.

    PostgreSQL: in one round trip (the function of migration scoring 0006, whose read comes
    after the lock with a snapshot of its own, so it sees a twin that committed meanwhile)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT locked, id, status, body_sha256, response_status, response_body "
                "FROM hoithi_idempotency_claim(%s, %s, %s)",
                [_lock_id(user_id, key), user_id, key],
            )
            row = cursor.fetchone()
            if row is not None and not row[0]:
                raise _InFlight
            row = row and row[1:]
        else:  # every write transaction runs alone (see the module's docstring)
            cursor.execute(
                f"SELECT id, status, body_sha256, response_status, response_body FROM {_TABLE} "
                "WHERE user_id = %s AND key = %s",
                [user_id, key],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        pk, row_status, body_sha256, response_status, response_body = row
        if row_status != IdempotentRequest.Status.DONE:
            cursor.execute(f"DELETE FROM {_TABLE} WHERE id = %s", [pk])
            return None
    if isinstance(response_body, str):  # JSON text, as Django's backends load it
        response_body = _RESPONSE_BODY.from_db_value(response_body, None, connection)
    return body_sha256, response_status, response_body


def _store(request, key: str, body_sha256: str, response: Response) -> None:
    # The body as JSON text, cast by PostgreSQL: cheaper to send than a value the driver
    # adapts. The answers hold plain JSON only (the serializers and the exception handler give
    # text); a Decimal or a lazy string would be refused here, as by the field's own encoder.
    body = orjson.dumps(response.data, option=orjson.OPT_NON_STR_KEYS).decode()
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (user_id, key, endpoint, body_sha256, status, "
            "response_status, response_body, created_at) "
            f"VALUES (%s, %s, %s, %s, %s, %s, %s{cast}, %s)",
            [
                request.user.pk,
                key,
                request.path,
                body_sha256,
                IdempotentRequest.Status.DONE,
                response.status_code,
                body,
                timezone.now(),
            ],
        )


def _with_etag(response: Response) -> Response:
    if isinstance(response.data, dict) and isinstance(response.data.get("version"), int):
        response["ETag"] = etag(response.data["version"])
    return response


class _InFlight(Exception):
    """A twin request holds the key's lock."""


class _NotFinal(Exception):
    """An answer that is not final (a server error, a lost race): not stored, so a retry runs
    again."""


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
