"""manage.py assess: open, compute and publish a month from the command line, and its clear refusals."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongjian.accounts.choices import Role
from gongjian.assessments import services
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Assessment, ScoreSheet
from gongjian.assessments.tests.test_importexport import make_ruleset
from gongjian.core.models import AuditEvent
from gongjian.testing.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def assess(*args) -> str:
    out = StringIO()
    call_command("assess", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def ruleset(people, small_city):
    return make_ruleset(people.city_admin, small_city.city)


def test_the_command_opens_and_computes_a_month_and_says_how_long_it_took(people, small_city, ruleset):
    output = assess("--month", "2026-03")
    assessment = Assessment.objects.get()
    assert (assessment.month, assessment.status) == (datetime.date(2026, 3, 1), AssessmentStatus.COMPUTED)
    assert ScoreSheet.objects.filter(assessment=assessment).count() == 5
    assert "2026-03" in output and " 5 " in output
    assert re.search(r"\d+\.\d\d", output), "the time taken is reported"
    event = AuditEvent.objects.get(action="assessment.compute")
    assert event.actor_id == people.city_admin.pk


def test_the_command_recomputes_a_month_that_exists(people, small_city, ruleset):
    services.assessment_create(user=people.city_admin, city=small_city.city, month=datetime.date(2026, 3, 1))
    assess("--month", "2026-03")
    assess("--month", "2026-03")
    assert Assessment.objects.get().status == AssessmentStatus.COMPUTED
    assert AuditEvent.objects.filter(action="assessment.compute").count() == 2


def test_the_command_publishes_with_publish(people, small_city, ruleset):
    assess("--month", "2026-03", "--publish", "--city", small_city.city.code)
    assessment = Assessment.objects.get()
    assert assessment.status == AssessmentStatus.PUBLISHED
    assert assessment.published_by == people.city_admin


def test_the_command_acts_as_the_user_it_is_given(people, small_city, ruleset):
    root = UserFactory(username="root", is_superuser=True)
    assess("--month", "2026-03", "--as", "root")
    assert AuditEvent.objects.get(action="assessment.compute").actor_id == root.pk


def test_a_published_month_is_refused(people, small_city, ruleset):
    assess("--month", "2026-03", "--publish")
    with pytest.raises(CommandError, match="2026-03"):
        assess("--month", "2026-03")
    assert Assessment.objects.get().status == AssessmentStatus.PUBLISHED


def test_a_month_without_a_rule_set_in_force_is_refused(people, small_city, ruleset):
    with pytest.raises(CommandError, match="2025-12"):
        assess("--month", "2025-12")
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("month", ["2026-13", "march", "2026-3"])
def test_a_malformed_month_is_refused(people, ruleset, month):
    with pytest.raises(CommandError, match=month):
        assess("--month", month)


def test_an_unknown_city_is_refused(people, ruleset):
    with pytest.raises(CommandError, match="999999"):
        assess("--month", "2026-03", "--city", "999999")


def test_without_a_city_the_only_city_with_rule_sets_is_used_and_several_are_refused(people, small_city, ruleset):
    other_admin = user_with_role(Role.CITY_ADMIN, unit=small_city.other_city, username="other_admin")
    make_ruleset(other_admin, small_city.other_city)
    with pytest.raises(CommandError, match=small_city.other_city.code):
        assess("--month", "2026-03")
    assess("--month", "2026-03", "--city", small_city.other_city.code)
    assert Assessment.objects.get().city == small_city.other_city


def test_a_city_without_an_administrator_needs_a_user(people, small_city, ruleset):
    people.city_admin.memberships.update(is_active=False)
    with pytest.raises(CommandError, match="--as"):
        assess("--month", "2026-03")
    with pytest.raises(CommandError, match="nobody"):
        assess("--month", "2026-03", "--as", "nobody")


def test_a_user_without_the_permission_is_refused(people, small_city, ruleset):
    with pytest.raises(CommandError):
        assess("--month", "2026-03", "--as", people.community_worker.username)
    assert not Assessment.objects.exists()


def test_the_help_says_how_to_schedule_it_monthly():
    from gongjian.assessments.management.commands.assess import Command

    assert "0 2 1 * *" in Command().help
    assert "--as" in Command().help


def test_the_running_month_is_a_preview_the_command_will_not_publish_unless_closed_early(people, small_city, ruleset):
    month = datetime.date.today().strftime("%Y-%m")
    with pytest.raises(CommandError):
        assess("--month", month, "--publish")
    assessment = Assessment.objects.get()
    assert (assessment.status, assessment.is_preview) == (AssessmentStatus.COMPUTED, True)
    assess("--month", month, "--publish", "--force-reason", "省检前提前结算")
    assessment.refresh_from_db()
    assert (assessment.status, assessment.early_close_reason) == (AssessmentStatus.PUBLISHED, "省检前提前结算")


def test_a_month_not_started_opens_only_with_a_reason(people, small_city, ruleset):
    later = (datetime.date.today().replace(day=1) + datetime.timedelta(days=40)).strftime("%Y-%m")
    with pytest.raises(CommandError):
        assess("--month", later)
    assert not Assessment.objects.exists()
