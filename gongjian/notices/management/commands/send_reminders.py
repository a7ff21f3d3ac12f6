"""Queue the reminders for due and overdue plan tasks, receipts, rectifications and activities on
the task engine. Run it daily (cron or the systemd timer in deploy/, see docs/deployment.md);
``--now`` runs it here."""

from django.core.management.base import BaseCommand

from gongjian.notices.notifications import reminders_send
from gongjian.notices.tasks import reminders_task


class Command(BaseCommand):
    help = (
        "Queue (or with --now, send) the inbox reminders for due and overdue plan tasks, receipts, "
        "rectifications and activities, "
        "and retry failed webhook and email deliveries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="send them in this process instead of queueing")

    def handle(self, *args, now=False, **options):
        if now:
            counts = reminders_send()
            self.stdout.write(
                f"task reminders: {counts['tasks']}; receipt reminders: {counts['receipts']}; "
                f"rectification reminders: {counts['rectifications']}; activity reminders: {counts['activities']}; "
                f"deliveries retried: {counts['retried']}"
            )
            return
        result = reminders_task.enqueue()
        self.stdout.write(f"queued: {result.id}")
