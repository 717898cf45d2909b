from django.apps import AppConfig
from django.db.models.signals import post_save


class ScoringConfig(AppConfig):
    name = "scoring"

    def ready(self) -> None:
        from contest.models import Contest
        from scheduling.signals import round_closed
        from scoring.services import lock_sheets_of_closed_round

        round_closed.connect(lock_sheets_of_closed_round, dispatch_uid="scoring.lock_sheets")
        # The public document shows the contest's name, status, colour and what it releases.
        post_save.connect(
            _contest_saved, sender=Contest, dispatch_uid="scoring.public_results_contest"
        )


def _contest_saved(sender, instance, **kwargs) -> None:
    from scoring import public

    public.forget(instance.slug)
