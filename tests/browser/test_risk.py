"""风险预警 `/risk` in real headless Chromium: 12345 analytics finds the planted surge."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_risk101_hotline_surges_lead_with_the_planted_xuzhou_surge(tab, app_warehouse):
    page = tab.open("/risk")
    assert "风险预警" in page.inner_text("h1")
    surges = page.locator("#risk-surges tbody tr")
    surges.first.wait_for()
    # the demo plants a ≈4× 供水供电供气 surge in 徐州 in July–August 2026
    first = surges.first.inner_text()
    assert "徐州市" in first and "供水供电供气" in first and "2026年7月" in first
    # its tickets equal the warehouse's (county rows rolled up to the city)
    july = app_warehouse.query(
        "SELECT sum(tickets) AS n FROM hotline_monthly WHERE region_code = '320300' "
        "AND category = '供水供电供气' AND month = DATE '2026-07-01'"
    )["n"][0]
    assert f"{july:,}" in first
    assert tab.errors == []


def test_risk102_hotline_region_and_category_go_into_the_url(tab):
    page = tab.open("/risk")
    page.click("#risk-hotline-region")
    page.get_by_placeholder("搜索").fill("徐州")
    page.get_by_role("option", name="徐州市", exact=True).click()
    page.wait_for_url(re.compile(r"hotline=320300"))
    page.wait_for_function(
        "document.querySelector('#risk-hotline').innerText.includes('徐州市 · 近 12 个月')"
    )
    again = tab.open("/risk?hotline=320300&category=供水供电供气")
    assert "徐州市 · 供水供电供气" in again.inner_text("#risk-hotline")
    assert tab.errors == []


def test_risk103_warnings_list_heatmap_and_drill_down(tab, app_warehouse):
    page = tab.open("/risk")
    surge = page.locator('#risk-warnings tr[data-warning^="hotline_surge:320300"]')
    surge.wait_for()
    assert "供水供电供气" in surge.inner_text()
    stall = page.locator('#risk-warnings tr[data-warning^="stalled_progress:320700"]')
    assert stall.count() == 1
    total = app_warehouse.query("SELECT count(*) AS n FROM warnings")["n"][0]
    assert page.locator("#risk-warnings tbody tr").count() == total
    page.wait_for_function(
        "() => { const g = document.querySelector('#risk-heatmap .js-plotly-plot');"
        " return g && g.data && g.data[0].y.length === 13; }"
    )
    surge.get_by_role("link", name="12345 热线诉求激增").click()
    drill = page.locator("#risk-drill")
    drill.wait_for()
    assert "徐州市" in drill.inner_text() and "2026-07" in drill.inner_text()
    assert tab.errors == []


def test_risk104_anomalies_of_monthly_series_are_listed(tab, app_warehouse):
    page = tab.open("/risk?city=320300")
    table = page.locator("#risk-anomalies")
    table.wait_for()
    text = table.inner_text()
    # 徐州's planted utilities surge shows as spikes in July and August 2026
    assert "2026-08" in text and "12345 供水供电供气诉求量" in text and "上升" in text
    n = app_warehouse.query("SELECT count(*) AS n FROM anomalies WHERE region_code = '320300'")[
        "n"
    ][0]
    assert page.locator("#risk-anomalies tbody tr").count() == min(n, 20)
    assert tab.errors == []


def test_risk105_drill_down_names_counties_and_outstanding_systems(tab, app_warehouse):
    page = tab.open("/risk?warning=hotline_surge:320300:hotline_utility_tickets")
    counties = page.locator("#risk-drill-counties")
    counties.wait_for()
    # the counties of 徐州 add up to the city's surge-month tickets
    city = app_warehouse.query(
        "SELECT sum(tickets) AS n FROM hotline_monthly WHERE region_code = '320300' "
        "AND category = '供水供电供气' AND month IN (DATE '2026-07-01', DATE '2026-08-01')"
    )["n"][0]
    shown = sum(
        int(t.replace(",", "").replace(" 件", ""))
        for t in counties.locator("td:nth-child(2)").all_inner_texts()
    )
    assert shown == city
    page = tab.open("/risk?warning=stalled_progress:320700:systems_on_cloud")
    items = page.locator("#risk-drill-items")
    items.wait_for()
    outstanding = app_warehouse.query(
        "SELECT count(*) AS n FROM open_items WHERE indicator = 'system_cloud_rate' "
        "AND city_code = '320700'"
    )["n"][0]
    assert f"共 {outstanding} 条" in page.inner_text("#risk-drill")
    assert tab.errors == []
