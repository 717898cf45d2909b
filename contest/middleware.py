from django.contrib.auth import logout

from contest.models import LoginLink
from contest.views import LOGIN_LINK_SESSION_KEY


class LoginLinkMiddleware:
    """A session opened with a personal login link ends when the organiser revokes the link."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        link_id = request.session.get(LOGIN_LINK_SESSION_KEY)
        if link_id is not None and request.user.is_authenticated:
            if not LoginLink.objects.filter(pk=link_id, revoked_at__isnull=True).exists():
                logout(request)
        return self.get_response(request)
