"""Delete import leftovers: previews never confirmed (IMPORT_PREVIEW_TTL_HOURS) and sheets of
rows not imported (IMPORT_ERRORS_TTL_DAYS), then the preview jobs' results and rejected-row sheets
of sheets no longer waiting for confirmation. Run it daily (cron or a systemd timer, see
docs/deployment.md); uploads also trigger it in the background."""

from django.core.management.base import BaseCommand

from gongjian.participation.imports import import_previews_forget
from gongjian.participation.services import imports_purge


class Command(BaseCommand):
    help = "Delete abandoned import previews and old rejected-row sheets."

    def handle(self, *args, **options):
        result = imports_purge()
        checks = import_previews_forget()
        self.stdout.write(
            f"previews expired: {result.previews}; rejected-row sheets deleted: {result.sheets}; "
            f"preview checks forgotten: {checks}"
        )
