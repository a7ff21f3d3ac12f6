"""Every menu entry opens a working page for the role that sees it: each demo account signs in on
a 390 px phone, opens the menu and goes to every link in it (with the inbox and the user menu's
pages), and each answers below 400 and fits the phone's width."""

import pytest

from gongjian.demo.city import DEMO_PASSWORD, build_demo_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The big screen (大屏) is laid out for a 1920×1080 display, not for a phone.
WALL = "/overview/wall/"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "locale": "zh-CN"}


def _menu_links(page) -> list[str]:
    return page.eval_on_selector_all(
        "#main-nav a[href]",
        "links => [...new Set(links.map(a => a.getAttribute('href')).filter(h => h && h !== '#'))]",
    )


def test_every_menu_entry_opens_a_working_page_for_every_role(live_server, browser):
    accounts = build_demo_city()
    failures, walked = [], {}
    for account in accounts:
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", account.username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        # The menu is behind the toggler on a phone: it opens.
        page.locator(".navbar-toggler").tap()
        page.locator("#main-nav.show").wait_for()
        links = _menu_links(page)
        walked[account.username] = links
        for href in links:
            response = page.goto(f"{live_server.url}{href}")
            if response is None or response.status >= 400:
                failures.append((account.username, href, response and response.status))
            elif href != WALL and page.evaluate("document.documentElement.scrollWidth") > 390:
                failures.append((account.username, href, "wider than the phone"))
        context.close()
    assert not failures, failures
    # Each role sees its own menu: the leader the overview and the big screen, the volunteer neither.
    assert {"/overview/", "/overview/wall/"} <= set(walked["leader1"])
    assert not {"/overview/", "/overview/wall/"} & set(walked["volunteer1"])
    assert "/problems/report/" in walked["inspector1"] and "/problems/map/" in walked["street1"]
