"""python manage.py restore DIR

Restores a backup made by `manage.py backup` into an EMPTY database and an EMPTY file storage
(refused otherwise), after checking the SHA-256 of every part. See gongjian/core/backup.py and
docs/deployment.md ("Backups")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongjian.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup into an empty database and an empty file storage."
    # The database is empty until the restore: the system checks would query missing tables.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the backup's folder (with manifest.json)")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, folder, database, **options):
        try:
            summary = restore(Path(folder), using=database, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored %(tables)s tables, %(rows)s rows and %(files)s files; every table's rows match the backup.")
                % {"tables": summary.tables, "rows": summary.rows, "files": summary.files}
            )
        )
        for note in summary.notes:
            self.stdout.write(self.style.WARNING(note))
