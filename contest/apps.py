from django.apps import AppConfig
from django.db.models.signals import pre_delete


class ContestConfig(AppConfig):
    name = "contest"

    def ready(self) -> None:
        from contest.models import LoginLink

        # A link deleted (with its judge's membership, say, from the admin) ends its sessions
        # as a revoked one does: no request looks at the link any more.
        pre_delete.connect(_login_link_deleted, sender=LoginLink, dispatch_uid="contest.link")


def _login_link_deleted(sender, instance, **kwargs) -> None:
    from contest.services import end_link_sessions

    end_link_sessions([instance.pk])
