from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class ContestConfig(AppConfig):
    name = "contest"

    def ready(self) -> None:
        user_logged_in.connect(_forget_login_link, dispatch_uid="contest.forget_login_link")


def _forget_login_link(sender, request, user, **kwargs) -> None:
    """Any login starts without a login link (Django keeps the session's data when the same
    user logs in again); the link login names its link after logging in."""
    from contest.views import LOGIN_LINK_SESSION_KEY

    if request is not None and hasattr(request, "session"):
        request.session.pop(LOGIN_LINK_SESSION_KEY, None)
