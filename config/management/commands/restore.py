"""`manage.py restore IN.tar.gz [--force]`: a backup of `manage.py backup` back into a migrated
database and MEDIA_ROOT, checked whole before anything is written; see config.backups."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config import backups


class Command(BaseCommand):
    help = (
        "Restore a `manage.py backup` archive into this database and MEDIA_ROOT. Refused, "
        "with nothing written, unless the database is empty (or --force), the archive is whole "
        "and unaltered and its migrations are this code's. Stop the web and worker processes "
        "first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The .tar.gz written by `manage.py backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Replace all the data of a database that is not empty (sessions included, so "
                "everyone logs in again), and write over files in MEDIA_ROOT; files the backup "
                "does not have are left where they are."
            ),
        )

    def handle(self, *args, archive: Path, force: bool = False, **options):
        try:
            summary = backups.restore_backup(archive, force=force)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.rows} rows of {summary.models} models and {summary.files} "
                f"files ({summary.bytes / 1e6:.1f} MB) from {archive} in {summary.seconds:.1f} s."
            )
        )
        if summary.kept_files:
            self.stdout.write(
                f"{summary.kept_files} files already in MEDIA_ROOT that the backup does not have "
                "were left in place."
            )
