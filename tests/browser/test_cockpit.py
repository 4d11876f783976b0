"""领导驾驶舱 `/` in real headless Chromium: cards equal the warehouse, the map filters by city,
the as-of selector replays the past, the big screen fills a 16:9 canvas."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from datasets import boundaries
from pages._components import fmt_value
from tests.browser.conftest import ARTIFACTS, Page

pytestmark = pytest.mark.browser
SET = "jiangsu-14fyp-digital-gov"


def progress_at(wh, as_of, region="320000"):
    """(indicator, value the card must show, verdict, unit, decimals) per quantified target:
    once a final assessment exists, the value at the deadline (target ± gap) and 到期…; before,
    the latest value and the tracking status — worked out here from the stored columns."""
    rows = wh.query(
        "SELECT p.indicator, p.current_value, p.status, p.final_status, p.final_gap, "
        "p.target_value, c.polarity, c.unit, c.decimals "
        "FROM target_progress p JOIN catalog_indicators c USING (indicator) "
        "WHERE p.target_set = ? AND p.as_of = ? AND p.region_code = ? AND p.is_default_method "
        "AND p.target_value IS NOT NULL",
        [SET, as_of, region],
    ).to_dicts()
    out = []
    for r in rows:
        value, verdict = r["current_value"], r["status"]
        if r["final_status"]:
            sign = -1 if r["polarity"] == "lower" else 1
            value = r["target_value"] + sign * r["final_gap"]
            verdict = f"final_{r['final_status']}"
        out.append((r["indicator"], value, verdict, r["unit"], r["decimals"]))
    return out


def newest(wh):
    return wh.query("SELECT max(as_of) AS d FROM target_progress")["d"][0]


def card_value(page, indicator):
    return page.inner_text(f'#cockpit-cards .kpi-item[data-indicator="{indicator}"] .kpi-value')


def test_cockpit001_cards_show_every_target_with_warehouse_values(tab, app_warehouse):
    page = tab.open("/")
    assert "领导驾驶舱" in page.inner_text("h1")
    assert "模拟数据" in page.inner_text("#synthetic-banner")
    expected = progress_at(app_warehouse, newest(app_warehouse))
    cards = page.locator("#cockpit-cards .kpi-item")
    assert cards.count() == len(expected) == 10
    for code, value, verdict, unit, decimals in expected:
        assert card_value(page, code) == fmt_value(value, unit, decimals), code
        card = page.locator(f'#cockpit-cards .kpi-item[data-indicator="{code}"]')
        assert card.get_attribute("data-status") == verdict
        # status is given in words, not only colour
        assert card.locator(".status-badge").first.inner_text().strip() != ""
    assert "总结评估" in page.inner_text("#cockpit-summary")
    page.locator("#cockpit-lagging li").first.wait_for()
    assert page.locator("#cockpit-economy [id*=economy-card]").count() == 4
    tab.screenshot("cockpit-desktop")
    assert tab.errors == []


def test_cockpit002_clicking_a_city_on_the_map_filters_the_page(tab, app_warehouse):
    page = tab.open("/")
    graph = "#cockpit-map .js-plotly-plot"
    page.wait_for_function(
        f"() => {{ const g = document.querySelector('{graph}');"
        " return g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot"
        " && g._fullLayout.map._subplot.map && g._fullLayout.map._subplot.map.loaded(); }"
    )
    shapes = boundaries.simplified("city")
    shape = shapes[shapes["region_code"] == "320700"].geometry.iloc[0]
    point = shape.representative_point()
    x, y = page.evaluate(
        f"([lon, lat]) => {{ const g = document.querySelector('{graph}');"
        " const m = g._fullLayout.map._subplot.map; const p = m.project([lon, lat]);"
        " const r = m.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [point.x, point.y],
    )
    page.mouse.click(x, y)  # a real click on 连云港's polygon
    page.wait_for_url(re.compile(r"city=320700"))
    page.wait_for_function("document.querySelector('h1').innerText.includes('连云港')")
    expected = progress_at(app_warehouse, newest(app_warehouse), "320700")
    for code, value, _verdict, unit, decimals in expected:
        assert card_value(page, code) == fmt_value(value, unit, decimals), code
    # the lagging list now lists 连云港's own targets: its cloud migration stalled (planted)
    lagging = page.locator('#cockpit-lagging li[data-indicator="system_cloud_rate"]')
    assert "未达成" in lagging.inner_text()
    page.click("#cockpit-city-clear")
    page.wait_for_function("document.querySelector('h1').innerText.includes('全省')")
    assert "city=" not in page.url
    assert tab.errors == []


def test_cockpit003_as_of_replays_a_past_month(tab, app_warehouse):
    page = tab.open("/")
    page.click("#cockpit-as-of")
    page.get_by_placeholder("搜索").fill("2023年12月")
    page.get_by_role("option", name="2023年12月", exact=True).click()
    page.wait_for_url(re.compile(r"as_of=2023-12"))
    page.wait_for_function("document.querySelector('h1 + p').innerText.includes('2023年12月')")
    assert "中期评估" in page.inner_text("h1 + p")
    expected = progress_at(app_warehouse, dt.date(2023, 12, 31))
    for code, value, _verdict, unit, decimals in expected:
        assert card_value(page, code) == fmt_value(value, unit, decimals), code
    # no final assessment before the deadline
    assert "总结评估" not in page.inner_text("#cockpit-summary")
    # the URL alone reproduces the view
    again = tab.open("/?as_of=2023-12")
    assert "中期评估" in again.inner_text("h1 + p")
    assert tab.errors == []


def test_cockpit004_big_screen_is_a_dark_16_by_9_canvas(browser, server):
    big = Page(browser, server, 2560, 1440)
    page = big.page
    page.goto(server + "/?screen=big&rotate=2")
    canvas = page.locator("#cockpit-big")
    canvas.wait_for()
    box = canvas.bounding_box()
    assert box["width"] == pytest.approx(2560, abs=2)
    assert box["width"] / box["height"] == pytest.approx(16 / 9, rel=0.01)
    assert not page.locator("#navbar").is_visible()
    assert "模拟数据" in page.inner_text(".big-header")
    assert page.locator("#cockpit-big .kpi-item[data-indicator]").count() >= 10
    # rotation moves the map through the composite indices
    first = page.inner_text(".big-center .big-section")
    page.wait_for_function(
        f"document.querySelector('.big-center .big-section').innerText !== {first!r}",
        timeout=15_000,
    )
    page.screenshot(path=str(ARTIFACTS / "cockpit-big.png"))
    assert big.errors == []
    page.close()
