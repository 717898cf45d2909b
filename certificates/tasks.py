from celery import shared_task

from certificates import services


@shared_task(acks_late=True)
def render_certificate_batch(batch_id: int) -> int:
    return services.render_batch(batch_id).pk


@shared_task
def reconcile_certificate_batches() -> list[int]:
    """Queue again the batches that were requested but never started (e.g. the broker was down
    when they were requested). Run periodically by Celery beat."""
    batch_ids = list(services.stalled_batches().values_list("pk", flat=True))
    for batch_id in batch_ids:
        render_certificate_batch.delay(batch_id)
    return batch_ids
