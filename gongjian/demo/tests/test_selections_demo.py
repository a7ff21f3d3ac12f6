"""The demo's 评选: this year's selection in its voting period (approved nominees with votes, one
refused, one waiting, a burst flagged for the office), last year's final with winners filed in the
archive; made through the services (audited), the pages answer the right people; idempotent."""

import pytest
from django.test import Client

from gongjian.accounts.models import User
from gongjian.archives import services as archives
from gongjian.archives.choices import EvidenceKind, Interval
from gongjian.archives.models import Evidence
from gongjian.archives.services import RequirementIn, SectionIn
from gongjian.archives.tests.factories import archive_ruleset, item
from gongjian.core.models import AuditEvent
from gongjian.demo.city import build_demo_city
from gongjian.demo.selections import build_demo_selections
from gongjian.selections.choices import AnomalyStatus, NomineeStatus
from gongjian.selections.models import Nominee, Selection, Vote, VoteAnomaly
from gongjian.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_selections(django_capture_on_commit_callbacks):
    build_demo_city()
    office = User.objects.get(username="city")
    # A published template asking for activity records, as the demo's archive has (winners file there).
    ruleset = archive_ruleset(office, office.memberships.get().unit)
    requirement = RequirementIn(description="活动记录", kinds=(EvidenceKind.ACTIVITY,), interval=Interval.MONTHLY)
    template = archives.template_create(
        user=office,
        ruleset=ruleset,
        name="活动",
        sections=[SectionIn(title="活动", rule_item=item(ruleset, "3.2"), requirements=(requirement,))],
    )
    archives.template_publish(user=office, template=template)
    with django_capture_on_commit_callbacks(execute=True):
        assert build_demo_selections() == 2
    current, last = Selection.objects.order_by("-voting_from")
    return current, last


def signed_in(username_or_user) -> Client:
    user = username_or_user if isinstance(username_or_user, User) else User.objects.get(username=username_or_user)
    client = Client()
    client.force_login(user)
    return client


def test_this_years_selection_is_voting_with_approved_nominees_and_a_burst_to_decide(demo_selections):
    current, _last = demo_selections
    assert current.finalised_at is None and current.voting_from < current.voting_until
    nominees = Nominee.objects.filter(category__selection=current)
    statuses = list(nominees.values_list("status", flat=True))
    assert statuses.count(NomineeStatus.REJECTED) == 1 and statuses.count(NomineeStatus.PENDING) == 1
    assert statuses.count(NomineeStatus.APPROVED) >= 6
    assert {n.community.name for n in nominees} == {"和平社区", "团结社区"}  # community1's and community2's own
    votes = Vote.objects.filter(category__selection=current)
    assert 100 <= votes.count() <= 300 and votes.values("voter_hash").distinct().count() == votes.count()
    assert not votes.exclude(nominee__status=NomineeStatus.APPROVED).exists()
    anomaly = VoteAnomaly.objects.get(selection=current)
    assert anomaly.status == AnomalyStatus.OPEN and anomaly.kind == "address" and anomaly.vote_count >= 20
    assert anomaly.votes.filter(nominee__name="赵志勇").count() == anomaly.vote_count
    assert AuditEvent.objects.filter(action="selection.vote").count() == Vote.objects.count()
    assert AuditEvent.objects.filter(action="nominee.submit").count() == Nominee.objects.count()


def test_last_years_selection_is_final_with_winners_filed_in_the_archive(demo_selections):
    _current, last = demo_selections
    assert last.finalised_at is not None and last.finalised_at.date().year == last.voting_until.year
    assert last.finalised_at.date() > last.voting_until
    winners = Nominee.objects.filter(category__selection=last, is_winner=True)
    assert winners.count() == 6  # two places in each of three awards
    assert all(w.votes_counted > 0 for w in winners)
    assert VoteAnomaly.objects.get(selection=last).status == AnomalyStatus.EXCLUDED
    filed = Evidence.objects.filter(source="selection", is_current=True)
    assert set(filed.values_list("source_id", flat=True)) == set(winners.values_list("pk", flat=True))
    assert all(e.date.year == last.voting_until.year for e in filed)


def test_the_pages_answer_the_office_the_communities_and_the_public_and_404_the_outsider(demo_selections):
    current, last = demo_selections
    outsider = UserFactory(username="charlie")
    for selection in (current, last):
        assert signed_in("city").get(f"/selections/office/{selection.pk}/").status_code == 200
        assert Client().get(f"/selections/{selection.pk}/").status_code == 200  # public, no account
        for user in ("community1", "street1", outsider):
            assert signed_in(user).get(f"/selections/office/{selection.pk}/").status_code == 404
    page = signed_in("city").get(f"/selections/office/{current.pk}/").content.decode()
    assert "赵志勇" in page and "198.51.100" in page  # the burst, with its masked address
    assert signed_in("community1").get(f"/selections/{current.pk}/nominate/").status_code == 200
    assert signed_in(outsider).get(f"/selections/{current.pk}/nominate/").status_code == 404
    assert "陈秀英" in Client().get(f"/selections/{current.pk}/").content.decode()


def test_running_it_again_creates_nothing(demo_selections):
    counts = (Selection.objects.count(), Nominee.objects.count(), Vote.objects.count(), AuditEvent.objects.count())
    assert build_demo_selections() == 0
    assert (
        Selection.objects.count(),
        Nominee.objects.count(),
        Vote.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
