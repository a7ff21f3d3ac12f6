"""A real browser: community1 signs in, sees its community in Chinese, and gets "not found" on
community2's page."""

from pathlib import Path

import pytest

from gongjian.accounts.models import User
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def fonts_rendering(page, selector: str) -> set[str]:
    """The font families Chromium actually used to draw the element's text."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"] for f in fonts if f["glyphCount"] > 0}


def test_community1_sees_its_community_and_not_community2(live_server, page):
    build_demo_city()
    community1 = User.objects.get(username="community1").memberships.get().unit
    community2 = User.objects.get(username="community2").memberships.get().unit

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "community1")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "我的角色" in page.inner_text("main")

    page.click(f"main a[href='/units/{community1.pk}/']")
    page.wait_for_url(f"{live_server.url}/units/{community1.pk}/")
    heading = page.inner_text("h1")
    assert community1.name in heading
    assert "下级单位" in page.inner_text("main")
    fonts = fonts_rendering(page, "h1")
    assert any("CJK" in f or "Hei" in f or "Noto Sans SC" in f for f in fonts), fonts

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "community1-unit.png"), full_page=True)

    response = page.goto(f"{live_server.url}/units/{community2.pk}/")
    assert response.status == 404
    assert "页面不存在" in page.inner_text("main")
    assert community2.name not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "community1-not-found.png"), full_page=True)
