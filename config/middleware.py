from functools import cache

from csp.utils import build_policy
from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _


class ContentSecurityPolicyMiddleware:
    """The CONTENT_SECURITY_POLICY header on every response, built once by django-csp.

    django-csp's own middleware builds the policy again for every response, for views that
    adjust it (its decorators) or use nonces. No view here does either, and the rebuilding
    was 3 % of the CPU of a judge's write. Like django-csp, it leaves alone a header a view
    set, and Django's debug pages (404, 500 with DEBUG)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = _policy()
        return response


@cache
def _policy() -> str:
    return build_policy()


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


USER_COOKIE = "hoithi_user"


class SignedInUserCookieMiddleware:
    """Keep a script-readable cookie naming who is logged in (an id, no secret).

    A judge page kept for offline use belongs to the judge who opened it; the page compares
    this cookie with its own judge before it sends anything, so on a shared tablet nobody's
    queued sheets go out under somebody else's login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = str(user.pk) if user is not None and user.is_authenticated else ""
        if request.COOKIES.get(USER_COOKIE, "") != signed_in:
            if signed_in:
                response.set_cookie(
                    USER_COOKIE,
                    signed_in,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                    max_age=settings.SESSION_COOKIE_AGE,
                )
            else:
                response.delete_cookie(USER_COOKIE, samesite="Lax")
        return response


class NotAllowedMiddleware:
    """A page whose service or selector refuses the user (NotAllowed) answers 403, as the API
    does, instead of failing with a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.views.defaults import permission_denied

        from config.errors import NotAllowed

        if isinstance(exception, NotAllowed):
            return permission_denied(request, PermissionDenied(exception.message))
        return None
