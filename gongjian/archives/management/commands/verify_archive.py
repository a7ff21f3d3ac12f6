"""python manage.py verify_archive [--no-files] [--background]

Walks the archive's hash-chained log end to end and checks every record version and stored
file against the hashes archived with it. Exit status 1 when anything was altered. ``--background``
queues it as a job for a worker (archives.tasks.archive_verify) and prints the job's id."""

from django.core.management.base import BaseCommand, CommandError

from gongjian.archives.integrity import verify


class Command(BaseCommand):
    help = "Verify the archive's hash chain, every record's content and every stored file."

    def add_arguments(self, parser):
        parser.add_argument("--no-files", action="store_true", help="skip re-reading the stored files")
        parser.add_argument("--background", action="store_true", help="queue it for a worker instead")

    def handle(self, *args, no_files=False, background=False, **options):
        if background:
            from gongjian.archives.tasks import archive_job_request

            job = archive_job_request(which="verify", files=not no_files)
            self.stdout.write(f"queued as job {job.pk}")
            return
        report = verify(check_files=not no_files)
        self.stdout.write(
            f"log entries: {report.entries}  record versions: {report.records}  files re-read: {report.files}"
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("archive intact: the chain and every record verify"))
            return
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(f"archive NOT intact: {len(report.problems)} problem(s) found")
