"""The "held" page keeps the photos of a refused submit: each is kept on the server (as the field
app's photos sent ahead), shown as a preview and sent back by its token, so a second try needs no
second choice of photo; someone else's kept photo cannot be used; a file that is no photo is not kept."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gongjian.inspections import fieldwork
from gongjian.inspections.models import PhotoUpload
from gongjian.participation.tests.factories import activity, jpeg_bytes, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(small_city, people, settings):
    # The held page's photos on their own: the plan (方案) required before holding is tested in test_activity_plans.py.
    settings.ACTIVITY_PLAN_REQUIRED = False
    day = timezone.localdate() - datetime.timedelta(days=1)
    when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    volunteer(people.community_worker, small_city.community_a1, 7)
    return activity(
        people.community_worker,
        small_city.community_a1,
        status="planned",
        when=when,
        now=timezone.now(),
        title="邻里节",
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    return client


def _url(planned) -> str:
    return f"/participation/activities/{planned.pk}/held/"


def _form(**extra):
    return {"version": 1, "held_on": timezone.localdate().isoformat(), "attendance": "28", **extra}


def _photo(name="a.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def test_a_photo_chosen_before_a_refused_submit_is_kept_shown_and_used_on_the_next_try(people, planned):
    client = _client(people.community_worker)
    refused = client.post(_url(planned), _form(attendance="0", photo_1=_photo(), caption_1="志愿者清理绿化带"))

    assert refused.status_code == 400
    planned.refresh_from_db()
    assert (planned.status, planned.photos.count()) == ("planned", 0)
    upload = PhotoUpload.objects.get(uploaded_by=people.community_worker)
    html = refused.content.decode()
    assert f'name="photo_token_1" value="{upload.token}"' in html
    assert re.search(rf'<img[^>]+src="/problems/uploads/{upload.token}/thumb/"', html)
    assert "已保留上次选择的照片" in html
    assert client.get(f"/problems/uploads/{upload.token}/thumb/").status_code == 200
    assert _client(people.street_officer).get(f"/problems/uploads/{upload.token}/thumb/").status_code == 404
    # The other slots stay empty.
    assert 'name="photo_token_2" value=""' in html

    done = client.post(_url(planned), _form(photo_token_1=str(upload.token), caption_1="志愿者清理绿化带"))

    assert done.status_code == 302
    planned.refresh_from_db()
    assert planned.status == "held"
    assert [p.caption for p in planned.photos.all()] == ["志愿者清理绿化带"]
    assert not PhotoUpload.objects.exists()  # the early copy is dropped once the photo is the activity's


def test_a_kept_photo_and_a_new_one_are_saved_in_their_slots_order(people, planned):
    client = _client(people.community_worker)
    client.post(_url(planned), _form(attendance="", photo_2=_photo(), caption_2="第二张"))
    token = PhotoUpload.objects.get().token

    done = client.post(
        _url(planned), _form(photo_1=_photo("b.jpg"), caption_1="第一张", photo_token_2=str(token), caption_2="第二张")
    )

    assert done.status_code == 302
    assert [p.caption for p in planned.photos.order_by("id")] == ["第一张", "第二张"]


def test_a_kept_photo_still_needs_its_caption(people, planned):
    client = _client(people.community_worker)
    client.post(_url(planned), _form(attendance="", photo_1=_photo(), caption_1="合影"))
    token = PhotoUpload.objects.get().token

    refused = client.post(_url(planned), _form(photo_token_1=str(token), caption_1=""))

    assert refused.status_code == 400
    assert "caption_1" in refused.context["form"].errors
    assert f'value="{token}"' in refused.content.decode()  # still kept for the third try


def test_someone_elses_kept_photo_cannot_be_used(people, planned):
    theirs = fieldwork.photo_upload_create(user=people.inspector, data=jpeg_bytes())

    refused = _client(people.community_worker).post(
        _url(planned), _form(photo_token_1=str(theirs.token), caption_1="别人的照片")
    )

    assert refused.status_code == 400
    planned.refresh_from_db()
    assert (planned.status, planned.photos.count()) == ("planned", 0)
    assert PhotoUpload.objects.filter(token=theirs.token).exists()
    assert str(theirs.token) not in refused.content.decode()


def test_a_file_that_is_no_photo_is_refused_and_not_kept(people, planned):
    fake = SimpleUploadedFile("a.jpg", b"not a picture", content_type="image/jpeg")
    refused = _client(people.community_worker).post(_url(planned), _form(attendance="0", photo_1=fake, caption_1="x"))

    assert refused.status_code == 400
    assert "photo_1" in refused.context["form"].errors
    assert not PhotoUpload.objects.exists()
