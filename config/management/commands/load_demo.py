"""`manage.py load_demo`: the 2019 Hà Nội "Dân vận khéo" contest as demo data (see config.demo)."""

import logging
import time
from contextlib import contextmanager

from django.core.management.base import BaseCommand

from config import demo


@contextmanager
def _quiet_celery_tasks():
    """Eager Celery logs one line per task; the demo queues a ranking task per score sheet."""
    logger = logging.getLogger("celery.app.trace")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load demo data from the 2019 Hà Nội bloc contest (units, initiatives, entries, "
        "a scored preliminary round, a final in progress) and print the demo logins. "
        "Does nothing if the demo is already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet", action="store_true", help="Skip the summary; still print the logins."
        )

    def handle(self, *args, quiet: bool = False, **options):
        started = time.perf_counter()
        with _quiet_celery_tasks():
            result = demo.load_demo()
        seconds = time.perf_counter() - started
        if not result.created:
            self.stdout.write(
                f"Demo data already loaded ({demo.BLOC_CONTEST_SLUG}); nothing changed."
            )
        elif not quiet:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {seconds:.1f} s:"))
        if result.created and not quiet:
            width = max(len(label) for label in result.counts)
            for label, count in result.counts.items():
                self.stdout.write(f"  {label:<{width}}  {count}")
            self.stdout.write(
                f"  contests: /contests/{demo.BLOC_CONTEST_SLUG}/ (judging), "
                f"/contests/{demo.NEXT_CONTEST_SLUG}/ (signup open), "
                f"/contests/{demo.CITY_CONTEST_SLUG}/ (draft)"
            )
        for username in result.untouched_users:
            self.stdout.write(
                self.style.WARNING(f"User {username!r} existed already; its password is unchanged.")
            )
        self.print_logins()

    def print_logins(self) -> None:
        rows = demo.logins()
        user_width = max(len("username"), *(len(row[0]) for row in rows))
        role_width = max(len("role"), *(len(row[1]) for row in rows))
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Demo logins (password for all: {demo.PASSWORD})")
        )
        self.stdout.write(f"  {'username':<{user_width}}  {'role':<{role_width}}  what to try")
        for username, role, try_this in rows:
            self.stdout.write(f"  {username:<{user_width}}  {role:<{role_width}}  {try_this}")
