"""What the browser walk-through of issue 16 found on the materials page (and the campaign form):
a material's and a campaign's description were labelled 问题描述, a problem's word."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def page_for(user, url_name) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse(url_name)).content.decode()


def test_the_material_form_labels_its_description_as_a_note_not_a_problem(people):
    page = page_for(people.city_admin, "materials:index")
    label = page[page.index('for="id_description"') :][:40]
    assert "说明" in label and "问题描述" not in page


def test_the_campaign_form_labels_its_description_as_a_note_not_a_problem(people):
    page = page_for(people.city_admin, "campaigns:index")
    label = page[page.index('for="id_description"') :][:40]
    assert "说明" in label and "问题描述" not in page
