"""The API schema: drf-spectacular's, with the refusals every operation may answer.

Its own module: config.api holds the parser the REST framework settings name, and importing
drf-spectacular there would import those settings while config.api is half loaded."""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ErrorSerializer(serializers.Serializer):
    """A refusal of the request as a whole."""

    detail = serializers.CharField()
    code = serializers.CharField(
        required=False,
        help_text="login_required: the session has ended; log in again and resend.",
    )


ERROR = OpenApiResponse(ErrorSerializer, description="Refused; `detail` says why.")
INVALID = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Bad input: each field at fault with its messages ({field: [message]}, nested "
    "as the input is), or `detail` for the request as a whole.",
)
READS = {"GET", "HEAD", "OPTIONS"}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the refusals every operation may answer documented
    beside its successes: 400 for bad input to a write, 415 for a body of another media type,
    403 where a login or a role is needed, 404 where the path names an object. A view's own
    `extend_schema(responses=...)` documents any other (409, 412, 422...)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._refusals().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _refusals(self) -> dict:
        refusals = {}
        if self.method not in READS:
            refusals["400"] = INVALID
            if self.get_request_serializer() is not None:
                refusals["415"] = ERROR
        if not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            refusals["403"] = ERROR
        if "{" in self.path:
            refusals["404"] = ERROR
        return refusals
