"""python manage.py backup --output DIR

Writes the database (pg_dump for PostgreSQL, the online backup API for SQLite), every stored file
(local disk or S3) and manifest.json with the SHA-256 and size of every part into the new folder
DIR. See gongjian/core/backup.py and docs/deployment.md ("Backups")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongjian.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and every stored file, with a manifest of SHA-256 sums."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="a new (or empty) folder for the backup")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, output, database, **options):
        try:
            manifest, summary = backup(Path(output), using=database, say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backup written to %(folder)s: %(tables)s tables, %(rows)s rows, %(files)s files, "
                    "%(bytes)s bytes (version %(version)s)."
                )
                % {
                    "folder": summary.folder,
                    "tables": summary.tables,
                    "rows": summary.rows,
                    "files": summary.files,
                    "bytes": summary.bytes,
                    "version": manifest["app_version"],
                }
            )
        )
