from celery import shared_task

from scheduling.models import Round
from scoring import services


@shared_task(acks_late=True)
def compute_ranking_task(round_id: int) -> int:
    """Compute a ranking snapshot of the round; safe to run twice (no change, no new version)."""
    ranking = services.compute_ranking(
        round=Round.objects.select_related("rubric").get(pk=round_id)
    )
    return ranking.pk
