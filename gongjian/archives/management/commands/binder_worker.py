"""python manage.py binder_worker [--once] [--poll SECONDS]

Builds queued binder jobs (BINDER_RUNNER=worker), oldest first, and retries or fails jobs whose
worker stopped (no heartbeat for BINDER_STALE_SECONDS). Several workers may run side by side: a job
is claimed by exactly one. Stop it with Ctrl-C or SIGTERM; the job in hand is finished first."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from gongjian.archives.jobs import run_worker


class Command(BaseCommand):
    help = "Build queued binders in the background (retrying or failing jobs whose worker stopped)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="build what is queued now, then exit")
        parser.add_argument("--poll", type=float, default=2.0, help="seconds between looks for work (default 2)")

    def handle(self, *args, once=False, poll=2.0, **options):
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        made = run_worker(once=once, poll=poll, stop=stop)
        self.stdout.write(f"binders made: {made}")
