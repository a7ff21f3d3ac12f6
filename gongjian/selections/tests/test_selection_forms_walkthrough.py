"""What the browser walk-through of issue 16 found on the office's 评选 page: its form came out
unstyled (small bare inputs, errors as a bulleted list in black)."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_new_selection_form_has_bootstrap_inputs(people):
    client = Client()
    client.force_login(people.city_admin)
    page = client.get(reverse("selections:office")).content.decode()
    title = re.search(r"<input[^>]*name=\"title\"[^>]*>", page).group(0)
    dates = re.findall(r"<input[^>]*type=\"date\"[^>]*>", page)
    assert 'class="form-control"' in title
    assert len(dates) == 4 and all('class="form-control"' in d for d in dates)


def test_django_error_lists_are_styled_red_and_unbulleted():
    css = Path(finders.find("css/app.css")).read_text(encoding="utf-8")
    rule = re.search(r"\.errorlist\s*\{([^}]*)\}", css)
    assert rule and "list-style: none" in rule.group(1) and "var(--bs-danger)" in rule.group(1)
