"""manage.py assess: compute (and optionally publish) a month's assessment from the command line."""

from __future__ import annotations

import datetime
import re
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjian.accounts.choices import Role
from gongjian.accounts.models import Membership, User
from gongjian.assessments import services
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, RuleSet
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.organizations.models import Unit

CRON_LINE = (
    '0 2 1 * * cd /srv/gongjian && .venv/bin/python manage.py assess --month "$(date -d "last month" +\\%Y-\\%m)" '
    ">> var/log/assess.log 2>&1"
)
HELP = gettext_lazy(
    "Compute a month's assessment: open the month if it does not exist yet (with the rule set in force "
    "then), compute every score sheet, and with --publish make it final. Prints the summary and the time "
    "taken. The work is done and audited in the name of a user: --as USERNAME, by default the first active "
    "city administrator (role city_admin) of the city. Without --city, the city is the only one that has "
    "rule sets."
)
SCHEDULE = gettext_lazy(
    "To compute the previous month on the 1st of every month at 02:00, add this line to the crontab of the "
    "user that runs the site (cron needs the percent signs escaped). Publish once the city office has checked "
    "the results, with --month YYYY-MM --publish."
)


def parse_month(value: str) -> datetime.date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", (value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommandError(_("Give the month as YYYY-MM, e.g. 2026-03 (got %(value)s).") % {"value": value})
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


class Command(BaseCommand):
    @property
    def help(self):
        return f"{HELP}\n\n{SCHEDULE}\n  {CRON_LINE}"

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help=gettext_lazy("the month to assess, YYYY-MM"))
        parser.add_argument(
            "--publish", action="store_true", help=gettext_lazy("make the month final after computing it")
        )
        parser.add_argument(
            "--city", help=gettext_lazy("division code of the city (default: the only city with rule sets)")
        )
        parser.add_argument(
            "--force-reason",
            default="",
            help=gettext_lazy(
                "the city office's reason to open a month before it starts or close it before it ends (recorded)"
            ),
        )
        parser.add_argument(
            "--as",
            dest="username",
            help=gettext_lazy("act as this user (default: the first active city administrator of the city)"),
        )

    def handle(self, *args, **options):
        month = parse_month(options["month"])
        city = self._city(options["city"])
        user = self._user(options["username"], city)
        started = time.perf_counter()

        assessment = Assessment.objects.filter(city=city, month=month).first()
        if assessment is None:
            assessment = self._run(
                services.assessment_create, user=user, city=city, month=month, force_reason=options["force_reason"]
            )
            self.stdout.write(
                _("Opened %(month)s with rule set %(ruleset)s.")
                % {"month": f"{month:%Y-%m}", "ruleset": assessment.ruleset}
            )
        if assessment.status == AssessmentStatus.PUBLISHED:
            raise CommandError(
                _("%(month)s is already published: its results are final. Record corrections as adjustments.")
                % {"month": f"{month:%Y-%m}"}
            )
        summary = self._run(
            services.assessment_compute, user=user, assessment=assessment, force_reason=options["force_reason"]
        )
        computed = time.perf_counter() - started
        if assessment.is_preview:
            self.stdout.write(
                _("Month to date (through day %(day)s): a preview, which cannot be published before the month ends.")
                % {"day": assessment.preview_day}
            )
        self.stdout.write(
            _(
                "Computed %(month)s for %(city)s: %(sheets)s score sheets, %(deductions)s deduction lines, "
                "%(streets)s streets, in %(seconds).2f s."
            )
            % {
                "month": f"{month:%Y-%m}",
                "city": city.name,
                "sheets": summary.sheets,
                "deductions": summary.deductions,
                "streets": summary.streets,
                "seconds": computed,
            }
        )
        if options["publish"]:
            self._run(services.assessment_publish, user=user, assessment=assessment)
            self.stdout.write(
                _("Published %(month)s in %(seconds).2f s in all.")
                % {"month": f"{month:%Y-%m}", "seconds": time.perf_counter() - started}
            )

    def _run(self, service, **kwargs):
        try:
            return service(**kwargs)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        except (Conflict, NotPermitted) as exc:
            raise CommandError(str(exc.message))

    def _city(self, code: str | None) -> Unit:
        if code:
            city = Unit.objects.filter(level="city", code=code.strip()).first()
            if city is None:
                raise CommandError(_("No city has the division code %(code)s.") % {"code": code})
            return city
        ids = set(RuleSet.objects.values_list("city_id", flat=True))
        cities = list(Unit.objects.filter(level="city", id__in=ids).order_by("code"))
        if len(cities) == 1:
            return cities[0]
        if not cities:
            raise CommandError(_("No city has a rule set yet; create one first (or name the city with --city)."))
        raise CommandError(
            _("Several cities have rule sets (%(codes)s): name one with --city.")
            % {"codes": ", ".join(c.code for c in cities)}
        )

    def _user(self, username: str | None, city: Unit) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(_("No active user is called %(username)s.") % {"username": username})
            return user
        membership = (
            Membership.objects.filter(role=Role.CITY_ADMIN, unit=city, is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if membership is None:
            raise CommandError(
                _("%(city)s has no active city administrator to act as; name a user with --as.") % {"city": city.name}
            )
        return membership.user
