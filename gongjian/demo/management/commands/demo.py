from django.core.management.base import BaseCommand
from django.utils import translation

from gongjian.archives.models import Evidence
from gongjian.demo.activity_plans import build_demo_activity_plans
from gongjian.demo.archives import build_demo_archives
from gongjian.demo.assessments import build_demo_assessments
from gongjian.demo.boundaries import build_demo_boundaries
from gongjian.demo.campaigns import build_demo_campaigns
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city
from gongjian.demo.competitions import build_demo_competitions
from gongjian.demo.funds import build_demo_creation, build_demo_funds
from gongjian.demo.inspections import build_demo_inspections, demo_months
from gongjian.demo.materials import build_demo_materials, build_demo_positions
from gongjian.demo.participation import build_demo_participation
from gongjian.demo.plans import build_demo_plans
from gongjian.demo.residents import build_demo_residents
from gongjian.demo.selections import build_demo_selections
from gongjian.inspections.models import Problem
from gongjian.organizations.models import CobuildUnit, Unit
from gongjian.selections.models import Selection
from gongjian.suggestions.models import CategoryModel
from gongjian.suggestions.services import category_model_train


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
        # Propaganda positions with their dated updates first: the months judge them (item 4.2).
        build_demo_positions()
        published = build_demo_assessments(months=demo_months())
        self.stdout.write(f"Assessments: six months computed, {published} published (the last is left to publish)")
        activities = build_demo_participation()
        self.stdout.write(f"Participation: a year of activities ({activities} created now), volunteers, pairings")
        records = build_demo_archives()
        self.stdout.write(
            f"Archives: the city's template, {Evidence.objects.current().count()} records ({records} filed now); "
            "community1 nearly complete, community2 with gaps"
        )
        self._train_suggestions(created)
        reports = build_demo_residents()
        self.stdout.write(f"Residents: {reports} reports created now (随手拍, in community1's street)")
        plans = build_demo_plans()
        self.stdout.write(
            f"Plans and notices: a year plan per community ({plans} created now, every third without measures), "
            "an inspection notice to street1's communities, notices with part of the receipts missing"
        )
        materials = build_demo_materials()
        self.stdout.write(
            f"Materials: {materials} created now (a loudspeaker recording in two versions, templates); "
            "propaganda positions in street1's communities, half of them stale"
        )
        tagged = build_demo_campaigns()
        self.stdout.write(f"Campaigns: 大清扫 running in every community ({tagged} problems tagged now)")
        self.stdout.write(
            f"Funds: ledgers of street1's first communities and community2 ({build_demo_funds()} entries created now, "
            "one reversed); creation targets at every stage "
            f"({build_demo_creation()} created now) and the city's goals for the year"
        )
        self.stdout.write(
            f"Environment competition: this year's, eight co-construction units scored, two tied, published "
            f"({build_demo_competitions()} created now)"
        )
        self.stdout.write(
            f"Selections (评选): this year's in its voting period (nominees approved, one refused, one waiting, "
            f"votes and one burst flagged for the office to decide), last year's final with its winners "
            f"({build_demo_selections()} created now)"
        )
        self.stdout.write(
            f"Activity plans (方案): community1's upcoming activities — two awaiting street1's approval, one "
            f"approved, one returned with the reason; community2's awaiting its own street "
            f"({build_demo_activity_plans()} created now)"
        )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in accounts:
            self.stdout.write(f"  {account.username:<12} {account.role} — {account.place}")
        self.stdout.write("Where to look:")
        for selection in Selection.objects.filter(city__code="339900").order_by("-voting_from"):
            self.stdout.write(
                f"  /selections/office/{selection.pk}/ (city), /selections/{selection.pk}/ (public), "
                f"/selections/{selection.pk}/nominate/ (community1) — {selection.title}"
            )
        self.stdout.write("  /participation/activity-plans/ (street1: the plans awaiting approval)")

    def _train_suggestions(self, created: int) -> None:
        """Category suggestions from the demo's closed problems (once; `manage.py train_categories`
        retrains and prints the figures)."""
        if not created and CategoryModel.objects.exists():
            return
        outcome = category_model_train()
        if outcome.model is None:
            self.stdout.write(f"Category suggestions: none ({outcome.refusal % outcome.refusal_params})")
            return
        model = outcome.model
        self.stdout.write(
            f"Category suggestions: trained on {model.examples} closed problems; "
            f"held-out top-1 {model.top1:.2f}, top-3 {model.top3:.2f} ({model.test_size} held out)"
        )
