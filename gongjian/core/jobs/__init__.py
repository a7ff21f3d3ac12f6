"""Long work in the background on Django's task API, with one small progress record per job.

A ``Job`` (models.py) is what a page polls: status, stage and percent, a message, the result file,
who asked for it and the unit it is about. The work itself is a standard ``django_tasks`` task that
calls ``run_job`` (runner.py), which claims the job, passes the body a ``progress`` callback, stores
the result file and marks the job done in one update, or retries it (up to ``max_attempts``) and
finally fails it with a message. ``jobs_recover`` (recovery.py) finds jobs whose worker died.
How to add a task: CONTRIBUTING.md, "Add a background task"."""
