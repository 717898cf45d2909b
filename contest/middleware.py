from django.contrib.auth import logout
from django.db import connection

from config import rows
from contest.models import LoginLink
from contest.views import LOGIN_LINK_SESSION_KEY


class LoginLinkMiddleware:
    """A session opened with a personal login link ends when the organiser revokes the link."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        link_id = request.session.get(LOGIN_LINK_SESSION_KEY)
        if link_id is not None and request.user.is_authenticated:
            if not _is_live(link_id):
                logout(request)
        return self.get_response(request)


def _is_live(link_id: int) -> bool:
    # In SQL of its own: it runs on every request of a tablet, and compiling it as an ORM
    # query cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {rows.table(LoginLink)} WHERE id = %s AND revoked_at IS NULL",
            [link_id],
        )
        return cursor.fetchone() is not None
