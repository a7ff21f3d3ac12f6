"""The demo's year of participation: varied activities in most communities, clean-ups only in a
few, volunteer1 in community1 with hours, unit1's unit paired with community1; idempotent."""

import pytest

from gongjian.accounts.access import actor_for
from gongjian.accounts.models import User
from gongjian.demo.city import build_demo_city
from gongjian.demo.participation import build_demo_participation
from gongjian.participation import privacy, selectors
from gongjian.participation.models import Activity, Volunteer

pytestmark = pytest.mark.django_db


def test_the_demo_year_is_varied_flags_single_kind_communities_and_is_idempotent():
    build_demo_city()
    created = build_demo_participation()
    assert created > 500
    assert build_demo_participation() == 0
    assert Activity.objects.count() == created

    volunteer1 = User.objects.get(username="volunteer1")
    record = Volunteer.objects.get(user=volunteer1)
    assert record.community == volunteer1.memberships.get().unit
    _lines, total = selectors.volunteer_service(volunteer=record)
    assert total > 0
    assert all(
        privacy.id_number_problem(privacy.decrypt_id_number(v.id_number_token)) is None
        for v in Volunteer.objects.exclude(id_number_token="")[:50]
    )

    admin = actor_for(User.objects.get(username="city"))
    from django.utils import timezone

    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    rows = selectors.diversity_table(actor=admin, year=today.year, quarter=quarter)
    flagged = [r for r in rows if r.result.single_kind]
    assert 0 < len(flagged) < len(rows) / 2

    unit1 = User.objects.get(username="unit1")
    liaison = actor_for(unit1)
    community1 = User.objects.get(username="community1").memberships.get().unit
    assert selectors.pairings_visible(actor=liaison).filter(community=community1).exists()
    ranking = selectors.participation_ranking(actor=admin, month=today.replace(day=1))
    assert len(ranking) >= 30 and any(r.result.perfunctory for r in ranking)
