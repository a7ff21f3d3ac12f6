"""One shape for a filtered list page, its export and its map: a ``FilteredList`` declares the
list once (filter form, permission, scoped selector, page template, exporter) and the views call
it, so the list, the export (at once, or as a background job when large) and the map always agree
on which rows they hold. See CONTRIBUTING.md "Add a list page"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.shortcuts import render

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.exporters import ExportResult, describe_filters
from gongjian.core.filtering import apply_filter
from gongjian.core.jobs.exports import INVALID_QUERY, export_response
from gongjian.core.jobs.runner import JobRefused


def query_without_page(request) -> str:
    """The query string of the list's links (pagination keeps the filters, not the page)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _all_filters(form, rows):
    return rows, describe_filters(form)


@dataclass(frozen=True)
class FilteredList:
    """A filtered list: who may see it (``perm``), what it filters with (``form_class``, read from
    the query string) and which rows that selects (``select(actor=, **filters)``, a scoped selector).

    Its export: ``exporter(request, rows, filters, **args) -> ExportResult``, where ``filters`` are
    the filters as the file's title row states them; ``narrow(form, rows) -> (rows, filters)`` may
    change what the export holds (default: the list's rows, ``describe_filters(form)``). A large
    export runs as a job that calls ``builder`` (a module-level function's dotted path, which calls
    ``build``) with the same user and query string."""

    form_class: type
    perm: Perm
    select: Callable
    template: str
    per_page: int = 30
    exporter: Callable[..., ExportResult] | None = None
    builder: str = ""
    export_name: str = ""
    narrow: Callable = _all_filters
    # What the page's rows load (e.g. ``rows.only(...)``: a page shows a few columns, so each row is
    # cheaper to build); the export and the map still get the full rows.
    page_rows: Callable | None = None

    def filter(self, request):
        """``(form, rows)``; ``rows`` is None when the query string is invalid. 403 without ``perm``."""
        actor = actor_for(request.user)
        if not actor.has_perm(self.perm):
            raise PermissionDenied
        return apply_filter(request, self.form_class, partial(self.select, actor=actor))

    def invalid(self, request, form):
        """The list page with the form's errors (400)."""
        return render(request, self.template, {"form": form, "invalid": True}, status=400)

    def page(self, request, rows) -> Page:
        if self.page_rows is not None:
            rows = self.page_rows(rows)
        return Paginator(rows, self.per_page).get_page(request.GET.get("page"))

    def list_response(self, request, context: Callable[[Page], dict] | None = None):
        """The list page: ``form``, ``page`` and ``query`` (without the page), plus ``context(page)``."""
        form, rows = self.filter(request)
        if rows is None:
            return self.invalid(request, form)
        page = self.page(request, rows)
        extra = context(page) if context else {}
        return render(
            request,
            self.template,
            {"form": form, "page": page, "query": query_without_page(request), **extra},
        )

    def export(self, request, *, extension: str = "xlsx", args: dict | None = None):
        """The export's download while it is small, else a redirect to the job that makes it."""
        form, rows = self.filter(request)
        if rows is None:
            return self.invalid(request, form)
        rows, filters = self.narrow(form, rows)
        return export_response(
            request,
            builder=self.builder,
            rows=rows.count(),
            render_now=lambda: self.exporter(request, rows, filters, **(args or {})),
            title=f"{self.export_name}.{extension}",
            args=args,
        )

    def build(self, request, **args) -> ExportResult:
        """The export as the background job makes it (``builder`` calls this)."""
        form, rows = self.filter(request)
        if rows is None:
            raise JobRefused(INVALID_QUERY)
        rows, filters = self.narrow(form, rows)
        return self.exporter(request, rows, filters, **args)
