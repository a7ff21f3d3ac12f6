"""Remove what the field app leaves behind: photos sent ahead whose form never came (after
``fieldwork.UPLOAD_KEEP``) and idempotency keys older than --keys-days (default 30): the field app's
and the API's (``gongjian.api.idempotency``)."""

import datetime

from django.core.management.base import BaseCommand

from gongjian.api import idempotency
from gongjian.inspections import fieldwork


class Command(BaseCommand):
    help = "Remove unused photos sent ahead from phones and old idempotency keys."

    def add_arguments(self, parser):
        parser.add_argument("--keys-days", type=int, default=30, help="keep idempotency keys this many days")

    def handle(self, *args, keys_days: int, **options):
        if keys_days < 1:
            self.stderr.write("--keys-days must be at least 1")
            raise SystemExit(2)
        photos = fieldwork.photo_uploads_purge()
        older_than = datetime.timedelta(days=keys_days)
        keys = fieldwork.idempotency_keys_purge(older_than=older_than)
        keys += idempotency.keys_purge(older_than=older_than)
        self.stdout.write(f"removed {photos} unused photos and {keys} idempotency keys")
