"""Control characters and lengths: every way text comes in cleans it the same way
(``gongjian.core.inputs``), and every export opens whatever was stored before."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.translation import gettext
from rest_framework import serializers

from gongjian.core.inputs import CONTROL_CHARACTERS_RE, clean_text
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.participation import services
from gongjian.participation.models import Volunteer
from gongjian.participation.tests.factories import phone
from gongjian.testing.captcha import solved_captcha
from gongjian.testing.excel import read_export
from tests.hostile.conftest import CONTROL, api_client, page_client

pytestmark = pytest.mark.django_db


def test_clean_text_keeps_tab_and_newline_and_removes_every_other_control_character():
    assert clean_text(f"a{CONTROL}b\tc\r\nd\re") == "ab\tc\nd\ne"
    assert CONTROL_CHARACTERS_RE.search(clean_text(CONTROL)) is None


def test_every_form_field_for_text_cleans_and_bounds_it():
    class AnyForm(forms.Form):
        short = forms.CharField(max_length=5)
        long = forms.CharField(widget=forms.Textarea)

    form = AnyForm({"short": "ab\x00c\x01", "long": "第一行\r\n第二行\x0b"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"short": "abc", "long": "第一行\n第二行"}
    assert not AnyForm({"short": "a", "long": "x" * 10_001}).is_valid()


def test_every_serializer_field_for_text_cleans_and_bounds_it():
    class AnySerializer(serializers.Serializer):
        text = serializers.CharField()

    s = AnySerializer(data={"text": "ab\x00c\x1f\r\n"})
    assert s.is_valid(), s.errors
    assert s.validated_data["text"] == "abc"
    assert not AnySerializer(data={"text": "x" * 10_001}).is_valid()


def test_a_control_character_typed_on_the_public_sign_up_page_is_never_stored(small_city, hostile_name):
    client = page_client()
    response = client.post(
        "/participation/volunteers/sign-up/",
        {
            "community": small_city.community_a1.pk,
            "name": hostile_name,
            "phone": phone(9),
            "party_status": "none",
            **solved_captcha(client),
        },
    )
    assert response.status_code == 302
    assert Volunteer.objects.get().name == "张三[31m"


def test_a_control_character_sent_to_the_api_is_never_stored(small_city, people):
    response = api_client(people.community_worker).post(
        "/api/v1/volunteers/",
        {"community": small_city.community_a1.pk, "name": "李\x00四\x01", "phone": phone(3), "skills": "摄影\x1b"},
        format="json",
    )
    assert response.status_code == 201, response.content
    volunteer = Volunteer.objects.get()
    assert (volunteer.name, volunteer.skills) == ("李四", "摄影")


def test_a_control_character_in_an_imported_file_is_never_stored(small_city, people):
    content = f"姓名,手机号,工作单位\n王\x01五,{phone(5)},市\x02税务局\x1b\n".encode()
    batch, _report = services.import_upload(
        user=people.community_worker, community=small_city.community_a1, filename="v.csv", content=content
    )
    services.import_confirm(user=people.community_worker, batch=batch)
    assert list(Volunteer.objects.values_list("name", "work_unit")) == [("王五", "市税务局")]


def test_a_csv_field_of_any_size_is_a_row_error_not_a_server_error(small_city, people):
    content = ("姓名,手机号\n张一," + phone(1) + "\n" + '"' + "长" * 200_000 + '",' + phone(2) + "\n").encode()
    batch, report = services.import_upload(
        user=people.community_worker, community=small_city.community_a1, filename="v.csv", content=content
    )
    assert (report.valid, report.error_count) == (1, 1)


# --- whatever was stored before the door was closed, every export still opens ---------------------------------------


@pytest.fixture
def stored_with_control_characters(small_city, people):
    """Rows written before text was cleaned at the door, straight into the tables."""
    from gongjian.participation.tests.factories import volunteer

    v = volunteer(people.community_worker, small_city.community_a1, name="志愿者")
    Volunteer.objects.filter(pk=v.pk).update(name="张\x01三", skills="\x07摄影")
    ProblemFactory(unit=small_city.compound_a1, description="楼道\x01堆物\x1f", address="3幢\x0b")
    return v


@pytest.mark.parametrize("who", ["city_admin", "street_officer", "community_worker"])
def test_every_excel_export_opens_whatever_control_characters_were_stored(people, stored_with_control_characters, who):
    client = page_client(getattr(people, who))
    volunteers = client.get("/participation/volunteers/export.xlsx")
    assert volunteers.status_code == 200
    assert read_export(volunteers.content).rows[0][0] == "张三"
    problems = client.get("/problems/export.xlsx")
    assert problems.status_code == 200
    assert read_export(problems.content).column(gettext("Description")) == ["楼道堆物"]
    assert client.get("/participation/volunteers/export.csv").status_code == 200


def test_the_problem_export_writes_stored_text_without_the_characters_excel_cannot_hold(people, small_city):
    ProblemFactory(unit=small_city.compound_a1, description="a\x01b\tc\nd")
    exported = read_export(page_client(people.city_admin).get("/problems/export.xlsx").content)
    assert exported.column(gettext("Description")) == ["ab\tc\nd"]


def test_text_longer_than_its_column_on_a_page_without_a_form_is_a_message_not_a_database_error(small_city, people):
    """The roster page reads its small forms itself; a 5,000-character area used to reach the
    database and answer 500 on PostgreSQL ("value too long")."""
    from gongjian.participation.models import TeamMember
    from gongjian.participation.tests.factories import volunteer

    member = volunteer(people.community_worker, small_city.community_a1)
    response = page_client(people.community_worker).post(
        f"/participation/teams/{small_city.community_a1.pk}/",
        {"action": "member", "volunteer": member.pk, "kind": "persuasion", "area": "长" * 5000, "schedule": "周一"},
    )
    assert response.status_code in (200, 302)
    assert not TeamMember.objects.exists()
