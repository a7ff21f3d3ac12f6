"""The one shape of a filtered list: a filter form read from the query string and the rows it
selects. Lists, their exports and the map use it, so they always agree on what is shown."""

from __future__ import annotations

from collections.abc import Callable


def apply_filter(request, form_class, select: Callable):
    """``(form, rows)``; ``rows`` is None when the query string is invalid (the caller answers 400)."""
    form = form_class(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    data = {k: v for k, v in form.cleaned_data.items() if k in form.fields} if request.GET else {}
    return form, select(**data)
