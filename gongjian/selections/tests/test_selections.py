"""评选 end to end: the office creates a selection; a community nominates its own (outsiders and
other communities 404 / refused); the office approves; the public votes once a day per device with
a captcha; a burst from one address is reported and its votes only leave the results when the
office excludes them; the final results count, and the winners reach the board and the archive."""

from __future__ import annotations

import datetime
import re

import pytest
from captcha.models import CaptchaStore
from django.test import Client, RequestFactory
from django.utils import timezone

from gongjian.archives import services as archives
from gongjian.archives.choices import EvidenceKind, Interval
from gongjian.archives.models import Evidence
from gongjian.archives.services import RequirementIn, SectionIn
from gongjian.archives.tests.factories import archive_ruleset, item
from gongjian.core.errors import Conflict
from gongjian.core.models import AuditEvent
from gongjian.inspections.tests.factories import jpeg_bytes
from gongjian.residents.limits import device_id
from gongjian.selections import services
from gongjian.selections.choices import AnomalyStatus, NomineeStatus
from gongjian.selections.models import Nominee, Selection, Vote, VoteAnomaly

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def selection(people, small_city) -> Selection:
    response = signed_in(people.city_admin).post(
        "/selections/office/",
        {
            "title": "2026年文明家庭评选",
            "kinds": ["family", "neighbour"],
            "nomination_from": TODAY - datetime.timedelta(days=3),
            "nomination_until": TODAY,
            "voting_from": TODAY,
            "voting_until": TODAY + datetime.timedelta(days=3),
            "winners_per_category": 1,
        },
    )
    assert response.status_code == 302
    return Selection.objects.get()


def nominate(people, small_city, selection, name, kind="family", community=None) -> Nominee:
    return services.nominee_submit(
        user=people.community_worker,
        category=selection.categories.get(kind=kind),
        community=community or small_city.community_a1,
        name=name,
        story="三代同堂，邻里和睦。",
        photos=[jpeg_bytes(gps=(30.25, 120.15))],
    )


@pytest.fixture
def nominees(people, small_city, selection):
    out = [nominate(people, small_city, selection, name) for name in ("张家", "李家")]
    for nominee in out:
        services.nominee_decide(user=people.city_admin, nominee=nominee, approve=True)
    return out


def solved(client, selection, category) -> dict:
    page = client.get(f"/selections/{selection.pk}/").content.decode()
    key = re.search(rf'name="c{category.pk}-captcha_0" value="([0-9a-f]+)"', page).group(1)
    return {
        f"c{category.pk}-captcha_0": key,
        f"c{category.pk}-captcha_1": CaptchaStore.objects.get(hashkey=key).response,
    }


def vote_url(selection, category) -> str:
    return f"/selections/{selection.pk}/vote/{category.pk}/"


def test_a_community_nominates_its_own_and_the_photos_lose_their_exif(people, small_city, selection):
    client = signed_in(people.community_worker)
    page = client.get(f"/selections/{selection.pk}/nominate/").content.decode()
    assert "甲一社区" in page and "乙一社区" not in page
    family = selection.categories.get(kind="family")
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"category": family.pk, "community": small_city.community_a1.pk, "name": "王家", "story": "热心公益"}
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(gps=(30.25, 120.15)), content_type="image/jpeg")
    assert client.post(f"/selections/{selection.pk}/nominate/", {**data, "photos": photo}).status_code == 302
    nominee = Nominee.objects.get(name="王家")
    assert nominee.status == NomineeStatus.PENDING and nominee.community == small_city.community_a1
    stored = nominee.photos.get().file.read()
    assert b"Exif" not in stored and b"GPS" not in stored
    # Another community's place is not a choice; the outsider and the street have no page.
    other = {**data, "community": small_city.community_b1.pk, "name": "赵家"}
    assert client.post(f"/selections/{selection.pk}/nominate/", other).status_code == 400
    assert not Nominee.objects.filter(name="赵家").exists()
    for user in (people.outsider, people.street_officer):
        assert signed_in(user).get(f"/selections/{selection.pk}/nominate/").status_code == 404
    # A pending nominee's photo is not public.
    assert Client().get(f"/selections/photos/{nominee.photos.get().pk}/thumb/").status_code == 404


def test_only_the_city_office_runs_the_selection(people, selection, nominees):
    for user in (people.outsider, people.community_worker, people.street_officer, people.city_leader):
        client = signed_in(user)
        assert client.get(f"/selections/office/{selection.pk}/").status_code == 404
        assert client.post(f"/selections/office/{selection.pk}/finalise/").status_code == 404
        assert client.post(f"/selections/office/nominees/{nominees[0].pk}/decide/", {"approve": "0"}).status_code == 404
    assert Nominee.objects.get(pk=nominees[0].pk).status == NomineeStatus.APPROVED


def test_a_vote_needs_the_captcha(selection, nominees):
    family = selection.categories.get(kind="family")
    client = Client()
    response = client.post(vote_url(selection, family), {f"c{family.pk}-nominee": nominees[0].pk})
    assert response.status_code == 400 and not Vote.objects.exists()
    wrong = {**solved(client, selection, family), f"c{family.pk}-captcha_1": "WRONG"}
    response = client.post(vote_url(selection, family), {f"c{family.pk}-nominee": nominees[0].pk, **wrong})
    assert response.status_code == 400 and not Vote.objects.exists()


def test_one_vote_per_device_and_award_a_day(selection, nominees):
    family = selection.categories.get(kind="family")
    client = Client()
    first = {f"c{family.pk}-nominee": nominees[0].pk, **solved(client, selection, family)}
    assert client.post(vote_url(selection, family), first).status_code == 302
    again = {f"c{family.pk}-nominee": nominees[1].pk, **solved(client, selection, family)}
    response = client.post(vote_url(selection, family), again)
    assert response.status_code == 409 and "明天" in response.content.decode()
    assert Vote.objects.count() == 1
    vote = Vote.objects.get()
    assert vote.voter_hash and "127.0.0.1" not in (vote.voter_hash + vote.address_hash + vote.address_label)
    # Another device may vote; the same device again tomorrow.
    other = Client()
    assert other.post(vote_url(selection, family), {**again, **solved(other, selection, family)}).status_code == 302
    request = RequestFactory().get("/")
    request.COOKIES["gj_device"] = client.cookies["gj_device"].value
    raw = device_id(request)
    assert not request._gj_device_new
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    services.vote_cast(category=family, nominee=nominees[1], device_id=raw, address="127.0.0.1", now=tomorrow)
    with pytest.raises(Conflict):
        services.vote_cast(category=family, nominee=nominees[1], device_id=raw, address="127.0.0.1", now=tomorrow)


def burst(selection, nominee, *, address, n, start):
    for i in range(n):
        services.vote_cast(
            category=nominee.category,
            nominee=nominee,
            device_id=f"{address}-{i}",
            address=address,
            now=start + datetime.timedelta(seconds=10 * i),
        )


@pytest.fixture
def an_archive_template(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    template = archives.template_create(
        user=people.city_admin,
        ruleset=ruleset,
        name="活动",
        sections=[
            SectionIn(
                title="活动",
                rule_item=item(ruleset, "3.2"),
                requirements=(
                    RequirementIn(description="活动记录", kinds=(EvidenceKind.ACTIVITY,), interval=Interval.MONTHLY),
                ),
            )
        ],
    )
    archives.template_publish(user=people.city_admin, template=template)


def test_a_burst_is_reported_and_only_excluded_when_the_office_decides(
    people, small_city, selection, nominees, an_archive_template
):
    zhang, li = nominees
    now = timezone.now()
    burst(selection, li, address="203.0.113.7", n=25, start=now)  # one address, within five minutes
    for i in range(5):
        services.vote_cast(
            category=zhang.category, nominee=zhang, device_id=f"home-{i}", address=f"198.51.{i}.9", now=now
        )
    office = signed_in(people.city_admin)
    assert office.post(f"/selections/office/{selection.pk}/scan/").status_code == 302
    anomaly = VoteAnomaly.objects.get(kind="address")
    assert anomaly.vote_count == 25 and anomaly.source_label == "203.0.113.*"
    assert services.counts(selection) == {zhang.pk: 5, li.pk: 25}  # reported, not yet excluded
    page = office.get(f"/selections/office/{selection.pk}/").content.decode()
    assert "203.0.113.*" in page and "203.0.113.7" not in page

    # Before the voting period ends, the results cannot be final.
    with pytest.raises(Conflict):
        services.selection_finalise(user=people.city_admin, selection=selection)
    after = selection.voting_until + datetime.timedelta(days=1)
    with pytest.raises(Conflict):  # an open burst must be decided first
        services.selection_finalise(user=people.city_admin, selection=selection, today=after)

    office.post(f"/selections/office/bursts/{anomaly.pk}/decide/", {"exclude": "1"})
    for other in VoteAnomaly.objects.exclude(pk=anomaly.pk):  # its /24 as well
        services.anomaly_decide(user=people.city_admin, anomaly=other, exclude=False)
    assert VoteAnomaly.objects.get(pk=anomaly.pk).status == AnomalyStatus.EXCLUDED
    assert services.counts(selection) == {zhang.pk: 5, li.pk: 0}
    assert AuditEvent.objects.filter(action="selection.burst_decide", actor=people.city_admin).exists()

    services.selection_finalise(user=people.city_admin, selection=selection, today=after)
    zhang.refresh_from_db(), li.refresh_from_db()
    assert (zhang.votes_counted, zhang.is_winner, li.votes_counted, li.is_winner) == (5, True, 0, False)

    public = Client().get(f"/selections/{selection.pk}/").content.decode()
    assert "5 票" in public or "5票" in public
    board = Client().get(f"/board/{small_city.city.pk}/").content.decode()
    assert 'id="board-winners"' in board and "张家" in board and "李家" not in board

    record = Evidence.objects.get(source="selection", source_id=zhang.pk, is_current=True)
    assert record.kind == EvidenceKind.ACTIVITY and record.unit == small_city.community_a1
    assert "张家" in record.title and record.files.count() == 1
    assert not Evidence.objects.filter(source="selection", source_id=li.pk).exists()


def test_votes_outside_the_period_or_for_an_unapproved_nominee_are_refused(people, small_city, selection, nominees):
    pending = nominate(people, small_city, selection, "孙家")
    family = selection.categories.get(kind="family")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.vote_cast(category=family, nominee=pending, device_id="d", address="127.0.0.1")
    late = timezone.now() + datetime.timedelta(days=10)
    with pytest.raises(Conflict):
        services.vote_cast(category=family, nominee=nominees[0], device_id="d", address="127.0.0.1", now=late)
    assert not Vote.objects.exists()
