"""Background work of participation (Django's task API)."""

from django_tasks import task


@task()
def imports_purge_task() -> dict[str, int]:
    """Delete abandoned import previews and old rejected-row sheets (see services.imports_purge)."""
    from gongjian.participation.services import imports_purge

    result = imports_purge()
    return {"previews": result.previews, "sheets": result.sheets}
