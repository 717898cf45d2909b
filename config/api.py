import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response

from config.errors import DomainError, NotAllowed, StaleVersion


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with two documents Python's decoder takes refused as bad JSON (400)
    like any other: one nested too deep for it (a RecursionError, a 500), and text holding a
    lone UTF-16 surrogate ("\\ud800"), which no UTF-8 answer, log line or database column
    can hold, so that even the refusal naming it failed (a 500 on every retry)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - nested too deeply.")) from None
        try:
            orjson.dumps(data)  # fast, and it refuses lone surrogates (and huge integers)
        except orjson.JSONEncodeError:
            if _holds_lone_surrogate(data):
                raise exceptions.ParseError(
                    _("JSON parse error - text holds an unpaired surrogate.")
                ) from None
        return data


def _holds_lone_surrogate(data) -> bool:
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(data, dict):
        return any(_holds_lone_surrogate(k) or _holds_lone_surrogate(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_holds_lone_surrogate(item) for item in data)
    return False


def exception_handler(exc, context):
    """Domain errors and model validation errors become 400/403 with field-level messages."""
    if isinstance(exc, StaleVersion):
        return Response({"detail": exc.message}, status=status.HTTP_412_PRECONDITION_FAILED)
    if isinstance(exc, NotAllowed):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES, which names this
    # module's JSONParser, when it is first imported.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and _login_required(exc):
        # A tablet's outbox keeps such writes waiting for the judge to log in again, where
        # any other refusal is final.
        response.data = {**response.data, "code": "login_required"}
    return response


def not_found(request, exception):
    """handler404: under /api/ the same JSON refusal as a view's 404 (a path that matches no
    URL at all, such as /api/rounds/abc/status/); Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


def _login_required(exc) -> bool:
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return True
    return isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith(
        "CSRF Failed"
    )


def id_field(**kwargs) -> serializers.IntegerField:
    """A database id: bounded, so a huge number is a 400 and never an overflow in a query."""
    return serializers.IntegerField(min_value=1, max_value=2**63 - 1, **kwargs)
