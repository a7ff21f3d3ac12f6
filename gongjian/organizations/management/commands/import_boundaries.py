"""python manage.py import_boundaries FILE [--property code] [--actor USERNAME] [--dry-run]

Sets the units' boundaries from a GeoJSON FeatureCollection: one Polygon or MultiPolygon feature
per unit, matched on a property holding the unit's code (``code`` by default; a division code
written short, as 3301, is also tried padded to 12 digits). A file with any bad feature is refused
whole, each problem naming its feature, and nothing is changed; running it again with the same file
changes nothing. See gongjian/organizations/boundaries.py and docs/map.md."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjian.core.operators import command_actor
from gongjian.organizations import boundaries, services


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Set the units' boundaries from a GeoJSON FeatureCollection (one feature per unit, matched on its code)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the GeoJSON file")
        parser.add_argument("--property", default="code", help="the feature property holding the unit's code")
        parser.add_argument("--actor", help="the username recorded in the audit trail (default: the system)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, change nothing")

    def handle(self, *args, file, property, actor, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        user = command_actor(actor)
        try:
            planned = boundaries.read_collection(path.read_bytes(), match_property=property)
            with transaction.atomic():
                summary = services.boundaries_import(actor=user, planned=planned)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except (boundaries.BoundaryFileRefused, ValidationError) as refusal:
            errors = refusal.errors if isinstance(refusal, boundaries.BoundaryFileRefused) else refusal.messages
            for error in errors:
                self.stderr.write(error)
            raise CommandError(
                _("The file was refused (problems: %(count)d); nothing was changed.") % {"count": len(errors)}
            ) from None
        message = _("%(created)d boundaries created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        }
        if dry_run:
            message = _("Dry run, nothing changed: %(summary)s") % {"summary": message}
        self.stdout.write(self.style.SUCCESS(message))
