from contest.auth import LinkCheck, session_login_link
from contest.views import LOGIN_LINK_SESSION_KEY


class LoginLinkMiddleware:
    """A session opened with a personal login link ends when the organiser revokes the link.

    The link is checked in the same query that reads the session's user (contest.auth
    .UserBackend), when the request first asks for its user; a revoked link leaves the
    request without a user, and its session is flushed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        link_id = request.session.get(LOGIN_LINK_SESSION_KEY)
        if link_id is None:
            return self.get_response(request)
        check = LinkCheck(link_id)
        token = session_login_link.set(check)
        try:
            response = self.get_response(request)
        finally:
            session_login_link.reset(token)
        if check.live is False:
            request.session.flush()
        return response
