"""python manage.py collect_evidence [--unit ID]

Files every closed problem, held activity and meeting that is not in the archive yet (or changed
since): the catch-up after a template is published or a collection failed."""

from django.core.management.base import BaseCommand

from gongjian.archives.services import collect_pending


class Command(BaseCommand):
    help = "Collect archive records from closed problems, held activities and meetings."

    def add_arguments(self, parser):
        parser.add_argument("--unit", type=int, action="append", help="only this community (repeatable)")

    def handle(self, *args, unit=None, **options):
        count = collect_pending(unit_ids=unit)
        self.stdout.write(f"records collected or brought up to date: {count}")
