"""python manage.py collect_evidence [--unit ID] [--background]

Files every closed problem, held activity and meeting that is not in the archive yet (or changed
since): the catch-up after a template is published or a collection failed. ``--background`` queues
it as a job for a worker (archives.tasks.archive_collect) and prints the job's id."""

from django.core.management.base import BaseCommand

from gongjian.archives.services import collect_pending


class Command(BaseCommand):
    help = "Collect archive records from closed problems, held activities and meetings."

    def add_arguments(self, parser):
        parser.add_argument("--unit", type=int, action="append", help="only this community (repeatable)")
        parser.add_argument("--background", action="store_true", help="queue it for a worker instead")

    def handle(self, *args, unit=None, background=False, **options):
        if background:
            from gongjian.archives.tasks import archive_job_request

            job = archive_job_request(which="collect", units=unit)
            self.stdout.write(f"queued as job {job.pk}")
            return
        count = collect_pending(unit_ids=unit)
        self.stdout.write(f"records collected or brought up to date: {count}")
