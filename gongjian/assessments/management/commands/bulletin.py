"""Write the bulletin (通报) of a published month to a file, as Word or PDF.

python manage.py bulletin --month 2026-08 --output 通报.docx
python manage.py bulletin --month 2026-08 --output var/通报.pdf --city 330100
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongjian.assessments.bulletin import BulletinDocx, BulletinNotReady, BulletinPdf
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment
from gongjian.core.fonts import FontsMissing

EXPORTERS = {"docx": BulletinDocx, "pdf": BulletinPdf}


class Command(BaseCommand):
    help = "Write the bulletin of a published month as a Word file or a PDF."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM.")
        parser.add_argument(
            "--output", help="The file to write (default: the bulletin's own name in the current directory)."
        )
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=sorted(EXPORTERS),
            help="docx or pdf (default: from the output file's extension).",
        )
        parser.add_argument("--city", help="The city's unit code, when several cities are assessed.")

    def handle(self, *args, month: str, output: str | None, file_format: str | None, city: str | None, **options):
        try:
            first_day = datetime.datetime.strptime(month.strip(), "%Y-%m").date()
        except ValueError:
            raise CommandError(_("%(value)s is not a month (YYYY-MM).") % {"value": month})
        kind = file_format or (Path(output).suffix.lower().lstrip(".") if output else "docx")
        if kind not in EXPORTERS:
            raise CommandError(
                _("Cannot tell the format from %(output)s: name a .docx or .pdf file, or pass --format.")
                % {"output": output}
            )

        months = Assessment.objects.filter(month=first_day).select_related("city", "ruleset")
        if city:
            months = months.filter(city__code=city)
        found = list(months[:2])
        if not found:
            where = _(" for city %(city)s") % {"city": city} if city else ""
            raise CommandError(_("No assessment of %(month)s%(where)s.") % {"month": month, "where": where})
        if len(found) > 1:
            raise CommandError(_("Several cities have an assessment of %(month)s: pass --city.") % {"month": month})
        assessment = found[0]
        if assessment.status != AssessmentStatus.PUBLISHED:
            raise CommandError(
                _("The assessment of %(month)s is %(status)s, not published: it has no bulletin yet.")
                % {"month": month, "status": assessment.get_status_display()}
            )

        try:
            result = EXPORTERS[kind](assessment).render()
        except (BulletinNotReady, FontsMissing) as error:
            raise CommandError(str(error))
        path = Path(output) if output else Path.cwd() / result.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(result.content)
        self.stdout.write(
            self.style.SUCCESS(_("Wrote %(path)s (%(size)s bytes).") % {"path": path, "size": len(result.content)})
        )
