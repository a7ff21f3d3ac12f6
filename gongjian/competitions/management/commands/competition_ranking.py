"""Write a competition's ranking to an Excel file (every unit), for an operator to rerun the export."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from gongjian.competitions import selectors
from gongjian.competitions.exporters import CompetitionRankingExport
from gongjian.competitions.models import Competition


class Command(BaseCommand):
    help = "Write the ranking of one environment competition to an .xlsx file (every unit)."

    def add_arguments(self, parser):
        parser.add_argument("competition", type=int, help="the competition's id")
        parser.add_argument("--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, competition, output, **options):
        translation.activate("zh-hans")
        found = Competition.objects.filter(pk=competition).first()
        if found is None:
            raise CommandError(f"No competition {competition}.")
        rows = selectors.ranking(actor=None, competition=found)
        result = CompetitionRankingExport(found, rows, filters=[]).render()
        Path(output).write_bytes(result.content)
        self.stdout.write(f"{found.name}: {len(rows)} units written to {output}")
