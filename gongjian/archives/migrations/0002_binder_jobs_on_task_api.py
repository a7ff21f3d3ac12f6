"""Binder jobs keep what was asked (unit, period, format); their progress, attempts and file move
to a background job (core.Job) run on Django's task API. Existing jobs are copied over; a job that
was queued or running under the old thread runner is failed with a message (nothing runs it now)."""

import django.db.models.deletion
from django.db import migrations, models

STOPPED = "The work stopped before it was finished (its worker was interrupted); ask for it again."


def copy_to_jobs(apps, schema_editor):
    BinderJob = apps.get_model("archives", "BinderJob")
    Job = apps.get_model("core", "Job")
    for old in BinderJob.objects.all().iterator():
        active = old.status in ("queued", "running")
        job = Job.objects.create(
            kind="archives.binder",
            task_path="gongjian.archives.tasks.binder_build",
            title=old.filename,
            status="failed" if active else old.status,
            percent=old.progress,
            stage=old.stage,
            message=STOPPED if active else old.message,
            attempts=old.attempts,
            requested_by_id=old.requested_by_id,
            unit_id=old.unit_id,
            perm="archive.view",
            started_at=old.started_at,
            beat_at=old.heartbeat_at,
            finished_at=old.finished_at or (old.updated_at if active else None),
            file=old.file.name if old.file else "",
            filename=old.filename,
            content_type="application/pdf" if old.format == "pdf" else "application/zip",
            size=old.size,
            sha256=old.sha256,
        )
        Job.objects.filter(pk=job.pk).update(created_at=old.created_at)
        BinderJob.objects.filter(pk=old.pk).update(job=job)


class Migration(migrations.Migration):
    dependencies = [
        ("archives", "0001_initial"),
        ("core", "0003_background_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="binderjob",
            name="job",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="binder",
                to="core.job",
                verbose_name="background job",
            ),
        ),
        migrations.RunPython(copy_to_jobs, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='binderjob',
            name='attempts',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='file',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='filename',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='finished_at',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='heartbeat_at',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='message',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='progress',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='requested_by',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='sha256',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='size',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='stage',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='started_at',
        ),
        migrations.RemoveField(
            model_name='binderjob',
            name='status',
        ),
        migrations.AlterField(
            model_name="binderjob",
            name="job",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="binder",
                to="core.job",
                verbose_name="background job",
            ),
        ),
    ]
