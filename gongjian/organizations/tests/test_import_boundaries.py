"""Unit boundaries imported from a GeoJSON FeatureCollection: by the command (manage.py
import_boundaries) and on the city office's upload page. A file with one bad feature changes
nothing and says which feature and why."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from gongjian.core.models import AuditEvent
from gongjian.organizations.boundaries import ring_around
from gongjian.organizations.models import UnitBoundary

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def shape(lat=29.3, lng=120.08, radius=0.002):
    return ring_around(lat, lng, radius=radius)


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def feature(code, geometry=None, **properties):
    return {"type": "Feature", "properties": {"code": code, **properties}, "geometry": geometry or shape()}


@pytest.fixture
def write(tmp_path):
    def _write(content: bytes) -> str:
        path = tmp_path / "boundaries.geojson"
        path.write_bytes(content)
        return str(path)

    return _write


def run(path, *args) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_boundaries", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored() -> dict[str, dict]:
    return {b.unit.code: b.geometry for b in UnitBoundary.objects.select_related("unit")}


def test_a_good_file_gives_each_named_unit_its_boundary_and_is_audited(small_city, write):
    c = small_city
    path = write(
        collection(feature(c.community_a1.code, name="甲一社区"), feature(c.compound_a1.code, shape(radius=0.0005)))
    )
    out, _err = run(path)
    assert "2 boundaries created, 0 updated, 0 unchanged" in out
    assert set(stored()) == {c.community_a1.code, c.compound_a1.code}
    assert stored()[c.community_a1.code] == shape()
    assert UnitBoundary.objects.get(unit=c.community_a1).vertex_count == 7
    events = AuditEvent.objects.filter(action="unit.boundary_set")
    assert events.count() == 2 and all(e.actor is None for e in events)  # the command acts as the system


def test_running_the_same_file_again_changes_nothing_and_a_new_shape_replaces_the_old(small_city, write):
    c = small_city
    run(write(collection(feature(c.community_a1.code))))
    out, _err = run(write(collection(feature(c.community_a1.code))))
    assert "0 boundaries created, 0 updated, 1 unchanged" in out
    assert AuditEvent.objects.filter(action="unit.boundary_set").count() == 1
    out, _err = run(write(collection(feature(c.community_a1.code, shape(radius=0.004)))))
    assert "0 boundaries created, 1 updated, 0 unchanged" in out
    assert stored()[c.community_a1.code] == shape(radius=0.004)
    assert AuditEvent.objects.filter(action="unit.boundary_set").count() == 2


def test_one_bad_feature_refuses_the_whole_file_naming_it(small_city, write):
    c = small_city
    run(write(collection(feature(c.community_a1.code))))
    before = stored()
    broken = shape()
    broken["coordinates"][0] = broken["coordinates"][0][:-1]
    path = write(collection(feature(c.community_a1.code, shape(radius=0.009)), feature(c.community_b1.code, broken)))
    with pytest.raises(CommandError, match="refused \\(problems: 1\\); nothing was changed"):
        run(path)
    assert stored() == before
    assert AuditEvent.objects.filter(action="unit.boundary_set").count() == 1


def test_the_refusal_names_the_feature_on_stderr(small_city, write, capsys):
    path = write(collection(feature("NO-SUCH-UNIT"), feature(small_city.community_a1.code)))
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_boundaries", path, stdout=StringIO(), stderr=err)
    assert "Feature 1 (NO-SUCH-UNIT): no unit with this code that you may change." in err.getvalue()
    assert not UnitBoundary.objects.exists()


def test_a_short_division_code_finds_the_unit_with_the_padded_code(small_city, write):
    unit = small_city.community_a1
    unit.code = "330106001000"
    unit.save()
    out, _err = run(
        write(collection({"type": "Feature", "properties": {"adcode": 330106001}, "geometry": shape()})),
        "--property",
        "adcode",
    )
    assert "1 boundaries created" in out
    assert UnitBoundary.objects.get().unit == unit


def test_a_dry_run_checks_and_counts_but_changes_nothing(small_city, write):
    out, _err = run(write(collection(feature(small_city.community_a1.code))), "--dry-run")
    assert "Dry run, nothing changed: 1 boundaries created" in out
    assert not UnitBoundary.objects.exists()


def test_a_missing_file_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="No file"):
        run(str(tmp_path / "nowhere.geojson"))


# --- the upload page ----------------------------------------------------------------------------


def signed_in(user, language="en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def upload(client, content: bytes, match_property="code"):
    return client.post(
        "/units/boundaries/",
        {"file": SimpleUploadedFile("边界.geojson", content, "application/geo+json"), "match_property": match_property},
    )


def test_the_city_office_uploads_a_file_and_sees_what_changed(people, small_city):
    client = signed_in(people.city_admin)
    assert client.get("/units/boundaries/").status_code == 200
    response = upload(client, collection(feature(small_city.community_a1.code), feature(small_city.street_a.code)))
    assert response.status_code == 302 and response["Location"] == "/units/boundaries/"
    page = client.get("/units/boundaries/").content.decode()
    assert "2 boundaries created, 0 updated, 0 unchanged." in page
    assert "2 units have a boundary on the map." in page
    event = AuditEvent.objects.filter(action="unit.boundary_set").first()
    assert event.actor == people.city_admin


def test_an_upload_with_a_bad_feature_lists_each_problem_and_changes_nothing(people, small_city):
    broken = {"type": "Polygon", "coordinates": [[[120, 29], [120.1, 29], [120, 29]]]}
    response = upload(
        signed_in(people.city_admin),
        collection(
            feature(small_city.community_a1.code), feature(small_city.community_b1.code, broken), feature("NOPE")
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The file was refused (1 problem); nothing was changed." in page
    assert (
        f"Feature 2 ({small_city.community_b1.code}): polygon 1, ring 1: a ring needs at least four positions" in page
    )
    assert not UnitBoundary.objects.exists()


def test_an_upload_naming_an_unknown_unit_changes_nothing(people, small_city):
    response = upload(signed_in(people.city_admin), collection(feature(small_city.community_a1.code), feature("NOPE")))
    assert response.status_code == 400
    assert "Feature 2 (NOPE): no unit with this code that you may change." in response.content.decode()
    assert not UnitBoundary.objects.exists()


def test_the_city_office_cannot_draw_another_citys_units(people, small_city):
    response = upload(signed_in(people.city_admin), collection(feature(small_city.other_community.code)))
    assert response.status_code == 400
    assert not UnitBoundary.objects.exists()


def test_the_upload_page_speaks_chinese_to_a_chinese_user(people, small_city):
    response = signed_in(people.city_admin, "zh-hans").post(
        "/units/boundaries/",
        {"file": SimpleUploadedFile("a.geojson", b"{not json", "application/json"), "match_property": "code"},
    )
    assert response.status_code == 400
    assert "文件被拒绝" in response.content.decode()


@pytest.mark.parametrize(
    "who", ["city_leader", "street_officer", "community_worker", "inspector", "volunteer", "outsider"]
)
def test_only_the_city_office_may_upload_boundaries(people, small_city, who):
    client = signed_in(getattr(people, who))
    assert client.get("/units/boundaries/").status_code == 403
    assert upload(client, collection(feature(small_city.community_a1.code))).status_code == 403
    assert not UnitBoundary.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(db):
    assert Client().get("/units/boundaries/").status_code == 302
