"""`manage.py backup OUT.tar.gz`: the whole instance (every row, every file under MEDIA_ROOT) as
one archive; see config.backups and README § Backups."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config import backups


class Command(BaseCommand):
    help = (
        "Write every row of the database and every file under MEDIA_ROOT, with a manifest "
        "(migrations, row counts, checksums), to one .tar.gz. Restore it with `manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="The archive to write, e.g. backups/x.tar.gz.")

    def handle(self, *args, out: Path, **options):
        try:
            summary = backups.make_backup(out)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        for name in summary.missing_files[:10]:
            self.stderr.write(
                self.style.WARNING(f"Referenced by the database but not in MEDIA_ROOT: {name}")
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {summary.rows} rows of {summary.models} models and {summary.files} "
                f"files ({summary.bytes / 1e6:.1f} MB) to {summary.path} "
                f"in {summary.seconds:.1f} s."
            )
        )
