"""The demo's environment competition: made through the services, scored with a tie, published and
filed in the archive; idempotent."""

import pytest

from gongjian.accounts.models import User
from gongjian.archives.models import Evidence
from gongjian.archives.tests.factories import archive_ruleset, published_template
from gongjian.competitions.models import Competition, Entry, Participant
from gongjian.demo.city import build_demo_city
from gongjian.demo.competitions import build_demo_competitions

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_published_competition_with_a_tie(django_capture_on_commit_callbacks):
    build_demo_city()
    office = User.objects.get(username="city")
    published_template(office, archive_ruleset(office, office.memberships.get().unit))
    with django_capture_on_commit_callbacks(execute=True):
        assert build_demo_competitions() == 1
    competition = Competition.objects.get()
    assert competition.status == "published" and competition.participants.count() == 8
    assert Entry.objects.count() == 24
    ranks = list(Participant.objects.order_by("rank_city").values_list("rank_city", flat=True))
    assert ranks[0] == 1 and len(ranks) != len(set(ranks))  # two units share a rank
    assert Participant.objects.filter(cobuild_unit__name="市财政局").exists()  # unit1's own unit
    assert build_demo_competitions() == 0 and Competition.objects.count() == 1
    assert Evidence.objects.get(source="compet").title.endswith(competition.name)  # the ranking, filed
