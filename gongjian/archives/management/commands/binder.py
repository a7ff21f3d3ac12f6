"""python manage.py binder --unit ID --period 2026 [--format pdf|zip|self-check] --output FILE
                          [--compiler NAME --reviewer NAME]

Makes one unit's binder for a period straight from the shell (as the system, no user's scope):
the same builders the background jobs use. Prints what it made: pages, size and seconds."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongjian.archives import binder, periods
from gongjian.organizations.models import Unit


class Command(BaseCommand):
    help = "Make the binder (PDF or ZIP) of one unit and period and write it to a file."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="the unit's id (or its code)")
        parser.add_argument("--period", required=True, help='"2026", "2026-Q3" or "2026-07"')
        parser.add_argument(
            "--format",
            choices=["pdf", "zip", "self-check"],
            default="pdf",
            help="pdf: the binder for inspectors; zip: its original files; self-check: the unit's own report",
        )
        parser.add_argument("--compiler", default="", help="编制人, printed on the binder's cover")
        parser.add_argument("--reviewer", default="", help="审核人, printed on the binder's cover")
        parser.add_argument("--output", required=True, help="the file to write")

    def handle(self, *args, unit, period, format, output, compiler="", reviewer="", **options):
        try:
            chosen = periods.parse(period)
        except ValueError:
            raise CommandError(
                _('Not a period: %(period)r. Use a year "2026", a quarter "2026-Q3" or a month "2026-07".')
                % {"period": period}
            ) from None
        found = Unit.objects.filter(pk=int(unit)).first() if str(unit).isdigit() else None
        found = found or Unit.objects.filter(code=str(unit)).first()
        if found is None:
            raise CommandError(_("No unit with id or code %(unit)r.") % {"unit": unit})
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
        if format == "pdf":

            def build(unit, period, out):
                binder.build_pdf(unit, period, out, compiler=compiler, reviewer=reviewer)

        else:
            build = binder.build_zip if format == "zip" else binder.build_self_check_pdf
        start = time.perf_counter()
        tmp = path.with_name(path.name + ".part")
        try:
            build(found, chosen, tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        seconds = time.perf_counter() - start
        figures = [f"{path}", f"{path.stat().st_size / 1e6:.1f} MB", f"{seconds:.1f} s"]
        pages = pdf_pages(path) if format != "zip" else None
        if pages:
            figures.insert(1, f"{pages} pages")
        self.stdout.write(self.style.SUCCESS(f"{found.name} {chosen.code} {format}: " + ", ".join(figures)))


def pdf_pages(path: Path) -> int | None:
    """The page count from poppler's pdfinfo, or None when it is not installed."""
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else None
