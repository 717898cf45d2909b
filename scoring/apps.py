from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"

    def ready(self) -> None:
        from scheduling.signals import round_closed
        from scoring.services import lock_sheets_of_closed_round

        round_closed.connect(lock_sheets_of_closed_round, dispatch_uid="scoring.lock_sheets")
