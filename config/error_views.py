"""The answer to a request that failed because the database could not be reached (restarted,
failing over, out of connections): a 503 with Retry-After, which the judges' tablets retry with
the same Idempotency-Key, instead of a 500 that reads as a bug. Every other failure is Django's
own 500."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

RETRY_AFTER_SECONDS = 5


def database_unavailable(error: BaseException | None) -> bool:
    # Walk the chain: cleaning up after the first failure (a rollback, deleting an
    # idempotency claim) fails the same way and hides it behind a second error.
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__context__
    return False


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: called inside the `except` of Django's request handler."""
    if not database_unavailable(sys.exc_info()[1]):
        return defaults.server_error(request, template_name)
    message = _("The service is briefly unavailable. Please try again in a moment.")
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message, "code": "unavailable"}, status=503, headers=headers)
    # No template: rendering one could need the database (context processors, the session).
    page = f"<!doctype html><title>503</title><h1>503</h1><p>{message}</p>"
    return HttpResponse(page, status=503, headers=headers)
