"""The map of problems in a real browser, with no tile server configured: community1 sees its
community's and compounds' boundaries with their names on a plain background, problems in
clusters coloured by status, a popup with the photo, facts and a link that opens the problem;
the heat layer turns on; no request leaves the site. On a phone (390×844, touch) and at 1366 px."""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from gongjian.accounts.models import User
from gongjian.demo.boundaries import build_demo_boundaries
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city
from gongjian.inspections.tests.factories import at, reported

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}


def _problems_around_community1() -> int:
    community1 = User.objects.get(username="community1").memberships.get().unit
    inspector = User.objects.get(username="inspector1")
    made = 0
    for index, compound in enumerate(community1.children.order_by("code")):
        for k in range(3):
            reported(
                inspector,
                compound,
                now=at(2026, 3, 2 + index, 9 + k),  # long past their deadlines: overdue
                latitude=compound.latitude + Decimal("0.0002") * k,
                longitude=compound.longitude - Decimal("0.0002") * k,
                address=f"{compound.name}{k + 1}幢",
            )
            made += 1
    return made


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_map_finds_problems_on_boundaries_without_a_tile_server(live_server, browser, settings, device):
    settings.MAP_TILE_URL = ""
    build_demo_city()
    assert build_demo_boundaries() > 0
    made = _problems_around_community1()
    base = live_server.url
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    outside, csp_errors = [], []
    page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:") else outside.append(r.url))
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "community1")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/problems/map/")
    page.wait_for_selector("#problem-map[data-ready='1']")
    element = page.locator("#problem-map")
    assert element.get_attribute("data-markers") == str(made)
    assert int(element.get_attribute("data-boundaries")) == 6  # community1 and its five compounds
    assert page.locator("path.map-boundary-community").count() == 1
    assert page.locator("path.map-boundary-compound").count() == 5
    assert page.locator(".leaflet-tile").count() == 0  # no base map, a plain background
    assert "map-plain" in element.get_attribute("class")
    assert f"{made} 个中的 {made} 个" in page.locator(".js-map-count").inner_text()
    clusters = page.locator(".map-cluster:visible")
    assert clusters.count() >= 1
    assert page.locator(".map-cluster-overdue").count() >= 1  # coloured by the worst inside
    page.wait_for_timeout(500)  # the clusters' fade-in
    page.screenshot(path=str(SCREENSHOTS / f"map-{device}.png"))
    box = element.bounding_box()
    assert box["width"] <= VIEWPORTS[device]["viewport"]["width"] and box["height"] >= 360

    # Open a cluster until single problems show, then one problem's popup.
    for _ in range(6):
        if page.locator(".map-pin:visible").count():
            break
        cluster = page.locator(".map-cluster:visible").first
        cluster.tap() if device == "phone" else cluster.click()
        page.wait_for_timeout(700)
    pin = page.locator(".map-pin:visible").first
    pin.tap() if device == "phone" else pin.click()
    popup = page.locator(".leaflet-popup .map-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "截止" in text or "期限" in text
    # Overdue, said in words (in working days, as on the homes) as well as in red.
    assert re.search(r"超期 \d+ 个工作日|已超期", text), text
    photo = popup.locator("img.map-popup-photo")
    photo.wait_for()
    page.wait_for_function("() => document.querySelector('.map-popup-photo').naturalWidth > 0")
    link = popup.locator("a.map-popup-link")
    assert link.inner_text() == "打开问题"
    page.wait_for_timeout(500)  # the popup's fade and the map's pan to show it whole
    assert page.locator(".map-label-compound:visible").count() >= 1  # compounds are named when close
    page.screenshot(path=str(SCREENSHOTS / f"map-{device}-popup.png"))
    href = link.get_attribute("href")
    link.tap() if device == "phone" else link.click()
    page.wait_for_url(f"{base}{href}")

    # The heat layer, from the layers control.
    page.goto(f"{base}/problems/map/")
    page.wait_for_selector("#problem-map[data-ready='1']")
    control = page.locator(".leaflet-control-layers")
    if device == "phone":
        page.locator(".leaflet-control-layers-toggle").tap()
    else:
        control.hover()
    page.get_by_label("热力图").check()
    page.wait_for_selector("canvas.leaflet-heatmap-layer")
    page.screenshot(path=str(SCREENSHOTS / f"map-{device}-heat.png"))

    assert outside == [], outside
    assert csp_errors == [], csp_errors
    context.close()


def test_the_city_office_uploads_boundaries_and_sees_each_bad_feature(live_server, browser, tmp_path):
    import json

    from gongjian.organizations.boundaries import ring_around
    from gongjian.organizations.models import Unit, UnitBoundary

    build_demo_city()
    community = User.objects.get(username="community1").memberships.get().unit
    good = {
        "type": "Feature",
        "properties": {"code": community.code},
        "geometry": ring_around(29.3, 120.08, radius=0.01),
    }
    bad = {"type": "Feature", "properties": {"code": "999"}, "geometry": {"type": "Point", "coordinates": [120, 29]}}
    bad_file = tmp_path / "bad.geojson"
    bad_file.write_text(json.dumps({"type": "FeatureCollection", "features": [good, bad]}))
    good_file = tmp_path / "good.geojson"
    good_file.write_text(json.dumps({"type": "FeatureCollection", "features": [good]}))
    base = live_server.url
    context = browser.new_context(locale="zh-CN", **VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "city")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/units/boundaries/")
    page.set_input_files("#id_file", str(bad_file))
    page.click("#boundary-form button[type=submit]")
    errors = page.locator(".js-boundary-errors li")
    errors.first.wait_for()
    assert errors.count() == 1
    assert "要素 2 (999)：几何图形必须是 Polygon 或 MultiPolygon" in errors.first.inner_text()
    assert "未做任何改动" in page.locator(".alert-danger").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "boundaries-upload-refused.png"), full_page=True)
    assert not UnitBoundary.objects.exists()

    page.set_input_files("#id_file", str(good_file))
    page.click("#boundary-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "新建边界 1 个" in page.locator(".alert-success").inner_text()
    assert UnitBoundary.objects.get().unit == Unit.objects.get(pk=community.pk)
    context.close()
