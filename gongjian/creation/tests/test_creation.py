"""Creation targets through the services and the API: applying, the self-assessment, the city's
review and certificate (audited), goals and progress, and scope (the outsider, a sibling community,
the liaison's own unit)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gongjian.archives.tests.factories import jpeg
from gongjian.core.audit import AuditEvent
from gongjian.core.errors import NotPermitted
from gongjian.creation import services
from gongjian.creation.models import CreationTarget

pytestmark = pytest.mark.django_db
LIST = "/api/v1/creation-targets/"


def api(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def targets(people, small_city):
    cobuild = small_city.community_b1.pairings.get().cobuild_unit
    return {
        "a1": services.target_apply(
            user=people.community_worker, community=small_city.community_a1, kind="civ_community", year=2026
        ),
        "a2": services.target_apply(
            user=people.street_officer, community=small_city.community_a2, kind="san_community", year=2026
        ),
        "unit": services.target_apply(user=people.liaison, cobuild_unit=cobuild, kind="sanhua", year=2026),
    }


def test_a_community_goes_from_application_to_a_certified_result(people, targets):
    worker, city = api(people.community_worker), api(people.city_admin)
    target = targets["a1"]
    assert target.stage == "applied" and all(row["met"] is None for row in target.checklist)
    n = len(target.checklist)
    too_early = post(city, f"{LIST}{target.pk}/review/", {"action": "pass"})
    assert too_early.status_code == 400
    half = post(worker, f"{LIST}{target.pk}/self-assess/", {"answers": [True] * (n - 1)})
    assert half.status_code == 400 and "answers" in half.json()
    done = post(worker, f"{LIST}{target.pk}/self-assess/", {"answers": [True] * (n - 1) + [False], "text": "自查"})
    assert done.status_code == 200 and done.json()["stage"] == "self_assessed"
    assert post(worker, f"{LIST}{target.pk}/review/", {"action": "pass"}).status_code == 403
    returned = post(city, f"{LIST}{target.pk}/review/", {"action": "return", "note": "第4项补充材料"})
    assert returned.json()["stage"] == "applied"
    post(worker, f"{LIST}{target.pk}/self-assess/", {"answers": [True] * n})
    passed = post(city, f"{LIST}{target.pk}/review/", {"action": "pass", "result_on": "2026-01-01"})
    assert passed.status_code == 400  # before the application
    passed = post(city, f"{LIST}{target.pk}/review/", {"action": "pass"})
    assert passed.json()["stage"] == "passed" and passed.json()["result_on"]
    bad = city.post(f"{LIST}{target.pk}/certificate/", {"file": SimpleUploadedFile("证书.exe", b"MZ\x90\x00")})
    assert bad.status_code == 400 and not CreationTarget.objects.get(pk=target.pk).certificate
    good = city.post(f"{LIST}{target.pk}/certificate/", {"file": SimpleUploadedFile("证书.jpg", jpeg(seed=5))})
    assert good.status_code == 200 and good.json()["has_certificate"]
    actions = list(
        AuditEvent.objects.filter(target_type="creation.creationtarget", target_id=str(target.pk))
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )
    assert [a[0] for a in actions] == [
        "creation.apply",
        "creation.self_assess",
        "creation.return",
        "creation.self_assess",
        "creation.pass",
        "creation.certify",
    ]
    assert actions[2][1:] == ("self_assessed", "applied")


def test_applying_is_checked(people, small_city, targets):
    with pytest.raises(ValidationError):  # once per unit, standard and year
        services.target_apply(
            user=people.community_worker, community=small_city.community_a1, kind="civ_community", year=2026
        )
    with pytest.raises(ValidationError):  # a unit standard is not for a community
        services.target_apply(user=people.community_worker, community=small_city.community_a1, kind="sanhua", year=2026)
    with pytest.raises(ValidationError):
        services.target_apply(user=people.community_worker, community=small_city.community_a1, kind="x", year=2026)
    with pytest.raises(NotPermitted):  # a sibling community
        services.target_apply(
            user=people.community_worker, community=small_city.community_a2, kind="civ_community", year=2026
        )
    with pytest.raises(NotPermitted):
        services.target_apply(user=people.outsider, community=small_city.community_a1, kind="gar_community", year=2026)
    response = post(api(people.community_worker), LIST, {"kind": "gar_community", "year": 2026})
    assert response.status_code == 400
    response = post(
        api(people.community_worker),
        LIST,
        {"kind": "gar_community", "year": 2026, "community": small_city.community_a1.pk},
    )
    assert response.status_code == 201 and response.json()["stage"] == "applied"


@pytest.mark.parametrize(
    "who, sees",
    [
        ("community_worker", {"a1"}),
        ("street_officer", {"a1", "a2"}),
        ("city_leader", {"a1", "a2", "unit"}),
        ("liaison", {"unit"}),
        ("outsider", set()),
        ("volunteer", set()),
    ],
)
def test_each_sees_the_targets_of_their_scope(people, targets, who, sees):
    client = api(getattr(people, who))
    response = client.get(LIST)
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {targets[name].pk for name in sees}
    for name, target in targets.items():
        assert client.get(f"{LIST}{target.pk}/").status_code == (200 if name in sees else 404)


def test_the_city_sets_the_years_goals_and_sees_its_progress(people, targets):
    city = api(people.city_admin)
    assert post(city, f"{LIST}goals/", {"year": 2026, "kind": "civ_community", "count": 3}).status_code == 200
    assert post(city, f"{LIST}goals/", {"year": 2026, "kind": "civ_community", "count": -1}).status_code == 400
    assert (
        post(api(people.street_officer), f"{LIST}goals/", {"year": 2026, "kind": "civ_unit", "count": 1}).status_code
        == 403
    )
    worker = api(people.community_worker)
    n = len(targets["a1"].checklist)
    post(worker, f"{LIST}{targets['a1'].pk}/self-assess/", {"answers": [True] * n})
    post(city, f"{LIST}{targets['a1'].pk}/review/", {"action": "pass"})
    rows = {row["kind"]: row for row in api(people.city_leader).get(f"{LIST}progress/?year=2026").json()}
    assert rows["civ_community"]["goal"] == 3 and rows["civ_community"]["passed"] == 1
    assert rows["civ_community"]["remaining"] == 2 and rows["san_community"]["by_stage"]["applied"] == 1
    assert rows["sanhua"]["by_stage"]["applied"] == 1
    assert api(people.community_worker).get(f"{LIST}progress/?year=2026").status_code == 403
    assert api(people.outsider).get(f"{LIST}progress/?year=2026").status_code == 403
    assert AuditEvent.objects.filter(action="creation.goal", to_state="3").exists()


def test_the_liaison_keeps_its_own_units_target_only(people, small_city, targets):
    from gongjian.testing.factories import PairingFactory

    other = PairingFactory(community=small_city.community_a1).cobuild_unit
    with pytest.raises(NotPermitted):
        services.target_apply(user=people.liaison, cobuild_unit=other, kind="civ_unit", year=2026)
    n = len(targets["unit"].checklist)
    response = post(api(people.liaison), f"{LIST}{targets['unit'].pk}/self-assess/", {"answers": [False] * n})
    assert response.status_code == 200 and response.json()["stage"] == "self_assessed"
    assert post(api(people.liaison), f"{LIST}{targets['a1'].pk}/self-assess/", {"answers": []}).status_code == 404


def test_the_self_assessment_takes_a_note_per_item_through_the_api(people, targets):
    worker = api(people.community_worker)
    target = targets["a1"]
    n = len(target.checklist)
    uneven = post(worker, f"{LIST}{target.pk}/self-assess/", {"answers": [True] * n, "notes": ["只有一条"]})
    assert uneven.status_code == 400 and "notes" in uneven.json()
    assert CreationTarget.objects.get(pk=target.pk).stage == "applied"
    notes = [f"说明{i}" for i in range(n)]
    done = post(worker, f"{LIST}{target.pk}/self-assess/", {"answers": [True] * n, "notes": notes})
    assert done.status_code == 200 and [row["note"] for row in done.json()["checklist"]] == notes
    assert api(people.street_officer).get(f"{LIST}{targets['a2'].pk}/").json()["checklist"][0]["note"] == ""
