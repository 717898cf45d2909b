from celery import chord, shared_task

from certificates import services

# A task's message is acknowledged only once it has run, and given back to the broker when
# its worker dies mid-task: the task runs again, and rendering is safe to run twice.
RELIABLE = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**RELIABLE)
def render_certificate_batch(batch_id: int) -> int:
    """Allocate a batch, then render its chunks in parallel across the workers."""
    chunks = services.start_batch(batch_id)
    if not chunks:
        services.finish_batch(batch_id)
    else:
        chord(render_certificate_chunk.si(batch_id, chunk) for chunk in chunks)(
            finish_certificate_batch.si(batch_id)
        )
    return batch_id


@shared_task(**RELIABLE)
def render_certificate_chunk(batch_id: int, certificate_ids: list[int]) -> int:
    return services.render_chunk(batch_id, certificate_ids)


@shared_task(**RELIABLE)
def finish_certificate_batch(batch_id: int) -> int:
    return services.finish_batch(batch_id).pk


@shared_task
def reconcile_certificate_batches() -> list[int]:
    """Queue again the batches that were requested but never started (e.g. the broker was down
    when they were requested), and running ones that have rendered nothing for half an hour (a
    killed worker's chunks lost, or the chord's last task never run). Running a batch again is
    safe: it renders only what is left. Run periodically by Celery beat."""
    batch_ids = list(services.stalled_batches().values_list("pk", flat=True))
    for batch_id in batch_ids:
        render_certificate_batch.delay(batch_id)
    return batch_ids
