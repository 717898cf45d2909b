from django.contrib.auth import logout

from contest import services
from contest.views import LOGIN_LINK_SESSION_KEY, LOGIN_LINK_SESSION_KEY_RECORDED


class LoginLinkMiddleware:
    """A session opened with a personal login link ends when the organiser revokes the link.

    Revoking deletes the sessions recorded for the link (contest.services.end_link_sessions),
    so a tablet's request needs no query about its link. Only a session whose key changed
    since it was recorded (a password change cycles the key; a session from before keys
    were recorded) is checked against the link once, and recorded again under its new key."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        link_id = session.get(LOGIN_LINK_SESSION_KEY)
        if link_id is not None and session.get(LOGIN_LINK_SESSION_KEY_RECORDED) != (
            session.session_key
        ):
            if session.session_key and services.open_link_session(link_id, session.session_key):
                session[LOGIN_LINK_SESSION_KEY_RECORDED] = session.session_key
            else:
                logout(request)
        return self.get_response(request)
