"""The report form on a phone (390×844, touch), against the real category suggestions: with a
trained model, typing the description offers categories and one tap picks one; the sticky submit
bar stays inside the screen at the top of the form and after scrolling, without scrolling to it."""

from pathlib import Path

import pytest

from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.suggestions import selectors, services
from gongjian.suggestions.tests.synthetic import synthetic_history
from gongjian.testing.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/field14")
PASSWORD = "Report-form-2026!"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "locale": "zh-CN"}


@pytest.fixture
def trained_model(small_city):
    """A model trained on a small synthetic history of closed problems (20 per category)."""
    texts, labels = synthetic_history(20, seed=7)
    reporter = UserFactory()
    categories = {c.code: c for c in Category.objects.filter(code__in=set(labels))}
    for text, code in zip(texts, labels, strict=True):
        ProblemFactory(
            unit=small_city.compound_a1, reporter=reporter, category=categories[code], description=text, status="closed"
        )
    selectors.forget_loaded()
    model = services.category_model_train().model
    assert model is not None
    yield model
    selectors.forget_loaded()


def signed_in_phone(browser, live_server, user):
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


@pytest.mark.parametrize("who", ["inspector", "street_officer"])
def test_typing_the_description_offers_categories_and_one_tap_picks_one(
    browser, live_server, people, trained_model, who
):
    context, page = signed_in_phone(browser, live_server, getattr(people, who))
    page.goto(f"{live_server.url}/problems/report/")
    assert page.locator("input[name=category]:checked").count() == 0

    with page.expect_response(lambda r: "/api/v1/categories/suggest/" in r.url) as asked:
        page.locator("#id_description").fill("小区南门电动车乱停放影响通行")
    assert asked.value.status == 200
    suggestion = page.locator(".js-suggestions .suggestion").first
    suggestion.wait_for()
    assert page.locator(".js-suggestions").is_visible()
    assert suggestion.inner_text() == "非机动车乱停放"
    page.screenshot(path=str(SHOTS / f"report-suggestions-{who}.png"), full_page=True)

    suggestion.tap()

    assert page.locator("input[name=category]:checked").get_attribute("value") == "09010"
    assert page.locator(".pick-option.is-selected .pick-name").inner_text() == "非机动车乱停放"
    assert page.locator(".pick-option.is-selected").is_visible()
    context.close()


def test_without_a_model_no_suggestion_box_shows(browser, live_server, people, small_city):
    context, page = signed_in_phone(browser, live_server, people.inspector)
    page.goto(f"{live_server.url}/problems/report/")
    with page.expect_response(lambda r: "/api/v1/categories/suggest/" in r.url) as asked:
        page.locator("#id_description").fill("小区南门电动车乱停放影响通行")
    assert asked.value.status == 200
    page.wait_for_timeout(300)
    assert not page.locator(".js-suggestions").is_visible()
    context.close()


def _submit_box(page):
    return page.locator(".js-field-form .js-submit").bounding_box()


def test_the_submit_button_stays_inside_the_screen_while_the_form_scrolls(browser, live_server, people, small_city):
    context, page = signed_in_phone(browser, live_server, people.inspector)
    page.goto(f"{live_server.url}/problems/report/")
    page.wait_for_load_state("networkidle")
    height = page.viewport_size["height"]
    assert page.evaluate("document.documentElement.scrollHeight") > height, "the form should be longer than a screen"

    for scrolled in (0, 400, "middle", "bottom"):
        if scrolled == "middle":
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
        elif scrolled == "bottom":
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        else:
            page.evaluate(f"window.scrollTo(0, {scrolled})")
        page.wait_for_timeout(100)
        box = _submit_box(page)
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (scrolled, box)
        assert box["width"] > 300
        page.screenshot(path=str(SHOTS / f"report-submit-{scrolled}.png"))
    context.close()
