"""python manage.py recover_jobs

Retries (up to each job's attempts) or fails the background jobs whose worker died: the database
queue keeps such a task RUNNING for ever. Pages showing a job do this for that job; run this from a
timer (e.g. every few minutes) so a lost job nobody looks at is retried too."""

from django.core.management.base import BaseCommand

from gongjian.core.jobs.recovery import jobs_recover


class Command(BaseCommand):
    help = "Retry or fail background jobs whose worker died."

    def handle(self, *args, **options):
        retried, failed = jobs_recover()
        self.stdout.write(f"jobs retried: {retried}  jobs failed: {failed}")
