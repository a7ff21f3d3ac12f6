from django.core.management.base import BaseCommand
from django.utils import translation

from gongjian.archives.models import Evidence
from gongjian.demo.archives import build_demo_archives
from gongjian.demo.assessments import build_demo_assessments
from gongjian.demo.boundaries import build_demo_boundaries
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city
from gongjian.demo.inspections import build_demo_inspections, demo_months
from gongjian.demo.participation import build_demo_participation
from gongjian.inspections.models import Problem
from gongjian.organizations.models import CobuildUnit, Unit


class Command(BaseCommand):
    help = "Build or top up the demo city (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        accounts = build_demo_city()
        counts = {
            level: Unit.objects.filter(level=level).count()
            for level in Unit.objects.values_list("level", flat=True).distinct()
        }
        self.stdout.write(
            "Demo city ready: "
            + ", ".join(f"{level} {n}" for level, n in sorted(counts.items()))
            + f", co-construction units {CobuildUnit.objects.count()}"
        )
        self.stdout.write(f"Unit boundaries: {build_demo_boundaries()} drawn now (communities and compounds)")
        created = build_demo_inspections()
        self.stdout.write(f"Problems: {Problem.objects.count()} ({created} created now)")
        published = build_demo_assessments(months=demo_months())
        self.stdout.write(f"Assessments: six months computed, {published} published (the last is left to publish)")
        activities = build_demo_participation()
        self.stdout.write(f"Participation: a year of activities ({activities} created now), volunteers, pairings")
        records = build_demo_archives()
        self.stdout.write(
            f"Archives: the city's template, {Evidence.objects.current().count()} records ({records} filed now); "
            "community1 nearly complete, community2 with gaps"
        )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in accounts:
            self.stdout.write(f"  {account.username:<12} {account.role} — {account.place}")
