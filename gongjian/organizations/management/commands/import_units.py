"""python manage.py import_units FILE --root CODE [--actor USERNAME] [--dry-run]

Builds (or brings up to date) one city's unit tree from the national statistical division codes
(统计用区划代码) in a CSV file: see gongjian/organizations/divisions.py for the format. Matched on
the codes, so running it again with the same file changes nothing; a file with any bad row is
refused whole, each problem with its line number, and nothing is changed."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjian.core.operators import command_actor
from gongjian.organizations import divisions, services


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Build a city's unit tree from the national division codes (CSV: code, name, parent_code, level)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--root", required=True, help="the 12-digit code of the city or county to import")
        parser.add_argument("--actor", help="the username recorded in the audit trail (default: the system)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, change nothing")

    def handle(self, *args, file, root, actor, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        user = command_actor(actor)
        try:
            planned = divisions.load(path.read_bytes(), root)
        except divisions.DivisionFileRefused as refusal:
            for error in refusal.errors:
                self.stderr.write(error)
            raise CommandError(
                _("The file was refused (problems: %(count)d); nothing was changed.") % {"count": len(refusal.errors)}
            ) from None
        try:
            with transaction.atomic():
                summary = services.units_import(actor=user, planned=planned)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except ValidationError as error:
            raise CommandError(
                _("A unit was refused, so nothing was changed: %(reasons)s") % {"reasons": "; ".join(error.messages)}
            ) from None
        message = _("%(created)d units created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        }
        if dry_run:
            message = _("Dry run, nothing changed: %(summary)s") % {"summary": message}
        self.stdout.write(self.style.SUCCESS(message))
