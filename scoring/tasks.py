from celery import shared_task

from scheduling.models import Round
from scoring import selectors, services


@shared_task(acks_late=True)
def compute_ranking_task(round_id: int) -> int:
    """Compute a ranking snapshot of the round; safe to run twice (no change, no new version)."""
    round = Round.objects.select_related("rubric").get(pk=round_id)
    return services.compute_ranking(round=round).pk


@shared_task
def reconcile_rankings() -> list[int]:
    """Catch up rounds whose recompute was never queued or was lost (e.g. the broker was down
    when a sheet was submitted). Run periodically by Celery beat."""
    round_ids = selectors.rounds_needing_ranking()
    for round_id in round_ids:
        compute_ranking_task.delay(round_id)
    return round_ids
