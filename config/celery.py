import os

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("hoithi")
# Every CELERY_* setting in config/settings.py configures this app.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

RESTORE_EVERY_SECONDS = 10


class RestoreUnacknowledged(bootsteps.StartStopStep):
    """Give back to their queues, every 10 s, the messages a dead worker took and never
    acknowledged once they are older than the visibility timeout.

    kombu's Redis transport does this itself only when a worker starts and on every tenth
    ten-second tick, so a killed worker's task would wait up to the timeout + 100 s; with this
    step it waits at most the timeout + 10 s."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer):
        consumer.timer.call_repeatedly(RESTORE_EVERY_SECONDS, self.restore, (consumer,))

    @staticmethod
    def restore(consumer):
        if consumer.connection is None:  # reconnecting to the broker
            return
        channel = consumer.connection.default_channel
        restore_visible = getattr(channel.qos, "restore_visible", None)  # Redis transport only
        if restore_visible is not None:
            restore_visible(num=channel.unacked_restore_limit, interval=1)


app.steps["consumer"].add(RestoreUnacknowledged)
