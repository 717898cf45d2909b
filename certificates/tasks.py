from celery import shared_task

from certificates import services


@shared_task(acks_late=True)
def render_certificate_batch(batch_id: int) -> int:
    return services.render_batch(batch_id).pk
