from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse oversized non-file bodies before anything reads them.

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when request.body or POST is read; DRF's
    parsers read the stream directly, so without this an API call could send any size."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": _("Invalid Content-Length.")}, status=400)
        if limit and length > limit and not content_type.startswith("multipart/form-data"):
            return JsonResponse(
                {
                    "detail": _("The request body is too large (at most %(limit)s bytes).")
                    % {"limit": limit}
                },
                status=413,
            )
        return self.get_response(request)
