"""A test-only app for a worker process that builds PDF binders slowly: once a build has passed
60 %, it stops there for ten minutes, so a test can kill the worker in the middle of a build.
Only the worker settings written by gongjian/archives/tests/test_worker_kill.py install it."""

from __future__ import annotations

import time

from django.apps import AppConfig


class SlowBinderConfig(AppConfig):
    name = "gongjian.testing.slow_binder"
    label = "slow_binder"

    def ready(self):
        from gongjian.archives import binder
        from gongjian.core.jobs.runner import PROGRESS_EVERY_SECONDS

        real = binder.build_pdf

        def slow(unit, period, out_file, progress=None):
            def report(percent, stage):
                if percent >= 60:
                    # The job's progress is written at most once a second (core.jobs.runner): wait
                    # out that throttle so the test sees the build reach this stage.
                    time.sleep(PROGRESS_EVERY_SECONDS + 0.2)
                if progress is not None:
                    progress(percent, stage)
                if percent >= 60:
                    time.sleep(600)

            return real(unit, period, out_file, progress=report)

        binder.build_pdf = slow
